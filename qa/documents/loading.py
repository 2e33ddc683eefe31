"""Read a file into plain text pages, with its title and date where the format carries them."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from charset_normalizer import from_bytes

from qa.documents.pages import LoadLimits, Page, check_unzipped_size, first_line
from qa.errors import DocumentError

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdx"}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg"}
# Every suffix the loaders read: the CLI's folders, the API and the browser uploader all take
# exactly these. .odt is not here: odfpy, its reader, has had no release since 2020.
SUPPORTED_SUFFIXES = (
    TEXT_SUFFIXES
    | MARKDOWN_SUFFIXES
    | IMAGE_SUFFIXES
    | {
        ".pdf",
        ".docx",
        ".html",
        ".htm",
        ".pptx",
        ".xlsx",
        ".csv",
        ".eml",
        ".rst",
        ".epub",
    }
)
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)


@dataclass(frozen=True)
class LoadedDocument:
    source: str
    title: str
    content_hash: str
    pages: list[Page]
    metadata: dict[str, str] = field(default_factory=dict)


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED_SUFFIXES


def unsupported_message(suffix: str) -> str:
    """The plain sentence shown for a file type no loader reads."""
    kind = f"'{suffix}' is an unsupported file type" if suffix else "a file without a suffix is of an unsupported type"
    return f"{kind}; the supported types are {', '.join(sorted(SUPPORTED_SUFFIXES))}."


def load_document(path: Path, limits: LoadLimits | int) -> LoadedDocument:
    """Load one file. Raises ``DocumentError`` with a reason a user can act on.
    ``limits`` may be a bare byte limit (the other limits at their defaults)."""
    if isinstance(limits, int):
        limits = LoadLimits(max_bytes=limits)
    max_bytes = limits.max_bytes
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise DocumentError(unsupported_message(suffix))
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise DocumentError(
                f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.1f} MB limit (QA_MAX_FILE_MB)"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"cannot read file: {exc.strerror or exc}") from exc
    if not data.strip():
        raise DocumentError("file is empty")

    pages, metadata = _read(path, suffix, data, limits)
    pages = [Page(p.number, p.text.strip(), p.location) for p in pages if p.text and p.text.strip()]
    if not pages:
        raise DocumentError("no text could be extracted")
    chars = sum(len(p.text) for p in pages)
    if chars > limits.max_chars:
        raise DocumentError(f"{chars:,} characters of text, over the {limits.max_chars:,} limit (QA_MAX_FILE_CHARS)")
    stem = os.fsencode(path.stem).decode("utf-8", "backslashreplace")  # names need not be UTF-8
    title = metadata.pop("title", "") or stem.replace("-", " ").replace("_", " ")
    return LoadedDocument(source=str(path), title=title, content_hash=file_hash(data), pages=pages, metadata=metadata)


def _read(path: Path, suffix: str, data: bytes, limits: LoadLimits) -> tuple[list[Page], dict[str, str]]:
    """The pages and metadata of one file, by the loader of its family."""
    from qa.documents.loaders import mail, markup, office, pdf, scans

    metadata: dict[str, str] = {}
    if suffix in MARKDOWN_SUFFIXES:
        text, metadata = _split_front_matter(_decode_text(data))
        return (markup.mdx_pages(text) if suffix == ".mdx" else markup.markdown_pages(text)), metadata
    if suffix in TEXT_SUFFIXES:
        text, metadata = _split_front_matter(_decode_text(data))
        return [Page(None, text)], metadata
    if suffix == ".rst":
        return markup.rst_pages(_decode_text(data)), metadata
    if suffix == ".csv":
        return office.csv_pages(_decode_text(data), limits), metadata
    if suffix == ".pdf":
        pages, metadata = pdf.pdf_pages(path, limits)
        return scans.ocr_pdf_pages(path, pages, limits), metadata
    if suffix in IMAGE_SUFFIXES:
        return scans.image_pages(path, limits), metadata
    if suffix == ".docx":
        return _read_docx(path, limits)
    if suffix == ".pptx":
        return office.pptx_pages(path, limits)
    if suffix == ".xlsx":
        return office.xlsx_pages(path, limits)
    if suffix == ".eml":
        return mail.eml_pages(data, limits)
    if suffix == ".epub":
        return markup.epub_pages(path, limits)
    return _read_html(data)


def _decode_text(data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise DocumentError("binary data, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is None:
        raise DocumentError("binary data, not text (no text encoding fits)")
    text = str(best)
    printable = sum(ch.isprintable() or ch.isspace() for ch in text)
    if printable < 0.95 * len(text):
        raise DocumentError("binary data, not text")
    return text


def _split_front_matter(text: str) -> tuple[str, dict[str, str]]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return text, {}
    try:
        fields = yaml.safe_load(match.group(1)) or {}
    except (yaml.YAMLError, ValueError, TypeError, RecursionError):
        # Not front matter we can read (bad syntax, or a value such as an impossible date that
        # fails while it is built): the block stays in the text and the file has no metadata.
        return text, {}
    if not isinstance(fields, dict):
        return text, {}
    return text[match.end() :], {str(k): str(v) for k, v in fields.items() if v is not None}


def _read_docx(path: Path, limits: LoadLimits) -> tuple[list[Page], dict[str, str]]:
    import docx

    check_unzipped_size(path, limits.max_unzipped_bytes)
    try:
        document = docx.Document(str(path))
        blocks = [p.text for p in document.paragraphs]
        for table in document.tables:
            for row in table.rows:
                blocks.append(" | ".join(cell.text for cell in row.cells))
        title = document.core_properties.title or ""
    except Exception as exc:
        # A damaged part fails while it is read, not only when the package opens: python-docx and
        # lxml raise many kinds (BadZipFile, XMLSyntaxError, KeyError, AttributeError on a wrong root
        # element; seen in the fuzz tests).
        raise DocumentError(f"not a readable DOCX ({first_line(exc)})") from exc
    return [Page(None, "\n".join(blocks))], {"title": title} if title else {}


_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?![.\d])", re.IGNORECASE)


def _is_hidden(tag) -> bool:
    if tag.name is None or tag.attrs is None:
        return False
    return (
        tag.has_attr("hidden")
        or str(tag.get("aria-hidden", "")).lower() == "true"
        or bool(_HIDDEN_STYLE.search(str(tag.get("style", ""))))
        or (tag.name == "input" and str(tag.get("type", "")).lower() == "hidden")
    )


def clean_html(soup):
    """The soup without scripts, styles, comments and hidden elements."""
    from bs4 import Comment

    for tag in soup(["script", "style", "noscript", "template"]):
        tag.decompose()
    for comment in soup.find_all(string=lambda text: isinstance(text, Comment)):
        comment.extract()
    # Text a reader of the page does not see is not indexed: it is where injected
    # instructions hide.
    for tag in soup.find_all(_is_hidden):
        tag.decompose()
    return soup


def _read_html(data: bytes) -> tuple[list[Page], dict[str, str]]:
    from bs4 import BeautifulSoup

    from qa.documents.loaders.markup import html_section_pages

    soup = clean_html(BeautifulSoup(data, "lxml"))
    title = soup.title.get_text(strip=True) if soup.title else ""
    return html_section_pages(soup), {"title": title} if title else {}
