import pytest

from qa.documents.loading import load_document
from qa.errors import DocumentError

pytestmark = pytest.mark.unit

MB = 1_000_000


def test_markdown_front_matter_becomes_metadata_and_title(tmp_path):
    f = tmp_path / "note.md"
    f.write_text('---\ntitle: "A Title"\ndate: 2024-09-21\n---\nBody text.\n', encoding="utf-8")
    doc = load_document(f, MB)
    assert doc.title == "A Title"
    assert doc.metadata == {"date": "2024-09-21"}
    assert [p.text for p in doc.pages] == ["Body text."]


def test_latin1_text_is_decoded(tmp_path):
    f = tmp_path / "latin.txt"
    f.write_bytes("Le café est fermé à Kyiv, dit René.".encode("latin-1"))
    assert "café" in load_document(f, MB).pages[0].text


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"  \n\n ", "empty"),
        ("binary.txt", bytes(range(256)) * 20, "binary"),
        ("broken.pdf", b"%PDF-1.4 this is not really a pdf", "PDF"),
        ("broken.docx", b"PK\x03\x04 not a zip", "DOCX"),
        ("data.xyz", b"hello", "unsupported"),
    ],
)
def test_bad_files_raise_a_clear_reason(tmp_path, name, data, reason):
    f = tmp_path / name
    f.write_bytes(data)
    with pytest.raises(DocumentError, match=reason):
        load_document(f, MB)


def test_file_over_the_size_limit_is_refused(tmp_path):
    f = tmp_path / "big.txt"
    f.write_text("word " * 1000)
    with pytest.raises(DocumentError, match="over the"):
        load_document(f, 1000)


def test_html_drops_scripts_and_keeps_title(tmp_path):
    f = tmp_path / "page.html"
    f.write_text(
        "<html><head><title>Page T</title><script>var x=1;</script></head>"
        "<body><h1>Head</h1><p>Para one.</p></body></html>"
    )
    doc = load_document(f, MB)
    assert doc.title == "Page T"
    assert doc.pages[0].text == "Head\nPara one."


def test_docx_paragraphs_and_title(tmp_path):
    import docx

    d = docx.Document()
    d.core_properties.title = "Docx Title"
    d.add_paragraph("First paragraph.")
    d.add_paragraph("Second paragraph.")
    f = tmp_path / "file.docx"
    d.save(f)
    doc = load_document(f, MB)
    assert doc.title == "Docx Title"
    assert "First paragraph.\nSecond paragraph." in doc.pages[0].text


def test_pdf_keeps_page_numbers(tmp_path):
    from testsupport.helpers import write_pdf

    f = tmp_path / "two.pdf"
    write_pdf(f, ["Page one talks about drones.", "Page two talks about offices."])
    doc = load_document(f, MB)
    assert [(p.number, p.text) for p in doc.pages] == [
        (1, "Page one talks about drones."),
        (2, "Page two talks about offices."),
    ]
