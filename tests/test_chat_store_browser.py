"""The chat store damaged and then deleted while the app runs, in a real browser: one line on
the page naming the file and what to do (no traceback), the question still answered and marked
as not saved; after the file is deleted the next question is saved again, without a restart."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from testsupport.browser import chromium, streamlit_app, wait_for_documents
from testsupport.helpers import ROOT, SEED_ARTICLE

pytestmark = pytest.mark.browser

TIMEOUT_MS = 180_000


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("chat-store")
    (tmp / "docs").mkdir()
    shutil.copy(SEED_ARTICLE, tmp / "docs" / SEED_ARTICLE.name)
    env = {"QA_CORPUS_DIR": str(tmp / "docs"), "QA_BACKEND": "extractive"}
    with streamlit_app(ROOT, tmp, env) as (url, _, _):
        yield {"url": url, "store": tmp / "index" / "conversations.sqlite3"}


def ask(page, question: str, before: int) -> None:
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(
        "n => document.querySelectorAll('.answer, .refusal').length > n", arg=before, timeout=TIMEOUT_MS
    )


def test_damaged_then_deleted_chat_store(app, tmp_path):
    from playwright.sync_api import expect

    store: Path = app["store"]
    with chromium(expect_timeout_ms=60_000) as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(app["url"])
            wait_for_documents(page, 1, TIMEOUT_MS)
            ask(page, "How much money has the IT coalition attracted?", 0)
            expect(page.locator(".answer").last).to_contain_text("70 million euros")
            assert store.is_file()

            store.write_bytes(b"not a database, damaged " * 400)
            ask(page, "How many countries take part in the IT coalition?", 0)
            alert = page.get_by_test_id("stAlert").filter(has_text=str(store))
            expect(alert).to_have_count(1)
            expect(alert).to_contain_text("move it aside or delete it")
            expect(page.locator(".answer").last).to_contain_text("13")  # answered all the same
            expect(page.get_by_text("Not saved: the chat store could not be written").first).to_be_visible()
            body = page.inner_text("body")
            assert "Traceback" not in body and "sqlite3.DatabaseError" not in body
            print(f"\nshown for a damaged store: {alert.inner_text()}")

            store.unlink()  # deleted: the next question is saved again, same server process
            ask(page, "Who opened the EU Defense Innovation Office?", 1)
            expect(page.get_by_test_id("stAlert").filter(has_text=str(store))).to_have_count(0)
            expect(page.get_by_role("button", name="Who opened the EU Defense Innovation Office?")).to_be_visible()
            assert store.is_file()
        finally:
            page.screenshot(path=str(tmp_path / "chat-store.png"), full_page=True)
