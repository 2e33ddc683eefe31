"""Read a file into plain text pages, with its title and date where the format carries them."""

from __future__ import annotations

import hashlib
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from charset_normalizer import from_bytes

from qa.errors import DocumentError
from qa.settings import IngestSettings

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | {".pdf", ".docx", ".html", ".htm"}
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)


@dataclass(frozen=True)
class Page:
    number: int | None  # 1-based for paged formats, None otherwise
    text: str


@dataclass(frozen=True)
class LoadedDocument:
    source: str
    title: str
    content_hash: str
    pages: list[Page]
    metadata: dict[str, str] = field(default_factory=dict)


_DEFAULTS = IngestSettings.model_construct()  # the settings' defaults, without reading the environment


@dataclass(frozen=True)
class LoadLimits:
    """What one file may cost; each limit refused with one line naming its setting."""

    max_bytes: int = _DEFAULTS.max_file_bytes
    max_chars: int = _DEFAULTS.max_file_chars
    max_unzipped_bytes: int = _DEFAULTS.max_unzipped_bytes
    max_pdf_pages: int = _DEFAULTS.max_pdf_pages

    @classmethod
    def from_settings(cls, ingest: IngestSettings) -> LoadLimits:
        return cls(ingest.max_file_bytes, ingest.max_file_chars, ingest.max_unzipped_bytes, ingest.max_pdf_pages)


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED_SUFFIXES


def load_document(path: Path, limits: LoadLimits | int) -> LoadedDocument:
    """Load one file. Raises ``DocumentError`` with a reason a user can act on.
    ``limits`` may be a bare byte limit (the other limits at their defaults)."""
    if isinstance(limits, int):
        limits = LoadLimits(max_bytes=limits)
    max_bytes = limits.max_bytes
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise DocumentError(f"unsupported file type '{suffix or path.name}' (supported: {', '.join(sorted(SUPPORTED_SUFFIXES))})")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise DocumentError(f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.1f} MB limit (QA_MAX_FILE_MB)")
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"cannot read file: {exc.strerror or exc}") from exc
    if not data.strip():
        raise DocumentError("file is empty")

    metadata: dict[str, str] = {}
    if suffix in TEXT_SUFFIXES:
        text, metadata = _split_front_matter(_decode_text(data))
        pages = [Page(None, text)]
    elif suffix == ".pdf":
        pages, metadata = _read_pdf(path, limits)
    elif suffix == ".docx":
        pages, metadata = _read_docx(path, limits)
    else:
        pages, metadata = _read_html(data)

    pages = [Page(p.number, p.text.strip()) for p in pages if p.text and p.text.strip()]
    if not pages:
        raise DocumentError("no text could be extracted")
    chars = sum(len(p.text) for p in pages)
    if chars > limits.max_chars:
        raise DocumentError(f"{chars:,} characters of text, over the {limits.max_chars:,} limit (QA_MAX_FILE_CHARS)")
    stem = os.fsencode(path.stem).decode("utf-8", "backslashreplace")  # names need not be UTF-8
    title = metadata.pop("title", "") or stem.replace("-", " ").replace("_", " ")
    return LoadedDocument(
        source=str(path), title=title, content_hash=file_hash(data), pages=pages, metadata=metadata
    )


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
    return text[match.end():], {str(k): str(v) for k, v in fields.items() if v is not None}


def _first_line(exc: BaseException) -> str:
    """The error's kind and its first 150 characters, on one line."""
    return f"{type(exc).__name__}: {' '.join(str(exc).split())[:150]}"


def _read_pdf(path: Path, limits: LoadLimits) -> tuple[list[Page], dict[str, str]]:
    from pypdf import PdfReader

    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            raise DocumentError("PDF is encrypted")
        if len(reader.pages) > limits.max_pdf_pages:
            raise DocumentError(f"{len(reader.pages)} pages, over the {limits.max_pdf_pages} page limit (QA_MAX_PDF_PAGES)")
        pages = [Page(i + 1, page.extract_text() or "") for i, page in enumerate(reader.pages)]
        meta = reader.metadata
        title = (meta.title or "") if meta else ""
    except DocumentError:
        raise
    except Exception as exc:
        # pypdf raises a dozen kinds on damaged files (PyPdfError, DeprecationError, ValueError,
        # KeyError, ZeroDivisionError, RecursionError...; seen in the fuzz tests): all mean unreadable.
        raise DocumentError(f"not a readable PDF ({_first_line(exc)})") from exc
    return pages, {"title": title} if title else {}


def _check_unzipped_size(path: Path, limit: int) -> None:
    """Refuse a zip whose parts expand past ``limit`` before any part is parsed (zip bombs)."""
    try:
        with zipfile.ZipFile(path) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
    except Exception as exc:  # zipfile raises BadZipFile, NotImplementedError, ValueError... on damaged headers
        raise DocumentError(f"not a readable DOCX ({_first_line(exc)})") from exc
    if expanded > limit:
        raise DocumentError(
            f"expands to {expanded / 1e6:,.0f} MB, over the {limit / 1e6:,.0f} MB limit (QA_MAX_UNZIPPED_MB)"
        )


def _read_docx(path: Path, limits: LoadLimits) -> tuple[list[Page], dict[str, str]]:
    import docx

    _check_unzipped_size(path, limits.max_unzipped_bytes)
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
        raise DocumentError(f"not a readable DOCX ({_first_line(exc)})") from exc
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


def _read_html(data: bytes) -> tuple[list[Page], dict[str, str]]:
    from bs4 import BeautifulSoup, Comment

    soup = BeautifulSoup(data, "lxml")
    for tag in soup(["script", "style", "noscript", "template"]):
        tag.decompose()
    for comment in soup.find_all(string=lambda text: isinstance(text, Comment)):
        comment.extract()
    # Text a reader of the page does not see is not indexed: it is where injected
    # instructions hide.
    for tag in soup.find_all(_is_hidden):
        tag.decompose()
    title = soup.title.get_text(strip=True) if soup.title else ""
    body = soup.body or soup
    text = body.get_text("\n", strip=True)
    return [Page(None, text)], {"title": title} if title else {}
