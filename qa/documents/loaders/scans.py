"""OCR with Tesseract (Debian's ``tesseract-ocr``, called through pytesseract) of PDF pages that
have no text layer (rendered with pypdfium2) and of .png/.jpg images. Each page read this way is
marked "(OCR)" in its location. Bounded by QA_MAX_OCR_PAGES and QA_OCR_TIMEOUT_S per file, and
switched off by QA_OCR=false."""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

from qa.documents.pages import LoadLimits, Page, first_line
from qa.errors import DocumentError

log = logging.getLogger(__name__)

INSTALL_HINT = (
    "Tesseract is not installed: install it with `apt-get install tesseract-ocr` "
    "(or `make ocr`), or set QA_OCR=false to skip such files"
)
MIN_TEXT_CHARS = 20  # a page with less extracted text than this is read as a scan
MAX_IMAGE_PIXELS = 50_000_000  # larger images are refused (Pillow's decompression-bomb guard)


def tesseract_available() -> bool:
    return shutil.which("tesseract") is not None


class _Clock:
    """The file's OCR time budget: each call gets what is left; none left is a refusal."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds

    def left(self, page: int) -> float:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise DocumentError(f"OCR took over {self.seconds:g} s before page {page} (QA_OCR_TIMEOUT_S)")
        return remaining


def _ocr(image, limits: LoadLimits, clock: _Clock, page: int) -> str:
    import pytesseract

    try:
        return pytesseract.image_to_string(image, lang=limits.ocr_languages, timeout=clock.left(page))
    except pytesseract.TesseractNotFoundError as exc:
        raise DocumentError(INSTALL_HINT) from exc
    except RuntimeError as exc:  # pytesseract's timeout
        if "timeout" in str(exc).lower():
            raise DocumentError(f"OCR took over {limits.ocr_seconds:g} s at page {page} (QA_OCR_TIMEOUT_S)") from exc
        raise DocumentError(f"OCR failed at page {page} ({first_line(exc)})") from exc
    except pytesseract.TesseractError as exc:  # a missing language pack, a damaged image
        raise DocumentError(f"OCR failed at page {page} ({first_line(exc)}; check QA_OCR_LANGUAGES)") from exc


def _with_images(path: Path, numbers: list[int]) -> list[int]:
    """The pages among ``numbers`` that hold an image (directly or in a form), per pdfium."""
    import pypdfium2
    import pypdfium2.raw as pdfium_c

    try:
        document = pypdfium2.PdfDocument(str(path))
    except Exception as exc:  # pdfium refuses what pypdf read: a damaged cross-reference table
        raise DocumentError(f"PDF page cannot be rendered for OCR ({first_line(exc)})") from exc
    try:
        found = []
        for number in numbers:
            page = document[number - 1]
            if next(page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=3), None) is not None:
                found.append(number)
        return found
    except Exception as exc:
        raise DocumentError(f"PDF page cannot be rendered for OCR ({first_line(exc)})") from exc
    finally:
        document.close()


def ocr_pdf_pages(path: Path, pages: list[Page], limits: LoadLimits) -> list[Page]:
    """``pages`` (pypdf's text per page) with the pages that have no text layer read by OCR.
    Without OCR (off, or Tesseract absent) text pages are kept: a file with no text at all is
    then refused with one line saying why."""
    # A page may come as several sections (headings found by layout): its text is theirs together.
    chars: dict[int, int] = {}
    for p in pages:
        if p.number is not None:
            chars[p.number] = chars.get(p.number, 0) + len(p.text.strip())
    scanned = [number for number, count in chars.items() if count < MIN_TEXT_CHARS]
    if not scanned:
        return pages
    scanned = _with_images(path, scanned)  # a blank or damaged page without images is not a scan
    if not scanned:
        return pages
    if not limits.ocr:
        if len(scanned) == len(chars):
            raise DocumentError("no text layer (a scanned PDF) and OCR is off (QA_OCR=false)")
        log.warning("%s: %d pages without a text layer not read (OCR is off)", path, len(scanned))
        return pages
    if not tesseract_available():
        if len(scanned) == len(chars):
            raise DocumentError(f"no text layer (a scanned PDF). {INSTALL_HINT}")
        log.warning("%s: %d pages without a text layer not read. %s", path, len(scanned), INSTALL_HINT)
        return pages
    if len(scanned) > limits.max_ocr_pages:
        raise DocumentError(
            f"{len(scanned)} pages need OCR, over the {limits.max_ocr_pages} page limit (QA_MAX_OCR_PAGES)"
        )
    import pypdfium2

    clock = _Clock(limits.ocr_seconds)
    read: dict[int, str] = {}
    try:
        document = pypdfium2.PdfDocument(str(path))
        try:
            for number in scanned:
                clock.left(number)
                bitmap = document[number - 1].render(scale=limits.ocr_dpi / 72)
                read[number] = _ocr(bitmap.to_pil(), limits, clock, number)
        finally:
            document.close()
    except DocumentError:
        raise
    except Exception as exc:  # pdfium refuses what pypdf read: damaged content streams
        raise DocumentError(f"PDF page cannot be rendered for OCR ({first_line(exc)})") from exc
    log.info("%s: %d pages read by OCR", path, len(read))
    result: list[Page] = []
    for p in pages:
        if p.number not in read:
            result.append(p)
        elif all(r.number != p.number for r in result):  # its sections' short text is replaced once
            result.append(Page(p.number, read[p.number], f"page {p.number} (OCR)"))
    return result


def image_pages(path: Path, limits: LoadLimits) -> list[Page]:
    """A .png/.jpg image read by OCR: one page."""
    from PIL import Image

    if not limits.ocr:
        raise DocumentError("an image needs OCR, which is off (QA_OCR=false)")
    if not tesseract_available():
        raise DocumentError(INSTALL_HINT)
    try:
        with Image.open(path) as image:
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise DocumentError(
                    f"{image.width}x{image.height} pixels, over the {MAX_IMAGE_PIXELS:,} pixel limit for OCR"
                )
            image.load()
            text = _ocr(image, limits, _Clock(limits.ocr_seconds), 1)
    except DocumentError:
        raise
    except Exception as exc:  # Pillow: UnidentifiedImageError, truncated data, DecompressionBombError...
        raise DocumentError(f"not a readable image ({first_line(exc)})") from exc
    return [Page(None, text, "image (OCR)")]
