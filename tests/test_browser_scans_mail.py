"""A scanned PDF (pages as images only, read by Debian's Tesseract) and an e-mail are uploaded in a
real Chromium, indexed, asked about, and cited: the scan as "page N (OCR)", the mail by its file."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import expect

from testsupport.browser import ask_and_expect, chromium, streamlit_app, wait_for_documents
from testsupport.formats import write_eml, write_scanned_pdf
from testsupport.helpers import ROOT

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        shutil.which("tesseract") is None,
        reason="Debian's tesseract-ocr is not installed (make ocr): a scanned PDF cannot be read",
    ),
]
ANSWER_TIMEOUT_MS = 120_000


def test_a_scanned_pdf_and_an_email_upload_and_are_cited_by_ocr_page_and_by_mail(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "start.txt").write_text("The library opens at nine.\n", encoding="utf-8")
    scan, mail = tmp_path / "minutes.pdf", tmp_path / "canteen.eml"
    write_scanned_pdf(
        scan, [["Minutes of the board meeting, March."], ["The archive room key is kept at the reception desk."]]
    )
    write_eml(mail, "Canteen hours", "Hello all,\n\nFrom Monday the canteen closes at three in the afternoon.\n\nMira")

    with (
        streamlit_app(ROOT, tmp_path, {"QA_CORPUS_DIR": str(corpus)}) as (url, _, _),
        chromium(expect_timeout_ms=30_000) as browser,
    ):
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        wait_for_documents(page, 1, 3 * ANSWER_TIMEOUT_MS)  # the first start loads the model, then indexes
        uploader = page.locator("[data-testid='stFileUploaderDropzone'] input[type='file']")

        uploader.set_input_files([str(scan), str(mail)])  # indexed as soon as dropped
        page.get_by_text("Indexed 2 of 2 files").wait_for(timeout=ANSWER_TIMEOUT_MS)
        page.get_by_text("Details", exact=True).click()
        for name in ("minutes.pdf", "canteen.eml"):
            expect(page.get_by_text(f"{name}: added").first).to_be_visible()

        answers = [
            ("Where is the archive room key kept?", "reception desk", "minutes.pdf › page 2 (OCR)"),
            (
                "When does the canteen close from Monday?",
                "three in the afternoon",
                "canteen.eml · Canteen hours",
            ),  # the card: file · subject
        ]
        ask_and_expect(page, answers, ANSWER_TIMEOUT_MS)
