"""Issue 19, "the chat without rough edges": each item as a new user meets it, in real Chromium
against `streamlit run ui/app.py` (real models, real Chroma). Screenshots in artifacts/browser/."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from testsupport.browser import LONG_LOCAL_QUESTION, chromium, run_evaluation_page, streamlit_app, wait_for_documents
from testsupport.helpers import ROOT, SEED_DOCS

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "artifacts" / "browser"
LONG_MS = 180_000
THEME_PRIMARY = "rgb(58, 111, 247)"  # .streamlit/config.toml

# Records, from before an action until it is read, what a person must never see: a "Done" label,
# or example chips still on the page beside a conversation's messages.
WATCH = """() => {
  window.qaSeen = new Set();
  const check = () => {
    const main = document.querySelector('section.main, [data-testid="stMain"]') || document.body;
    for (const el of main.querySelectorAll('p, span, div')) {
      if (el.childElementCount === 0 && el.textContent.trim() === 'Done') window.qaSeen.add('Done');
    }
    const chips = document.querySelectorAll('[class*="st-key-example-"]').length;
    const messages = main.querySelectorAll('[data-testid="stChatMessage"]').length;
    if (chips && messages) window.qaSeen.add('chips beside messages');
  };
  check();
  window.qaWatch = new MutationObserver(check);
  window.qaWatch.observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser-chat")
    # Long local answers, so a Stop lands while the model is still writing.
    with streamlit_app(ROOT, tmp, {"QA_MAX_ANSWER_TOKENS": "400"}) as (url, process, _):
        yield {"url": url, "tmp": tmp, "process": process}


@pytest.fixture(scope="module")
def browser():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with chromium(expect_timeout_ms=30_000) as browser:
        yield browser


@pytest.fixture
def page(server, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.goto(server["url"])
    page.get_by_test_id("stChatInputTextArea").wait_for(timeout=LONG_MS)
    # The first start indexes the seed documents in the background. Its progress fragment does not
    # always rerun here (seen on this branch's base too, not part of issue 19), so reload until
    # the sidebar counts every seed document.
    deadline = time.monotonic() + LONG_MS / 1000
    while True:
        try:  # at least the seeds: an earlier test of this module may have uploaded more
            page.wait_for_function(
                """n => [...document.querySelectorAll('[data-testid="stMetric"]')].some(m =>
                m.innerText.includes('Documents') &&
                Number(m.querySelector('[data-testid="stMetricValue"]')?.innerText) >= n)""",
                arg=len(SEED_DOCS),
                timeout=10_000,
            )
            break
        except PlaywrightTimeout:
            if time.monotonic() > deadline:
                raise
            page.reload()
            page.get_by_test_id("stChatInputTextArea").wait_for(timeout=LONG_MS)
    yield page
    context.close()


def settle(page) -> None:
    """Wait until the script run a click or question started has finished."""
    page.wait_for_timeout(1200)
    expect(page.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=LONG_MS)


def ask(page, question: str, shown: str | None = None) -> None:
    """Ask and wait until the last user message shows the question (``shown``: the part of it
    that reads as typed) and the answer's turn is below it (answer, refusal, stopped or error)."""
    box = page.get_by_test_id("stChatInputTextArea")
    expect(box).to_be_enabled(timeout=LONG_MS)
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(
        """q => {
        const m = [...document.querySelectorAll('[data-testid="stChatMessage"]')];
        if (m.length < 2 || document.querySelector('.st-key-stop-answer, .draft')) return false;
        return m[m.length - 2].innerText.includes(q) &&
               !!m[m.length - 1].querySelector('.answer, .refusal, .stopped, [data-testid="stAlert"]');
    }""",
        arg=shown or question,
        timeout=LONG_MS,
    )
    settle(page)


def choose_backend(page, name: str) -> None:
    box = page.get_by_test_id("stSelectbox").filter(has_text="Answer backend")
    box.locator("input").click()
    page.keyboard.type(name)
    page.get_by_role("option", name=name, exact=True).click()
    expect(box.get_by_role("combobox")).to_have_value(name)
    settle(page)


def new_chat(page) -> None:
    button = page.get_by_role("button", name="New chat")
    if button.is_enabled():
        button.click()
        settle(page)
        expect(page.get_by_test_id("stChatMessage")).to_have_count(0, timeout=LONG_MS)


def test_item_2_a_local_draft_is_marked_as_a_draft_then_replaced_by_the_checked_answer(page):
    choose_backend(page, "local")
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill("How much money has the IT coalition attracted?")
    box.press("Enter")
    page.wait_for_function(
        "() => (document.querySelector('.draft .draft-text')?.innerText || '').length > 12", timeout=LONG_MS
    )
    draft = page.locator(".draft")
    expect(draft.locator(".draft-label")).to_have_text(re.compile("^Draft · not yet checked against the documents"))
    expect(page.locator(".answer")).to_have_count(0)  # nothing unchecked reads as an answer
    page.screenshot(path=str(ARTIFACTS / "i19-2-draft.png"), full_page=True)
    page.wait_for_function(
        "() => !document.querySelector('.draft') && "
        "document.querySelector('.answer, .refusal, [data-testid=\"stAlert\"]')",
        timeout=LONG_MS,
    )
    expect(page.locator(".draft")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "i19-2-checked.png"), full_page=True)


def test_item_1_stop_ends_at_once_and_keeps_the_draft_as_shown(page, server):
    choose_backend(page, "local")
    page.evaluate(WATCH)
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(LONG_LOCAL_QUESTION)
    box.press("Enter")
    page.wait_for_function(
        "() => (document.querySelector('.draft .draft-text')?.innerText || '').length > 20", timeout=LONG_MS
    )
    page.get_by_role("button", name="Stop").click()
    clicked = time.perf_counter()
    stopped = page.locator(".stopped")
    # "At once": the rerun the click starts draws the stored turn; on this shared, loaded
    # machine (the model busy on the same cores) that took seconds, so the bound is generous
    # and the figure is printed.
    expect(stopped).to_be_visible(timeout=20_000)
    expect(page.get_by_text("Writing the answer")).to_have_count(0, timeout=5_000)
    seconds = time.perf_counter() - clicked
    expect(page.locator(".draft")).to_have_count(0)
    expect(stopped.locator(".draft-label")).to_have_text("Stopped by you · not checked against the documents")
    kept = stopped.locator(".draft-text").inner_text()
    assert len(kept) > 20
    expect(page.get_by_test_id("stChatInputTextArea")).to_be_enabled()
    page.screenshot(path=str(ARTIFACTS / "i19-1-stopped.png"), full_page=True)
    assert server["process"].poll() is None
    assert page.evaluate("[...window.qaSeen]") == []  # no "Done" without an answer

    page.wait_for_timeout(3000)  # the generation ends at its next token: it must not overwrite the kept turn
    page.reload()
    page.get_by_test_id("stChatInputTextArea").wait_for(timeout=LONG_MS)
    expect(page.locator(".stopped .draft-text")).to_have_text(kept)  # stored exactly as it was shown
    expect(page.locator(".answer")).to_have_count(0)
    print(f"\nStop to the stopped turn on the page: {seconds:.2f} s")


def test_item_3_a_marker_outlines_its_card(page):
    choose_backend(page, "extractive")
    new_chat(page)
    ask(page, "How much money has the IT coalition attracted?")
    card = page.locator(".st-key-card-0-1")
    expect(card).to_have_count(1)
    assert card.evaluate("e => getComputedStyle(e).outlineStyle") == "none"
    page.locator("a.marker").first.click()
    page.wait_for_url(re.compile(r"#src-0-1$"))
    expect(card).to_have_css("outline-style", "solid")
    expect(card).to_have_css("outline-color", THEME_PRIMARY)
    others = page.locator("[class*='st-key-card-']:not(.st-key-card-0-1)")
    for n in range(others.count()):
        assert others.nth(n).evaluate("e => getComputedStyle(e).outlineStyle") == "none"
    page.screenshot(path=str(ARTIFACTS / "i19-3-outlined-card.png"), full_page=True)


def test_item_4_dropped_files_are_indexed_at_once_with_one_summary_line(page, tmp_path):
    good = [tmp_path / "ferry.txt", tmp_path / "canteen.md"]
    good[0].write_text("The island ferry Saga leaves pier seven every day at 06:40.\n", encoding="utf-8")
    good[1].write_text("# Canteen\n\nThe staff canteen serves soup every Thursday from noon.\n", encoding="utf-8")
    bad = tmp_path / "scan.pdf"
    bad.write_bytes(b"%PDF-1.4 not really a pdf")
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.locator("input[type='file']").set_input_files([str(p) for p in [*good, bad]])
    expect(sidebar.get_by_text("Indexed 2 of 3 files; 1 could not be indexed.")).to_be_visible(timeout=LONG_MS)
    expect(page.get_by_role("button", name="Index uploaded files")).to_have_count(0)
    expect(sidebar.get_by_test_id("stAlert")).to_have_count(1)  # one line, not a box per file
    details = sidebar.get_by_test_id("stExpander").filter(has_text="Details")
    for name in ("ferry.txt: added", "canteen.md: added", "scan.pdf"):
        expect(details.get_by_text(name)).to_be_visible()
    wait_for_documents(page, len(SEED_DOCS) + 2, LONG_MS)
    page.screenshot(path=str(ARTIFACTS / "i19-4-upload-summary.png"), full_page=True)


def test_item_5_no_done_bubble_and_no_stale_example_chips(page):
    choose_backend(page, "extractive")
    new_chat(page)
    chips = page.locator("[class*='st-key-example-'] button")
    expect(chips.first).to_be_visible(timeout=LONG_MS)  # found and checked in the background
    page.evaluate(WATCH)
    chips.first.click()
    page.wait_for_function("() => document.querySelectorAll('.answer, .refusal').length > 0", timeout=LONG_MS)
    settle(page)
    assert page.evaluate("[...window.qaSeen]") == []
    expect(page.get_by_text("Done", exact=True)).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "i19-5-example-answered.png"), full_page=True)


