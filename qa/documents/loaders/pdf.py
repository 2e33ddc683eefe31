"""PDF text by pypdf, with headings found by layout: a run of text set larger than the body (or
bold where the body is not) at the start of a line is a heading. It is split from the sentence
pypdf puts after it on the same line, and becomes the section path of the text below it, across
pages, as Markdown headings do. The text is pypdf's own (the runs its visitor reports join to
exactly what ``extract_text`` returns); a page where they would not keeps pypdf's text whole."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from qa.documents.pages import LoadLimits, Page, first_line
from qa.documents.structure import Block, sectioned_pages
from qa.errors import DocumentError

LARGER = 1.15  # a heading is set at least this much larger than the body...
MAX_HEADING_WORDS = 15  # ...and is short: a long large line is a pull quote or a title page
MAX_BOLD_HEADING_WORDS = 8  # a bold run at the body's size is a run-in heading only when shorter
MAX_LEVELS = 6
_BOLD_NAME = re.compile(r"bold|black|heavy|semibold|demi", re.IGNORECASE)
_LETTERS = re.compile(r"[^\W\d_]{2}")
_FORCE_BOLD = 1 << 18  # the font descriptor's ForceBold flag


@dataclass(frozen=True)
class Style:
    size: float  # the effective size in points, rounded to half points
    bold: bool


@dataclass
class _Line:
    segments: list[tuple[str, Style]]

    @property
    def text(self) -> str:
        return "".join(text for text, _ in self.segments)


def _resolve(obj):
    return obj.get_object() if hasattr(obj, "get_object") else obj


def _is_bold(font: dict | None) -> bool:
    if not font:
        return False
    try:
        if _BOLD_NAME.search(str(font.get("/BaseFont", ""))):
            return True
        descriptor = _resolve(font.get("/FontDescriptor")) or {}
        weight = descriptor.get("/FontWeight")
        flags = descriptor.get("/Flags")
        return (weight is not None and float(weight) >= 600) or (flags is not None and int(flags) & _FORCE_BOLD != 0)
    except Exception:  # a damaged font dictionary says nothing about weight
        return False


def _scale(matrix) -> float:
    try:
        return math.sqrt(abs(float(matrix[0]) * float(matrix[3]) - float(matrix[1]) * float(matrix[2])))
    except (TypeError, ValueError, IndexError, OverflowError):
        return 1.0


def _page_runs(page) -> tuple[str, list[tuple[str, Style]]]:
    """pypdf's text of one page and the styled runs it is made of."""
    runs: list[tuple[str, Style]] = []

    def visit(text, cm, tm, font, font_size) -> None:
        if not text:
            return
        try:
            size = float(font_size or 0) * _scale(tm) * _scale(cm)
        except (TypeError, ValueError, OverflowError):  # a damaged font size: no style, text kept
            size = 0.0
        runs.append((text, Style(round(size * 2) / 2 if math.isfinite(size) else 0.0, _is_bold(font))))

    text = page.extract_text(visitor_text=visit) or ""
    return text, runs


def _lines(runs: list[tuple[str, Style]]) -> list[_Line]:
    lines = [_Line([])]
    for text, style in runs:
        parts = text.split("\n")
        for i, part in enumerate(parts):
            if i:
                lines.append(_Line([]))
            if part:
                lines[-1].segments.append((part, style))
    return lines


def _body_style(pages: list[list[tuple[str, Style]]]) -> Style | None:
    """The style most characters are set in."""
    weight: Counter[Style] = Counter()
    for runs in pages:
        for text, style in runs:
            weight[style] += len(text.strip())
    return weight.most_common(1)[0][0] if weight else None


def _is_heading_style(style: Style, body: Style) -> bool:
    if body.size <= 0:
        return False
    return style.size >= body.size * LARGER or (style.bold and not body.bold and style.size >= body.size * 0.95)


