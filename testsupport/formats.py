"""Real files of the formats people keep their knowledge in, made with the libraries people use
(python-pptx, openpyxl, the standard library's ``email`` and ``csv``, Pillow for scans)."""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Mapping, Sequence
from email.message import EmailMessage
from pathlib import Path


def write_pptx(path: Path, slides: list[tuple[str, list[str], str]], table: list[list[str]] | None = None) -> None:
    """Slides of (title, body lines, speaker notes); ``table`` (a header row first) on the last slide."""
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    for i, (title, lines, notes) in enumerate(slides):
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = title
        slide.placeholders[1].text = "\n".join(lines)
        if notes:
            slide.notes_slide.notes_text_frame.text = notes
        if table and i == len(slides) - 1:
            shape = slide.shapes.add_table(len(table), len(table[0]), Inches(1), Inches(4), Inches(6), Inches(1))
            for r, row in enumerate(table):
                for c, value in enumerate(row):
                    shape.table.cell(r, c).text = value
    deck.save(str(path))


def write_xlsx(path: Path, sheets: Mapping[str, Sequence[Sequence[object]]]) -> None:
    """Sheets by name, each a list of rows (the first its header); openpyxl's write-only mode, so
    large sheets are cheap to make."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(str(path))


def write_csv(path: Path, rows: Sequence[Sequence[object]], delimiter: str = ",") -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)


def write_eml(
    path: Path, subject: str, body: str, attachments: dict[str, str] | None = None, html: str | None = None
) -> None:
    message = EmailMessage()
    message["From"] = "Mira Holm <mira@example.org>"
    message["To"] = "team@example.org"
    message["Date"] = "Mon, 02 Nov 2026 09:30:00 +0000"
    message["Subject"] = subject
    message.set_content(body)
    if html:
        message.add_alternative(html, subtype="html")
    for name, text in (attachments or {}).items():
        message.add_attachment(text, filename=name)
    path.write_bytes(bytes(message))


def text_image(lines: list[str], width: int = 1600):
    """A white image with ``lines`` in black 40-pixel type, as a scanner would give a page."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (width, 120 + 80 * len(lines)), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=40)
    for i, line in enumerate(lines):
        draw.text((60, 60 + 80 * i), line, fill=0, font=font)
    return image


def write_scanned_pdf(path: Path, pages: list[list[str]]) -> None:
    """A PDF of page images only (no text layer), as a scanner writes one."""
    images = [text_image(lines).convert("RGB") for lines in pages]
    images[0].save(str(path), "PDF", resolution=150.0, save_all=True, append_images=images[1:])


def write_heading_pdf(
    path: Path, pages: list[list[tuple[str, list[str]]]], heading_font: tuple[str, float] = ("Helvetica-Bold", 16)
) -> None:
    """A PDF whose pages hold sections of (heading, body lines). Each heading is set in
    ``heading_font`` and the first body line follows it on the same text line, in 11 pt
    Helvetica, as word processors write a run-in heading (pypdf then reads them as one line)."""
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path))
    for sections in pages:
        text = pdf.beginText(72, 760)
        for heading, lines in sections:
            text.setFont(*heading_font)
            text.textOut(heading + " ")
            text.setFont("Helvetica", 11)
            for line in lines or [""]:
                text.textLine(line)
            text.textLine("")
        pdf.drawText(text)
        pdf.showPage()
    pdf.save()


def zip_bomb_office(template: Path, path: Path, expanded_mb: int) -> None:
    """A copy of a valid .pptx/.xlsx with one more part that expands to ``expanded_mb`` MB."""
    with zipfile.ZipFile(template) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            out.writestr(item, src.read(item.filename))
        block = b"\0" * 1_000_000
        with out.open("docProps/padding.bin", "w") as part:
            for _ in range(expanded_mb):
                part.write(block)