def test_item_6_example_questions_come_from_the_content_and_are_answered(page):
    choose_backend(page, "extractive")
    new_chat(page)
    chips = page.locator("[class*='st-key-example-'] button:visible")
    expect(chips.first).to_be_visible(timeout=LONG_MS)  # found and checked in the background
    texts = [t.strip() for t in chips.all_inner_texts()]
    # Not made from titles (the old chips read 'What does “<title>” say?'): from sentences.
    titles = {"eu defense innovation office opens in kyiv"} | {
        p.stem.replace("-", " ") for p in SEED_DOCS if p.stem.startswith("haystack")
    }
    for text in texts:
        assert text.endswith("?") and "What does" not in text and "“" not in text, text
        assert not any(title in text.lower() for title in titles), text
    page.screenshot(path=str(ARTIFACTS / "i19-6-example-chips.png"), full_page=True)
    first = page.locator(".st-key-example-0 button:visible")  # (Streamlit keeps a hidden copy of a button with help)
    first.hover()
    tooltip = page.get_by_test_id("stTooltipContent")
    expect(tooltip).to_contain_text("From ")
    source = tooltip.inner_text().strip().removeprefix("From ").strip()
    first.click()
    page.wait_for_function("() => document.querySelectorAll('.answer, .refusal').length > 0", timeout=LONG_MS)
    settle(page)
    expect(page.locator(".refusal")).to_have_count(0)
    answer = page.locator(".answer").last
    expect(answer.locator("a.marker").first).to_be_visible()  # cited
    assert source in page.locator(".st-key-card-0-1").inner_text()  # by the document it came from
    page.screenshot(path=str(ARTIFACTS / "i19-6-example-answered.png"), full_page=True)


