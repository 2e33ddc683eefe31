"""What every loader returns and what bounds it: pages with their place in the file, and the
per-file limits (each refused with one line naming its setting)."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from qa.errors import DocumentError
from qa.settings import IngestSettings

_DEFAULTS = IngestSettings.model_construct()  # the settings' defaults, without reading the environment


@dataclass(frozen=True)
class Page:
    number: int | None  # 1-based for paged formats (PDF pages, slides), None otherwise
    text: str
    # Where the text sits when a page number does not say it: "slide 3", "sheet Budget",
    # "page 4 (OCR)", a section path "Install › Docker". Kept on every chunk of the page.
    location: str = ""


@dataclass(frozen=True)
class LoadLimits:
    """What one file may cost; each limit refused with one line naming its setting."""

    max_bytes: int = _DEFAULTS.max_file_bytes
    max_chars: int = _DEFAULTS.max_file_chars
    max_unzipped_bytes: int = _DEFAULTS.max_unzipped_bytes
    max_pdf_pages: int = _DEFAULTS.max_pdf_pages
    ocr: bool = _DEFAULTS.ocr
    ocr_languages: str = _DEFAULTS.ocr_languages
    ocr_seconds: float = _DEFAULTS.ocr_timeout_s
    max_ocr_pages: int = _DEFAULTS.max_ocr_pages
    ocr_dpi: int = _DEFAULTS.ocr_dpi

    @classmethod
    def from_settings(cls, ingest: IngestSettings) -> LoadLimits:
        return cls(
            ingest.max_file_bytes,
            ingest.max_file_chars,
            ingest.max_unzipped_bytes,
            ingest.max_pdf_pages,
            ingest.ocr,
            ingest.ocr_languages,
            ingest.ocr_timeout_s,
            ingest.max_ocr_pages,
            ingest.ocr_dpi,
        )


def first_line(exc: BaseException) -> str:
    """The error's kind and its first 150 characters, on one line."""
    return f"{type(exc).__name__}: {' '.join(str(exc).split())[:150]}"


def check_unzipped_size(path: Path, limit: int, kind: str = "DOCX") -> None:
    """Refuse a zip whose parts expand past ``limit`` before any part is parsed (zip bombs)."""
    try:
        with zipfile.ZipFile(path) as archive:
            expanded = sum(info.file_size for info in archive.infolist())
    except Exception as exc:  # zipfile raises BadZipFile, NotImplementedError, ValueError... on damaged headers
        raise DocumentError(f"not a readable {kind} ({first_line(exc)})") from exc
    if expanded > limit:
        raise DocumentError(
            f"expands to {expanded / 1e6:,.0f} MB, over the {limit / 1e6:,.0f} MB limit (QA_MAX_UNZIPPED_MB)"
        )


class CharBudget:
    """Counts the characters a loader has produced and refuses the file as soon as they pass the
    limit, so a huge sheet or deck is stopped while it is read, not after it is all in memory."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def take(self, text: str) -> str:
        self.used += len(text)
        if self.used > self.limit:
            raise DocumentError(f"over {self.limit:,} characters of text (QA_MAX_FILE_CHARS)")
        return text
