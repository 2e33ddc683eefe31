"""Signing in to the browser app, in real Chromium: `streamlit run ui/app.py` on 127.0.0.1 over an
index whose accounts were added with `python -m qa users add` (the password on standard input)."""

from __future__ import annotations

import shutil
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from qa import ConversationStore, Settings
from testsupport.browser import chromium, streamlit_app, wait_for_documents
from testsupport.helpers import ROOT, SEED_ARTICLE, run_cli

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "artifacts" / "browser"
TIMEOUT_MS = 300_000
PASSWORDS = {"alice": "alice-password-1", "bob": "bob-password-22", "carol": "carol-password-333"}
QUESTION = "How much money has the IT coalition attracted?"
KEPT = "Kept from before accounts"
COOKIE = "qa_ui_session"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("signin")
    corpus = tmp / "corpus"  # one document: a short first indexing on a busy machine
    corpus.mkdir()
    shutil.copy(SEED_ARTICLE, corpus)
    env_extra = {
        "QA_INDEX_DIR": str(tmp / "index"),
        "QA_UPLOAD_DIR": str(tmp / "uploads"),
        "QA_CORPUS_DIR": str(corpus),
        "QA_SIGNIN_MAX_FAILURES": "2",
    }
    # A chat kept from before accounts: the first admin takes it over.
    kept = ConversationStore(Settings().changed(index_dir=tmp / "index").storage.conversations_file).create(KEPT)
    for name, role in (("alice", "admin"), ("bob", "member"), ("carol", "member")):
        added = run_cli("users", "add", name, "--role", role, env_extra=env_extra, input_text=PASSWORDS[name] + "\n")
        assert added.returncode == 0, added.stderr
    with streamlit_app(ROOT, tmp, env_extra) as (url, _, _):
        yield {"url": url, "kept": kept.id}


@pytest.fixture(scope="module")
def browser():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with chromium(expect_timeout_ms=60_000) as browser:
        yield browser