def border_colour(page) -> str:
    return page.evaluate("""() => {
      const root = document.querySelector('[data-testid="stChatInput"]');
      for (const el of [root, ...root.querySelectorAll('*')]) {
        const cs = getComputedStyle(el);
        if (parseFloat(cs.borderTopWidth) > 0 && cs.borderTopStyle !== 'none') return cs.borderTopColor;
      }
      return '';
    }""")


def reddish(colour: str) -> bool:
    r, g, b = (int(x) for x in re.findall(r"\d+", colour)[:3])
    return r > 180 and g < 130 and b < 130


def test_item_9_the_resting_chat_box_has_no_red_border(page):
    box = page.get_by_test_id("stChatInputTextArea")
    expect(box).to_be_focused()  # focused on load, so typing can start at once
    focused = border_colour(page)
    page.get_by_text("Ask your documents").click()  # at rest
    expect(box).not_to_be_focused()
    resting = border_colour(page)
    page.screenshot(path=str(ARTIFACTS / "i19-9-chat-box.png"))
    assert focused and resting and not reddish(focused) and not reddish(resting), (focused, resting)
    assert focused == THEME_PRIMARY and resting != focused


def test_item_10_a_stale_page_cannot_rewrite_the_chat(page, browser, server):
    choose_backend(page, "extractive")
    new_chat(page)
    ask(page, "Who opened the EU Defense Innovation Office?")  # answered; the stale page is the point
    ask(page, "How much money has the IT coalition attracted?")
    page.wait_for_url(re.compile(r"[?&]chat="))
    # Person B opens the same chat in another browser and edits turn 1, dropping turn 2.
    other = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    other.goto(page.url)
    expect(other.locator(".answer")).to_have_count(2, timeout=LONG_MS)
    other.get_by_role("button", name="Edit").first.click()
    other.get_by_label("Edit the question").fill("What is Ukraine's annual drone production capacity?")
    other.get_by_role("button", name="Send", exact=True).click()
    other.wait_for_function(
        "() => document.querySelectorAll('.answer, .refusal').length === 1 && "
        "!document.querySelector('.st-key-stop-answer')",
        timeout=LONG_MS,
    )
    settle(other)
    # Person A, on the page that still shows two turns, regenerates turn 2.
    expect(page.locator(".answer")).to_have_count(2)
    page.get_by_role("button", name="Regenerate").nth(1).click()
    settle(page)
    alert = page.get_by_test_id("stAlert").filter(has_text="This chat changed; reload")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("Regenerating turn 2")
    page.screenshot(path=str(ARTIFACTS / "i19-10-stale-refused.png"), full_page=True)
    page.reload()
    page.get_by_test_id("stChatInputTextArea").wait_for(timeout=LONG_MS)
    expect(page.locator(".answer, .refusal")).to_have_count(1)
    expect(page.get_by_test_id("stChatMessage")).to_have_count(2)  # one question, one answer
    expect(page.get_by_test_id("stChatMessage").first).to_contain_text("drone production capacity")
    other.context.close()


