"""Read a file into plain text pages, with its title and date where the format carries them."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from charset_normalizer import from_bytes

from qa.errors import DocumentError

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


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED_SUFFIXES


def load_document(path: Path, max_bytes: int) -> LoadedDocument:
    """Load one file. Raises ``DocumentError`` with a reason a user can act on."""
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
        pages, metadata = _read_pdf(path)
    elif suffix == ".docx":
        pages, metadata = _read_docx(path)
    else:
        pages, metadata = _read_html(data)

    pages = [Page(p.number, p.text.strip()) for p in pages if p.text and p.text.strip()]
    if not pages:
        raise DocumentError("no text could be extracted")
    title = metadata.pop("title", "") or path.stem.replace("-", " ").replace("_", " ")
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
    except yaml.YAMLError:
        return text, {}
    if not isinstance(fields, dict):
        return text, {}
    return text[match.end():], {str(k): str(v) for k, v in fields.items() if v is not None}


def _read_pdf(path: Path) -> tuple[list[Page], dict[str, str]]:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            raise DocumentError("PDF is encrypted")
        pages = [Page(i + 1, page.extract_text() or "") for i, page in enumerate(reader.pages)]
        meta = reader.metadata
        title = (meta.title or "") if meta else ""
    except DocumentError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise DocumentError(f"not a readable PDF ({type(exc).__name__}: {exc})") from exc
    return pages, {"title": title} if title else {}


def _read_docx(path: Path) -> tuple[list[Page], dict[str, str]]:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, ValueError, KeyError, OSError) as exc:
        raise DocumentError(f"not a readable DOCX ({type(exc).__name__}: {exc})") from exc
    except Exception as exc:  # zipfile.BadZipFile and lxml errors surface here
        raise DocumentError(f"not a readable DOCX ({type(exc).__name__}: {exc})") from exc
    blocks = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            blocks.append(" | ".join(cell.text for cell in row.cells))
    title = document.core_properties.title or ""
    return [Page(None, "\n".join(blocks))], {"title": title} if title else {}


def _read_html(data: bytes) -> tuple[list[Page], dict[str, str]]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(data, "lxml")
    for tag in soup(["script", "style", "noscript", "template"]):
        tag.decompose()
    title = soup.title.get_text(strip=True) if soup.title else ""
    body = soup.body or soup
    text = body.get_text("\n", strip=True)
    return [Page(None, text)], {"title": title} if title else {}