def sign_in(page, name: str, password: str) -> None:
    page.get_by_label("User name").fill(name)
    page.get_by_role("textbox", name="Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    # Until its run ends: a submit during a run replaces that run, so an attempt could be lost.
    page.wait_for_timeout(1000)
    expect(page.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=TIMEOUT_MS)


def settled(page, who: str) -> None:
    """The chat page of ``who`` drawn to its end (the sidebar's last section, the run over), so
    what is absent is absent, not just not drawn yet."""
    page.get_by_text(f"Signed in as {who}").wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("Ask your documents").wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("Answering", exact=True).wait_for(timeout=TIMEOUT_MS)
    page.wait_for_timeout(1000)
    expect(page.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=TIMEOUT_MS)


def session_cookie(context) -> dict | None:
    return next((c for c in context.cookies() if c["name"] == COOKIE), None)


def wait_for_cookie(context, present: bool) -> dict | None:
    deadline = time.monotonic() + 30
    while (session_cookie(context) is not None) != present:
        assert time.monotonic() < deadline, f"the session cookie was not {'set' if present else 'cleared'}"
        time.sleep(0.2)
    return session_cookie(context)


def test_sign_in_reload_own_chats_sign_out(server, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(server["url"])
    # Only the form: no chat box, no sidebar of chats or documents.
    page.get_by_role("button", name="Sign in").wait_for(timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("stChatInputTextArea")).to_have_count(0)
    expect(page.get_by_text(KEPT)).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "signin-1-form.png"), full_page=True)

    sign_in(page, "alice", "not-her-password")
    expect(page.get_by_text("Wrong user name or password.")).to_be_visible()
    sign_in(page, "alice", PASSWORDS["alice"])
    settled(page, "alice (admin)")
    expect(page.get_by_role("button", name=KEPT)).to_be_visible()  # the first admin took the earlier chats over
    expect(page.get_by_text("Add files")).to_be_visible()
    cookie = wait_for_cookie(context, True)
    assert cookie is not None and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert cookie["expires"] > time.time() + 3600  # the session's lifetime (12 h by default), not a browser session

    wait_for_documents(page, 1, TIMEOUT_MS)
    page.get_by_test_id("stChatInputTextArea").fill(QUESTION)
    page.get_by_test_id("stChatInputTextArea").press("Enter")
    expect(page.locator(".answer").last).to_contain_text("70 million euros", timeout=TIMEOUT_MS)
    page.wait_for_function("() => new URL(location.href).searchParams.has('chat')")
    alice_chat = parse_qs(urlsplit(page.url).query)["chat"][0]
    page.screenshot(path=str(ARTIFACTS / "signin-2-alice.png"), full_page=True)

    page.reload()  # a reload keeps her signed in, with her chat
    page.get_by_text("Signed in as alice (admin)").wait_for(timeout=TIMEOUT_MS)
    expect(page.locator(".answer").last).to_contain_text("70 million euros")
    second = context.new_page()  # so does a new tab, on the other page
    second.goto(f"{server['url']}/evaluate")
    second.get_by_text("Evaluate answers against a test set").wait_for(timeout=TIMEOUT_MS)
    expect(second.get_by_role("button", name="Run evaluation")).to_be_visible()
    old_token = cookie["value"]
    second.close()

    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="Sign in").wait_for(timeout=TIMEOUT_MS)
    wait_for_cookie(context, False)
    page.screenshot(path=str(ARTIFACTS / "signin-3-signed-out.png"), full_page=True)
    # Ended on the server too: the old token, put back, opens nothing.
    context.add_cookies([{"name": COOKIE, "value": old_token, "url": server["url"]}])
    page.goto(f"{server['url']}/?chat={alice_chat}")
    page.get_by_role("button", name="Sign in").wait_for(timeout=TIMEOUT_MS)
    expect(page.get_by_text(QUESTION)).to_have_count(0)

    sign_in(page, "bob", PASSWORDS["bob"])
    settled(page, "bob (member)")
    # Alice's chat, by its address: nothing of it (treated as not found, the address forgets it).
    page.wait_for_function("() => !new URL(location.href).searchParams.has('chat')")
    expect(page.get_by_text(QUESTION)).to_have_count(0)
    expect(page.get_by_text("70 million euros")).to_have_count(0)
    expect(page.get_by_role("button", name=KEPT)).to_have_count(0)
    # A member with the default QA_UPLOAD_ROLES: no upload, no removal.
    expect(page.get_by_text("Add files")).to_have_count(0)
    expect(page.get_by_text("Remove a document")).to_have_count(0)
    page.goto(f"{server['url']}/?chat={server['kept']}")
    settled(page, "bob (member)")
    expect(page.get_by_role("button", name=KEPT)).to_have_count(0)
    expect(page.get_by_label("Name")).to_have_count(0)  # no "This chat" section: no chat is open
    page.screenshot(path=str(ARTIFACTS / "signin-4-bob.png"), full_page=True)
    page.goto(f"{server['url']}/evaluate")
    expect(page.get_by_text("This needs the admin role.")).to_be_visible()
    context.close()


def test_lockout_is_one_line(server, browser):
    context = browser.new_context()
    page = context.new_page()
    page.goto(server["url"])
    page.get_by_role("button", name="Sign in").wait_for(timeout=TIMEOUT_MS)
    for _ in range(2):  # QA_SIGNIN_MAX_FAILURES=2
        sign_in(page, "carol", "wrong-password-x")
        expect(page.get_by_text("Wrong user name or password.")).to_be_visible()
    sign_in(page, "carol", PASSWORDS["carol"])  # the right one, but locked now
    expect(page.get_by_text("Too many failed sign-ins: try again in")).to_be_visible()
    expect(page.get_by_test_id("stChatInputTextArea")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "signin-5-locked.png"), full_page=True)
    context.close()