def test_item_7_the_chat_list_is_scannable_and_searchable(page):
    choose_backend(page, "extractive")
    for _ in range(2):
        new_chat(page)
        ask(page, "Who is the President of the European Commission?")
    rows = page.locator(".st-key-chat-list button:visible")  # (Streamlit keeps a hidden copy of a button with help)
    titled = rows.filter(has_text="Who is the President of the European Commission?")
    print("\nchat list rows:", rows.all_inner_texts())
    expect(titled).to_have_count(2)
    labels = [titled.nth(n).inner_text() for n in range(2)]
    assert sum("Commission? (2)" in label for label in labels) == 1, labels
    for label in labels:
        assert re.search(r"\d\d \w{3} \d\d:\d\d · 1 question\b", label), label
    row = titled.filter(has_text="(2)")
    assert float(row.evaluate("e => parseFloat(getComputedStyle(e).borderTopWidth)")) > 0  # looks like a button
    assert row.evaluate("e => getComputedStyle(e).justifyContent") in ("flex-start", "start", "left")
    page.get_by_placeholder("Search by title").fill("Commission? (2)")
    page.get_by_placeholder("Search by title").press("Enter")
    settle(page)
    expect(page.locator(".st-key-chat-list button:visible")).to_have_count(1)
    page.screenshot(path=str(ARTIFACTS / "i19-7-chat-list.png"), full_page=True)
    page.get_by_placeholder("Search by title").fill("")
    page.get_by_placeholder("Search by title").press("Enter")
    settle(page)
    before = page.url
    # The chat not open now: a secondary (bordered) button; clicking it opens that chat.
    titled.and_(page.get_by_test_id("stBaseButton-secondary")).first.click()
    settle(page)
    assert page.url != before and "chat=" in page.url


def test_item_8_export_is_named_after_the_chat_and_holds_no_server_paths(page, server):
    from markdown_it import MarkdownIt

    choose_backend(page, "extractive")
    new_chat(page)
    # An answered question (its sources are exported), then one holding HTML and a link, which
    # must stay text in the export whether or not it is answered.
    ask(page, "How much money has the IT coalition attracted?")
    ask(page, "And <b>bold</b> [this](http://evil.example)?", "bold")
    page.get_by_text("This chat", exact=True).click()
    download_button = page.get_by_role("button", name="Download as Markdown")
    expect(download_button).to_be_enabled(timeout=LONG_MS)
    # A wait, not a timing check: on a saturated machine the download took over 30 s to start.
    with page.expect_download(timeout=LONG_MS) as download:
        download_button.click()
    name = download.value.suggested_filename
    # The title is the first question shortened to 60 characters (qa/conversations.py).
    assert re.fullmatch(r"how-much-money-has-the-it-coalition-attracted-\d{4}-\d\d-\d\d\.md", name), name
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert str(server["tmp"]) not in text and str(ROOT) not in text and "/seeds/" not in text
    assert "eu-defense-innovation-office-kyiv.md" in text  # the file name is there
    rendered = MarkdownIt().render(text).replace("\u2060", "")  # word joiners break autolinks (qa.text_safety)
    assert (
        "<b>" not in rendered
        and "<a " not in rendered
        and "&lt;b&gt;bold&lt;/b&gt; [this](http://evil.example)" in rendered
    )