def _heading_split(line: _Line, body: Style) -> tuple[str, Style, str] | None:
    """(heading, its style, the rest of the line) when the line starts with a heading."""
    if not line.segments:
        return None
    first = line.segments[0][1]
    if not _is_heading_style(first, body):
        return None
    head = []
    rest_at = len(line.segments)
    for i, (text, style) in enumerate(line.segments):
        if style != first:
            rest_at = i
            break
        head.append(text)
    heading = " ".join("".join(head).split())
    rest = "".join(text for text, _ in line.segments[rest_at:]).strip()
    words = heading.split()
    limit = MAX_HEADING_WORDS if first.size >= body.size * LARGER else MAX_BOLD_HEADING_WORDS
    # A bold lead-in ending in a colon ("Note:") is a label of its sentence, not a section.
    if not words or len(words) > limit or not _LETTERS.search(heading) or (rest and heading.endswith(":")):
        return None
    return heading, first, rest


def pdf_pages(path: Path, limits: LoadLimits) -> tuple[list[Page], dict[str, str]]:
    """Pages of a PDF, a page per section where headings are found by layout."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            raise DocumentError("PDF is encrypted")
        if len(reader.pages) > limits.max_pdf_pages:
            raise DocumentError(
                f"{len(reader.pages)} pages, over the {limits.max_pdf_pages} page limit (QA_MAX_PDF_PAGES)"
            )
        extracted = [_page_runs(page) for page in reader.pages]
        meta = reader.metadata
        title = (meta.title or "") if meta else ""
    except DocumentError:
        raise
    except Exception as exc:
        # pypdf raises a dozen kinds on damaged files (PyPdfError, DeprecationError, ValueError,
        # KeyError, ZeroDivisionError, RecursionError...; seen in the fuzz tests): all mean unreadable.
        raise DocumentError(f"not a readable PDF ({first_line(exc)})") from exc
    return sectioned_pdf(extracted), {"title": title} if title else {}


def sectioned_pdf(extracted: list[tuple[str, list[tuple[str, Style]]]]) -> list[Page]:
    """Pages (numbered from 1) from each page's text and runs; without headings, a page each
    with pypdf's text as it is."""
    # A page whose runs do not join to its text keeps its text and finds no headings.
    usable = [runs if "".join(t for t, _ in runs) == text else [] for text, runs in extracted]
    body = _body_style(usable)
    found: list[list[tuple[_Line, tuple[str, Style, str] | None]]] = []
    styles: set[Style] = set()
    for runs in usable:
        lines = [(line, _heading_split(line, body) if body else None) for line in _lines(runs)]
        styles.update(split[1] for _, split in lines if split)
        found.append(lines)
    if not styles:
        return [Page(number, text) for number, (text, _) in enumerate(extracted, 1)]
    # Larger headings are higher in the path; at one size, bold above regular.
    ranked = sorted(styles, key=lambda s: (-s.size, not s.bold))
    level = {style: min(i + 1, MAX_LEVELS) for i, style in enumerate(ranked)}
    blocks: list[Block] = []
    for number, ((text, _), lines) in enumerate(zip(extracted, found), 1):
        if not any(split for _, split in lines):
            blocks.append(Block(text, page=number))
            continue
        previous: Block | None = None
        for line, split in lines:
            if split is None:
                blocks.append(Block(line.text, page=number))
                previous = None
                continue
            heading, style, rest = split
            if previous is not None and previous.level == level[style] and previous.page == number and not rest:
                # A heading wrapped onto a second line, in the same style: one heading.
                merged = f"{previous.label} {heading}"
                blocks[-1] = previous = Block(merged, level[style], merged, page=number)
                continue
            blocks.append(Block(heading, level[style], heading, page=number))
            previous = blocks[-1] if not rest else None
            if rest:
                blocks.append(Block(rest, page=number))
    pages = sectioned_pages(blocks)
    # A page without text (a scan) stays a page of its own, for OCR to find.
    present = {page.number for page in pages}
    for number in range(1, len(extracted) + 1):
        if number not in present:
            at = next((i for i, page in enumerate(pages) if (page.number or 0) > number), len(pages))
            pages.insert(at, Page(number, ""))
    return pages
