"""Documents as people have them, answered and cited end to end (the real MiniLM model, real
Chroma, Debian's Tesseract): a slide, a spreadsheet cell, a scanned page, an image, an e-mail body
and a Markdown section, each cited by slide / sheet and row / page (OCR) / section."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from testsupport.formats import text_image, write_csv, write_eml, write_pptx, write_scanned_pdf, write_xlsx
from testsupport.helpers import run_cli

pytestmark = pytest.mark.integration
needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None, reason="Debian's tesseract-ocr is not installed (make ocr)"
)


def make_folder(folder: Path) -> Path:
    folder.mkdir()
    write_pptx(
        folder / "roadmap.pptx",
        [
            ("Roadmap 2027", ["The mobile app is rewritten in Kotlin.", "The web shop moves to a new host."], ""),
            (
                "Launch plan",
                ["The public beta ships on 14 May.", "Support hours grow to weekends."],
                "Remind the sales team about the press embargo.",
            ),
        ],
    )
    write_xlsx(
        folder / "budget.xlsx",
        {
            "Summary": [["Year", "Total"], [2026, "4.1 million"]],
            "Regions": [
                ["Region", "Quarter", "Revenue"],
                ["South", "Q3", 950],
                ["North", "Q3", 1270],
                ["East", "Q3", 610],
            ],
        },
    )
    write_csv(
        folder / "staff.csv",
        [
            ["Name", "Role", "Office"],
            ["Ada Berg", "Harbour master", "Pier 4"],
            ["Oskar Lind", "Lighthouse keeper", "North cape"],
        ],
    )
    write_eml(
        folder / "canteen.eml",
        "Canteen hours",
        "Hello all,\n\nFrom Monday the canteen opens at 7:30 and closes at 15:00.\n\nMira",
    )
    (folder / "guide.md").write_text(
        "# Deploying\n\nThe service runs in containers.\n\n## Multi-Platform Builds\n\n"
        "Images for arm64 and amd64 are built with docker buildx bake.\n\n## Telemetry\n\n"
        "Telemetry is off unless HAYSTACK_TELEMETRY_ENABLED is set.\n",
        encoding="utf-8",
    )
    return folder


def cited(answer, needle: str):
    assert not answer.refused, answer.text
    assert needle in answer.text, answer.text
    return next(c for c in answer.citations if needle in c.quote)


def test_slide_cell_mail_and_section_answers_are_cited_by_their_place(assistant, tmp_path):
    folder = make_folder(tmp_path / "docs")
    summary = assistant.ingest([folder])
    assert summary.count("added") == 5 and not summary.failed, summary.describe()

    slide = cited(assistant.ask("When does the public beta ship?"), "14 May")
    assert (slide.file_name, slide.page, slide.location, slide.where) == (
        "roadmap.pptx",
        2,
        "slide 2 › Launch plan",
        "slide 2 › Launch plan",
    )

    cell = cited(assistant.ask("What was the revenue of the North region in Q3?"), "1270")
    assert (cell.file_name, cell.location) == ("budget.xlsx", "sheet Regions")
    assert "row 3: Region: North; Quarter: Q3; Revenue: 1270" in cell.quote  # its row, with column names

    row = cited(assistant.ask("Who is the lighthouse keeper?"), "Oskar Lind")
    assert row.file_name == "staff.csv" and "row 3: Name: Oskar Lind; Role: Lighthouse keeper" in row.quote

    mail = cited(assistant.ask("When does the canteen open?"), "7:30")
    assert mail.file_name == "canteen.eml" and mail.location == ""

    section = cited(assistant.ask("How are images for arm64 and amd64 built?"), "buildx")
    assert (section.file_name, section.location) == ("guide.md", "Deploying › Multi-Platform Builds")
    assert section.quote.startswith("Images for arm64")  # the heading is the location, not part of the quote


@needs_tesseract
def test_scanned_page_and_image_are_read_by_ocr_and_cited_as_ocr(assistant, tmp_path):
    folder = tmp_path / "scans"
    folder.mkdir()
    write_scanned_pdf(
        folder / "minutes.pdf",
        [["Minutes of the board meeting, March."], ["The archive room key is kept at the reception desk."]],
    )
    text_image(["The parking garage closes at midnight."]).save(folder / "notice.png")
    summary = assistant.ingest([folder])
    assert summary.count("added") == 2 and not summary.failed, summary.describe()

    page = cited(assistant.ask("Where is the archive room key kept?"), "reception desk")
    assert (page.file_name, page.page, page.location) == ("minutes.pdf", 2, "page 2 (OCR)")
    image = cited(assistant.ask("When does the parking garage close?"), "midnight")
    assert (image.file_name, image.location) == ("notice.png", "image (OCR)")


@needs_tesseract
def test_ocr_switched_off_by_its_setting_indexes_the_rest(tmp_path):
    folder = make_folder(tmp_path / "docs")
    write_scanned_pdf(folder / "scan.pdf", [["The archive room key is kept at the reception desk."]])
    env = {"QA_INDEX_DIR": str(tmp_path / "index"), "QA_OCR": "false"}
    result = run_cli("ingest", str(folder), env_extra=env)
    assert result.returncode == 1  # one file failed
    assert "scan.pdf: no text layer (a scanned PDF) and OCR is off (QA_OCR=false)" in result.stdout + result.stderr
    assert "5 added" in result.stdout + result.stderr
    asked = run_cli("ask", "When does the public beta ship?", env_extra=env)
    assert asked.returncode == 0 and "roadmap.pptx, slide 2" in asked.stdout, asked.stdout + asked.stderr
