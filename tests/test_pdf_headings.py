"""PDF headings found by layout (font size and weight): split from the sentence pypdf glues to
them, and the section path of the chunks below them. Plain PDFs read as before."""

from __future__ import annotations

import shutil

import pytest
from pypdf import PdfReader

from qa.documents.chunking import split_sentences
from qa.documents.loading import LoadLimits, load_document
from qa.types import place
from testsupport.formats import text_image, write_heading_pdf
from testsupport.fuzz import assert_clean, fuzz_loads
from testsupport.helpers import write_pdf

MUSEUM = [
    [
        ("Opening Hours", ["The museum opens at nine o'clock on weekdays.", "It closes at six in the evening."]),
        ("Tickets", ["A ticket costs twelve euros for adults.", "Children under twelve enter free."]),
    ]
]


def pypdf_text(path) -> str:
    return PdfReader(path).pages[0].extract_text()


@pytest.mark.unit
def test_a_heading_pypdf_glues_to_its_sentence_is_split_and_becomes_the_section(tmp_path):
    pdf = tmp_path / "museum.pdf"
    write_heading_pdf(pdf, MUSEUM)
    # The fault this fixes: pypdf's text has the heading and the sentence on one line.
    assert "Opening Hours The museum opens" in pypdf_text(pdf)

    pages = load_document(pdf, LoadLimits()).pages
    assert [(p.number, p.location) for p in pages] == [(1, "Opening Hours"), (1, "Tickets")]
    opening = split_sentences(pages[0].text)
    assert opening[:2] == ["Opening Hours", "The museum opens at nine o'clock on weekdays."]
    assert not any(s.startswith("Tickets ") for s in split_sentences(pages[1].text))
    assert "Children under twelve enter free." in pages[1].text


@pytest.mark.unit
def test_heading_sizes_nest_into_a_path_that_runs_over_page_breaks(tmp_path):
    from reportlab.pdfgen import canvas

    pdf = tmp_path / "guide.pdf"
    c = canvas.Canvas(str(pdf))
    c.setFont("Helvetica-Bold", 20)
    c.drawString(72, 760, "Installation")
    c.setFont("Helvetica", 11)
    c.drawString(72, 740, "Read this chapter before you start the installer.")
    c.setFont("Helvetica-Bold", 14)
    c.drawString(72, 710, "Docker")
    c.setFont("Helvetica", 11)
    c.drawString(72, 690, "The image is published for arm64 and amd64.")
    c.showPage()
    c.setFont("Helvetica", 11)
    c.drawString(72, 760, "Mount the data folder at /srv/data when the container starts.")
    c.setFont("Helvetica-Bold", 20)
    c.drawString(72, 720, "Upgrading")
    c.setFont("Helvetica", 11)
    c.drawString(72, 700, "Stop the service before an upgrade.")
    c.showPage()
    c.save()

    pages = [(p.number, p.location, p.text.splitlines()[-1]) for p in load_document(pdf, LoadLimits()).pages]
    assert pages == [
        (1, "Installation", "Read this chapter before you start the installer."),
        (1, "Installation › Docker", "The image is published for arm64 and amd64."),
        (2, "Installation › Docker", "Mount the data folder at /srv/data when the container starts."),
        (2, "Upgrading", "Stop the service before an upgrade."),
    ]


@pytest.mark.unit
def test_a_bold_heading_at_body_size_is_a_heading_but_a_bold_label_with_a_colon_is_not(tmp_path):
    pdf = tmp_path / "bold.pdf"
    write_heading_pdf(pdf, MUSEUM, heading_font=("Helvetica-Bold", 11))
    assert [p.location for p in load_document(pdf, LoadLimits()).pages] == ["Opening Hours", "Tickets"]

    labelled = tmp_path / "label.pdf"
    write_heading_pdf(
        labelled,
        [[("Note:", ["the museum is closed on public holidays.", "Guided tours start every hour."])]],
        heading_font=("Helvetica-Bold", 11),
    )
    pages = load_document(labelled, LoadLimits()).pages
    assert [(p.number, p.location) for p in pages] == [(1, "")]
    assert pages[0].text.startswith("Note: the museum is closed")


@pytest.mark.unit
def test_a_plain_pdf_reads_exactly_as_pypdf_gives_it(tmp_path):
    pdf = tmp_path / "plain.pdf"
    write_pdf(pdf, ["Page one talks about drones.", "Page two talks about offices."])
    pages = load_document(pdf, LoadLimits()).pages
    reader = PdfReader(pdf)
    assert [(p.number, p.text, p.location) for p in pages] == [
        (i + 1, page.extract_text().strip(), "") for i, page in enumerate(reader.pages)
    ]


@pytest.mark.integration  # runs Tesseract, a subprocess: not the unit tier
@pytest.mark.skipif(shutil.which("tesseract") is None, reason="Debian's tesseract-ocr is not installed (make ocr)")
def test_a_scanned_page_between_sectioned_pages_is_still_read_by_ocr(tmp_path):
    from pypdf import PdfWriter

    text_pdf, scan_pdf, both = tmp_path / "text.pdf", tmp_path / "scan.pdf", tmp_path / "both.pdf"
    write_heading_pdf(text_pdf, MUSEUM)
    text_image(["The gift shop sells postcards of the harbour."]).convert("RGB").save(scan_pdf, "PDF", resolution=150.0)
    writer = PdfWriter()
    writer.append(str(text_pdf))
    writer.append(str(scan_pdf))
    writer.write(both)

    pages = load_document(both, LoadLimits()).pages
    assert [(p.number, p.location) for p in pages] == [(1, "Opening Hours"), (1, "Tickets"), (2, "page 2 (OCR)")]
    assert "postcards" in pages[2].text


@pytest.mark.unit
def test_a_citation_names_the_page_before_a_pdf_section_but_not_twice():
    assert place(2, "Opening Hours") == "page 2 › Opening Hours"
    assert place(3, "slide 3") == "slide 3"
    assert place(4, "page 4 (OCR)") == "page 4 (OCR)"
    assert place(None, "Install › Docker") == "Install › Docker"
    assert place(5, "") == "page 5"
    assert place(None, "") == ""


@pytest.mark.unit
def test_fuzzed_heading_pdfs_load_or_refuse_cleanly(tmp_path):
    seed = tmp_path / "seed.pdf"
    write_heading_pdf(seed, MUSEUM * 3)
    result = fuzz_loads(seed, LoadLimits())
    print(f"\nfuzzed heading .pdf: {result.describe()}")
    assert_clean(result, ".pdf")


@pytest.mark.integration
def test_a_pdf_answer_is_cited_by_its_section_and_quoted_without_the_heading(assistant, tmp_path):
    pdf = tmp_path / "museum.pdf"
    write_heading_pdf(pdf, MUSEUM)
    summary = assistant.ingest([pdf])
    assert not summary.failed, summary.describe()

    answer = assistant.ask("When does the museum open on weekdays?")
    assert not answer.refused, answer.text
    citation = next(c for c in answer.citations if "nine o'clock" in c.quote)
    assert (citation.page, citation.location, citation.where) == (1, "Opening Hours", "page 1 › Opening Hours")
    assert not citation.quote.startswith("Opening Hours"), citation.quote