def test_item_12_earlier_turns_are_named_and_can_be_left_out(page):
    choose_backend(page, "extractive")
    new_chat(page)
    ask(page, "How much money has the IT coalition attracted?")
    ask(page, "How many countries take part in it?")
    last = page.get_by_test_id("stChatMessage").last
    expect(last.get_by_text("the earlier turns were used")).to_be_visible()
    expect(page.get_by_text("Searched for:")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "i19-12-earlier-turns.png"), full_page=True)
    last.get_by_role("button", name="Ask again without the earlier turns").click()
    settle(page)
    expect(page.locator(".answer, .refusal")).to_have_count(2, timeout=LONG_MS)
    expect(page.get_by_test_id("stChatMessage").last.get_by_text("the earlier turns were used")).to_have_count(0)
    expect(page.get_by_test_id("stChatMessage").nth(2)).to_contain_text("How many countries take part in it?")


def test_item_11_evaluation_reports_are_kept_under_the_index_listed_and_removable(page, server):
    run_evaluation_page(page, server["url"], 2, LONG_MS)
    reports = list((server["tmp"] / "index" / "evaluations").glob("ui-*"))
    assert len(reports) == 1 and (reports[0] / "summary.json").is_file()
    stored = page.get_by_test_id("stExpander").filter(has_text="Stored reports (1)")
    stored.get_by_text("Stored reports (1)").click()
    expect(stored.get_by_text(reports[0].name)).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "i19-11-stored-reports.png"), full_page=True)
    stored.get_by_role("button", name="Remove").click()
    settle(page)
    expect(page.get_by_text("Stored reports (0)")).to_be_visible()
    assert not reports[0].exists()


def test_newcomer_an_active_filter_is_named_beside_the_chat_and_can_be_cleared(page):
    """Newcomer hour: with "Search only in" set, a refusal read as if every document had been
    searched. The filter is named above the chat box, with one click to search everything."""
    choose_backend(page, "extractive")
    new_chat(page)
    notice = page.locator(".st-key-filter-notice")
    expect(notice).to_have_count(0)
    choice = page.get_by_test_id("stSidebar").get_by_test_id("stMultiSelect").filter(has_text="Search only in")
    choice.locator("input").click()
    page.keyboard.type("haystack-faq")
    page.get_by_role("option", name="haystack-faq.md").click()
    page.keyboard.press("Escape")
    settle(page)
    expect(choice.get_by_text("haystack-faq.md")).to_be_visible()
    section = page.get_by_role("textbox", name="Only in sections containing")
    section.fill("install")
    section.press("Enter")
    settle(page)
    ask(page, "How much money has the IT coalition attracted?")
    expect(page.locator(".refusal")).to_have_count(1)
    expect(notice).to_contain_text("Searching only in haystack-faq.md and only in sections containing “install”")
    page.screenshot(path=str(ARTIFACTS / "newcomer-filter-notice.png"), full_page=True)
    notice.get_by_role("button", name="Search all documents").click()
    settle(page)
    expect(notice).to_have_count(0)
    expect(choice.get_by_text("haystack-faq.md")).to_have_count(0)
    expect(section).to_have_value("")
    ask(page, "How much money has the IT coalition attracted?")
    expect(page.locator(".answer").last.locator("a.marker").first).to_be_visible()


def test_newcomer_the_name_field_shows_the_title_the_first_question_gave(page):
    """Newcomer hour: "This chat" › Name still read "New chat" after the first question had named
    the chat (the list showed the question), and Rename would have renamed it back."""
    choose_backend(page, "extractive")
    new_chat(page)
    ask(page, "Who opened the office?")
    page.get_by_text("This chat", exact=True).click()
    name = page.get_by_role("textbox", name="Name")
    expect(name).to_have_value("Who opened the office?")
    expect(page.get_by_role("button", name="Rename")).to_be_disabled()
    page.screenshot(path=str(ARTIFACTS / "newcomer-chat-name.png"), full_page=True)
