"""Planted content in a real browser: document bodies and titles, file names, a question, a chat
title and a test set carry remote images, phishing links, scripts and a U+202E name. A second
loopback address (127.0.0.2) with a tiny HTTP server stands in for the other host; the browser
logs every request and the test aborts any that does not go to the app on 127.0.0.1.

Expected: 0 dialogs, 0 requests to the other host, 0 links to another host, and the planted
text shown as text (its brackets and addresses visible, no bidi control left)."""

from __future__ import annotations

import http.server
import json
import threading
from pathlib import Path
from urllib.parse import urlparse

import pytest

from qa.text_safety import WORD_JOINER
from testsupport.browser import chromium, streamlit_app, wait_for_documents
from testsupport.helpers import ROOT

pytestmark = pytest.mark.browser

TIMEOUT_MS = 180_000
RLO = "\u202e"


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        _Recorder.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args):  # quiet
        pass


@pytest.fixture(scope="module")
def other_host():
    """A web server on 127.0.0.2: the stand-in for a host on the internet."""
    server = http.server.ThreadingHTTPServer(("127.0.0.2", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.2:{server.server_address[1]}"
    finally:
        server.shutdown()


def payload(host: str, tag: str) -> str:
    return (
        f"![{tag}]({host}/{tag}.png) [Sign in again]({host}/phish-{tag}) <script>alert('{tag}')</script> "
        f"<img src={host}/{tag}-raw.png onerror=alert('{tag}')> {host}/bare-{tag} www.example.org"
    )


def plant(folder: Path, host: str) -> None:
    docs = folder / "docs"
    docs.mkdir(parents=True)
    title = payload(host, "title").replace("'", "''")
    long_line = "Filler words about crossings. " * 200 + payload(host, "long")  # a line over 5,000 characters
    (docs / f"zebra{RLO}gnp.md").write_text(
        f"---\ntitle: '{title}'\n---\n\n# Zebra rules\n\nThe zebra crossing rule says walkers wait for the "
        f"green light. {payload(host, 'body')}\n\n{long_line}\n",
        encoding="utf-8",
    )
    (docs / "notes.html").write_text(
        f"<html><head><title>{payload(host, 'htmltitle')}</title></head><body><p>The ferry notes say the boat "
        f"leaves at noon. <a href='{host}/phish-a'>Sign in again</a> <img src='{host}/img-tag.png'></p>"
        f"<p>![md]({host}/md-in-html.png)</p></body></html>",
        encoding="utf-8",
    )
    tests = folder / "testsets"
    tests.mkdir()
    rows = [
        {
            "id": "planted-1",
            "question": f"What does the zebra crossing rule say? {payload(host, 'eval')}",
            "reference_answer": f"walkers wait {payload(host, 'ref')}",
            "answerable": True,
        },
        {
            "id": f"planted{RLO}2",
            "question": "When does the ferry leave?",
            "reference_answer": "at noon",
            "answerable": True,
        },
    ]
    (tests / "planted.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def app(tmp_path_factory, other_host):
    tmp = tmp_path_factory.mktemp("planted")
    plant(tmp, other_host)
    # No refusals: this test is about how planted text is shown. Its questions carry the other
    # host's random port, so their confidence moves from run to run around the threshold, and a
    # refusal has no passage to open (CI failed so on 4faeb4f and 67aaad2).
    env = {
        "QA_CORPUS_DIR": str(tmp / "docs"),
        "QA_TESTSET_DIR": str(tmp / "testsets"),
        "QA_BACKEND": "extractive",
        "QA_MIN_CONFIDENCE": "0",
    }
    with streamlit_app(ROOT, tmp, env) as (url, _, _):
        yield url


OUTSIDE_LINKS = """() => [...document.querySelectorAll('a[href], area[href]')]
    .filter(a => { try { const u = new URL(a.href, location.href);
                         return u.protocol !== 'javascript:' && u.host !== location.host; } catch { return true; } })
    .map(a => a.href)"""


def test_planted_content_stays_text(app, other_host, tmp_path):
    from playwright.sync_api import expect

    requests: list[str] = []
    aborted: list[str] = []
    dialogs: list[str] = []
    links: set[str] = set()
    texts: list[str] = []

    def route(r):
        host = urlparse(r.request.url).hostname
        if r.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            r.continue_()
        else:
            aborted.append(r.request.url)
            r.abort()

    def on_dialog(dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    def look(page) -> None:
        """Every link to another host in every frame, and the page's text, now."""
        for frame in page.frames:
            links.update(frame.evaluate(OUTSIDE_LINKS))
        texts.append(page.inner_text("body"))

    with chromium(expect_timeout_ms=60_000) as browser:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.route("**/*", route)
        page = context.new_page()
        page.on("request", lambda r: requests.append(r.url))
        page.on("dialog", on_dialog)
        try:
            page.goto(app)
            wait_for_documents(page, 2, TIMEOUT_MS)
            page.get_by_text("Indexed files", exact=True).click()
            expect(page.get_by_text("Sign in again", exact=False).first).to_be_visible()
            look(page)

            # A question with the payload, answered from the planted document; then its source.
            box = page.get_by_test_id("stChatInputTextArea")
            box.fill(f"What does the zebra crossing rule say? {payload(other_host, 'question')}")
            box.press("Enter")
            page.wait_for_function("document.querySelectorAll('.answer, .refusal').length > 0", timeout=TIMEOUT_MS)
            page.get_by_text("Full passage").first.click()
            look(page)
            page.get_by_role("button", name="View document").first.click()
            dialog = page.get_by_role("dialog")
            expect(dialog).to_contain_text("Sign in again")
            look(page)
            page.keyboard.press("Escape")
            expect(dialog).to_have_count(0)

            # The chat renamed to the payload: the sidebar lists it.
            page.get_by_text("This chat", exact=True).click()
            name_box = page.get_by_label("Name", exact=True)
            name_box.fill(f"chat{RLO}gnp {payload(other_host, 'chattitle')}")
            name_box.press("Enter")  # Streamlit takes the value on Enter; Rename is enabled then
            page.get_by_role("button", name="Rename").click()
            expect(page.get_by_text("chattitle", exact=False).first).to_be_visible()

            # An upload whose name is the payload (no "/" in a file name): messages name it.
            name = f"[Sign in again](www.phish.example) ![u](www.img.example) <script>alert(1)<script>{RLO}gnp.txt"
            page.locator("[data-testid='stFileUploaderDropzone'] input[type='file']").set_input_files(
                {"name": name, "mimeType": "text/plain", "buffer": b"The upload says the bridge opens at nine."}
            )
            # Indexed as soon as dropped; one file's outcome is the caption under the summary line.
            expect(page.get_by_text(": added", exact=False).first).to_be_visible(timeout=TIMEOUT_MS)
            look(page)
            page.reload()
            page.get_by_text("Indexed files").wait_for(timeout=TIMEOUT_MS)
            page.get_by_text("Indexed files", exact=True).click()
            look(page)

            # The Evaluate page with the planted test set: every question's details opened.
            page.goto(f"{app}/evaluate")
            page.get_by_role("button", name="Run evaluation").click()
            page.get_by_text("Only failures").wait_for(timeout=TIMEOUT_MS)
            for summary in page.locator("[data-testid='stExpander'] summary").all():
                summary.click()
            expect(page.get_by_text("phish-eval", exact=False).first).to_be_visible()
            look(page)
        finally:
            page.screenshot(path=str(tmp_path / "planted.png"), full_page=True)

    to_other_host = [u for u in requests if urlparse(u).hostname == "127.0.0.2"]
    not_app = [u for u in requests if not u.startswith(("data:", "blob:")) and urlparse(u).hostname != "127.0.0.1"]
    shown = "\n".join(texts).replace(WORD_JOINER, "")  # the invisible joiner that breaks autolinks
    print(
        f"\nplanted content: {len(requests)} requests, {len(to_other_host)} to 127.0.0.2, {len(not_app)} not to "
        f"the app, {len(aborted)} aborted, {len(_Recorder.hits)} reached 127.0.0.2; {len(dialogs)} dialogs; "
        f"{len(links)} links to another host"
    )
    assert dialogs == []
    assert to_other_host == [] and not_app == [] and aborted == [] and _Recorder.hits == []
    assert links == set(), sorted(links)
    # Shown as text, as written: the brackets and the address are there, nothing double-escaped.
    assert "[Sign in again](http://127.0.0.2" in shown and "![body](" in shown
    assert RLO not in shown and "&#" not in shown and "\\[" not in shown
