"""E-mail (.eml, RFC 5322) with the standard library's ``email``: the headers a reader looks at,
the body (plain text, else HTML made text) and text attachments, each attachment a page of its own."""

from __future__ import annotations

import logging
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from qa.documents.pages import CharBudget, LoadLimits, Page, first_line
from qa.errors import DocumentError

log = logging.getLogger(__name__)

HEADERS = ("From", "To", "Cc", "Date", "Subject")
MAX_PARTS = 1_000  # a message of more parts than this is refused (nested multiparts cost memory)


def eml_pages(data: bytes, limits: LoadLimits) -> tuple[list[Page], dict[str, str]]:
    budget = CharBudget(limits.max_chars)
    try:
        message = BytesParser(policy=policy.default).parsebytes(data)
        if not isinstance(message, EmailMessage) or not any(message.get(h) for h in HEADERS):
            raise DocumentError("not an e-mail message (no From, To, Date or Subject header)")
        parts = list(message.walk())
        if len(parts) > MAX_PARTS:
            raise DocumentError(f"{len(parts)} message parts, over the {MAX_PARTS} this reader takes")
        head = [f"{name}: {' '.join(str(message[name]).split())}" for name in HEADERS if message.get(name)]
        body = ""
        for kind in ("plain", "html"):  # the HTML alternative when the plain one is missing or blank
            part = message.get_body(preferencelist=(kind,))
            body = _part_text(part).strip() if part is not None else ""
            if body:
                break
        pages = [Page(None, budget.take("\n".join(head) + "\n\n" + body))]
        for part in message.iter_attachments():
            name = part.get_filename() or "attachment"
            if part.get_content_maintype() != "text":
                log.info("attachment %s (%s) is not text; not indexed", name, part.get_content_type())
                continue
            pages.append(Page(None, budget.take(_part_text(part)), f"attachment {name}"))
        subject = " ".join(str(message.get("Subject", "")).split())
        metadata = {"title": subject} if subject else {}
        if message.get("Date"):
            metadata["date"] = str(message["Date"])
    except DocumentError:
        raise
    except Exception as exc:  # the parser is lenient; decoding a damaged part is where errors come from
        raise DocumentError(f"not a readable e-mail ({first_line(exc)})") from exc
    return pages, metadata


def _part_text(part) -> str:
    try:
        content = part.get_content()
    except (LookupError, UnicodeError):  # an unknown or lying charset: the bytes as Latin-1 never fail
        content = (part.get_payload(decode=True) or b"").decode("latin-1")
    if isinstance(content, bytes):
        content = content.decode("utf-8", "replace")
    if part.get_content_subtype() == "html":
        from bs4 import BeautifulSoup

        from qa.documents.loading import clean_html

        soup = clean_html(BeautifulSoup(content, "lxml"))
        content = (soup.body or soup).get_text("\n", strip=True)
    return str(content)
