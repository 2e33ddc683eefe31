"""Office formats: PowerPoint decks (python-pptx), Excel workbooks (openpyxl, read-only) and CSV
(the standard library). A slide is a page cited by its number; a sheet is a page cited by its
name, each row a line that names its row and columns, so the sentence quoted for a cell holds
the row it sits in ("row 7: Region: North; Quarter: Q3; Revenue: 1,200")."""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterable
from pathlib import Path

from qa.documents.pages import CharBudget, LoadLimits, Page, check_unzipped_size, first_line
from qa.errors import DocumentError

log = logging.getLogger(__name__)


def pptx_pages(path: Path, limits: LoadLimits) -> tuple[list[Page], dict[str, str]]:
    """Per slide: its title, the text of every shape (text frames, tables as rows of cells,
    grouped shapes), then its speaker notes."""
    from pptx import Presentation

    check_unzipped_size(path, limits.max_unzipped_bytes, "PowerPoint file")
    budget = CharBudget(limits.max_chars)
    try:
        deck = Presentation(str(path))
        if len(deck.slides) > limits.max_pdf_pages:
            raise DocumentError(
                f"{len(deck.slides)} slides, over the {limits.max_pdf_pages} page limit (QA_MAX_PDF_PAGES)"
            )
        pages = []
        for number, slide in enumerate(deck.slides, start=1):
            title_shape = slide.shapes.title
            lines = [title_shape.text_frame.text] if title_shape is not None and title_shape.has_text_frame else []
            title_id = title_shape.shape_id if title_shape is not None else None
            lines += [text for shape in slide.shapes if shape.shape_id != title_id for text in _shape_lines(shape)]
            if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
                notes = slide.notes_slide.notes_text_frame.text.strip()
                if notes:
                    lines.append(f"Speaker notes: {notes}")
            # The slide's title is part of its place ("slide 2 › Launch plan"): people name a slide
            # by its title, and the section filter finds it by either.
            heading = (
                " ".join(title_shape.text_frame.text.split())
                if title_shape is not None and title_shape.has_text_frame
                else ""
            )
            place = f"slide {number} › {heading}" if heading else f"slide {number}"
            pages.append(Page(number, budget.take("\n".join(line for line in lines if line.strip())), place))
        title = deck.core_properties.title or ""
    except DocumentError:
        raise
    except Exception as exc:  # python-pptx and lxml raise many kinds on damaged parts (as python-docx does)
        raise DocumentError(f"not a readable PowerPoint file ({first_line(exc)})") from exc
    return pages, {"title": title} if title else {}


def _shape_lines(shape) -> Iterable[str]:
    if shape.shape_type is not None and getattr(shape, "shapes", None) is not None:  # a group
        for inner in shape.shapes:
            yield from _shape_lines(inner)
        return
    if getattr(shape, "has_table", False) and shape.has_table:
        rows = [[cell.text.strip() for cell in row.cells] for row in shape.table.rows]
        if rows:
            yield from _rows_as_lines(rows[0], rows[1:], first_row=2)
        return
    if getattr(shape, "has_text_frame", False) and shape.has_text_frame:
        yield from (p.strip() for p in shape.text_frame.text.split("\n"))


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _rows_as_lines(header: list[str], rows: Iterable[list[str]], first_row: int) -> Iterable[str]:
    """Each row as one line naming its row number and, per cell, its column: a sentence of its
    own for the chunker (a line break ends a sentence), so a quote shows the whole row."""
    names = [name or f"column {i + 1}" for i, name in enumerate(header)]
    for number, row in enumerate(rows, start=first_row):
        cells = [
            f"{names[i] if i < len(names) else f'column {i + 1}'}: {value}" for i, value in enumerate(row) if value
        ]
        if cells:
            yield f"row {number}: " + "; ".join(cells)


def _sheet_page(location: str, rows: Iterable[list[str]], budget: CharBudget) -> Page | None:
    """A sheet whose first non-empty row is its header."""
    header: list[str] | None = None
    lines: list[str] = []
    for number, row in enumerate(rows, start=1):
        if header is None:
            if any(row):
                header, header_row = row, number
            continue
        for line in _rows_as_lines(header, [row], first_row=number):
            lines.append(budget.take(line))
    if header is None:
        return None
    if not lines:  # a sheet of one row: the row itself is the text
        lines = [budget.take("row {}: {}".format(header_row, "; ".join(c for c in header if c)))]
    return Page(None, "\n".join(lines), location)


def xlsx_pages(path: Path, limits: LoadLimits) -> tuple[list[Page], dict[str, str]]:
    """Each sheet of a workbook, cells as their stored values (formulas' last computed values)."""
    from openpyxl import load_workbook

    check_unzipped_size(path, limits.max_unzipped_bytes, "Excel file")
    budget = CharBudget(limits.max_chars)
    try:
        book = load_workbook(str(path), read_only=True, data_only=True)
        try:
            pages = []
            for sheet in book.worksheets:
                rows = ([_cell(v) for v in row] for row in sheet.iter_rows(values_only=True))
                page = _sheet_page(f"sheet {sheet.title}", rows, budget)
                if page is not None:
                    pages.append(page)
            title = book.properties.title or ""
        finally:
            book.close()
    except DocumentError:
        raise
    except Exception as exc:  # openpyxl raises many kinds on damaged parts (KeyError, ValueError, lxml errors)
        raise DocumentError(f"not a readable Excel file ({first_line(exc)})") from exc
    return pages, {"title": title} if title else {}


def csv_pages(text: str, limits: LoadLimits) -> list[Page]:
    """A CSV file as one sheet (no location: its rows name themselves); the delimiter is sniffed
    (comma, semicolon, tab, pipe)."""
    budget = CharBudget(limits.max_chars)
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:20_000], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    try:
        rows = ([_cell(v) for v in row] for row in csv.reader(io.StringIO(text, newline=""), dialect))
        page = _sheet_page("", rows, budget)
    except csv.Error as exc:  # a field over csv's size limit, a NUL byte, a bad quote
        raise DocumentError(f"not a readable CSV file ({first_line(exc)})") from exc
    return [page] if page else []
