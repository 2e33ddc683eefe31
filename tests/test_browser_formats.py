"""The browser uploader takes exactly the supported types: an .mdx page (once refused as
"application/x-genesis-32x-rom files are not allowed"), a deck and a workbook are uploaded,
indexed and cited by section / slide / sheet in a real Chromium; a type outside the list is refused."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from testsupport.browser import ask_and_expect, chromium, streamlit_app, wait_for_documents
from testsupport.formats import write_pptx, write_xlsx
from testsupport.helpers import ROOT

pytestmark = pytest.mark.browser
ANSWER_TIMEOUT_MS = 120_000


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser-formats")
    corpus = tmp / "corpus"
    corpus.mkdir()
    (corpus / "start.txt").write_text("The library opens at nine.\n", encoding="utf-8")
    with streamlit_app(ROOT, tmp, {"QA_CORPUS_DIR": str(corpus)}) as (url, _, _):
        yield url, tmp


def test_mdx_pptx_xlsx_upload_and_cite_their_place(app_url, tmp_path):
    url, _ = app_url
    page_mdx = tmp_path / "hayhooks.mdx"
    page_mdx.write_text(
        "import Tabs from '@theme/Tabs'\n\n# Hayhooks\n\nIntro.\n\n## Deploying pipelines\n\n"
        "<Tip>\nPipelines are deployed with the hayhooks deploy-files command.\n</Tip>\n",
        encoding="utf-8",
    )
    deck, book = tmp_path / "plan.pptx", tmp_path / "figures.xlsx"
    write_pptx(deck, [("Plan", ["Kickoff is in January."], ""), ("Launch", ["The beta ships on 14 May."], "")])
    write_xlsx(book, {"Regions": [["Region", "Revenue"], ["North", 1270], ["South", 950]]})
    odd = tmp_path / "notes.odt"
    odd.write_bytes(b"PK\x03\x04 not supported")

    with chromium(expect_timeout_ms=30_000) as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(url)
        wait_for_documents(page, 1, 3 * ANSWER_TIMEOUT_MS)  # the first start loads the model, then indexes
        uploader = page.locator("[data-testid='stFileUploaderDropzone'] input[type='file']")

        uploader.set_input_files([str(page_mdx), str(deck), str(book)])  # indexed as soon as dropped
        # Three files read and embedded while the first start's example questions are checked:
        # on a saturated machine this took over 120 s (a wait, not a timing check).
        page.get_by_text("Indexed 3 of 3 files").wait_for(timeout=3 * ANSWER_TIMEOUT_MS)
        expect(page.get_by_text("files are not allowed")).to_have_count(0)
        page.get_by_text("Details", exact=True).click()
        for name in ("hayhooks.mdx", "plan.pptx", "figures.xlsx"):
            expect(page.get_by_text(f"{name}: added").first).to_be_visible()

        answers = [
            ("How are pipelines deployed?", "deploy-files", "hayhooks.mdx › Hayhooks › Deploying pipelines"),
            ("When does the beta ship?", "14 May", "plan.pptx › slide 2"),
            ("What was the revenue of the North region?", "1270", "figures.xlsx › sheet Regions"),
        ]
        ask_and_expect(page, answers, ANSWER_TIMEOUT_MS)

        uploader.set_input_files(str(odd))  # the uploader refuses a type outside the list
        expect(page.get_by_text("application/vnd.oasis.opendocument.text files are not allowed")).to_be_visible()
