"""The Streamlit page through Streamlit's AppTest (real models and a real Chroma folder)."""

from __future__ import annotations

import html
import re

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from testsupport.helpers import ROOT, SEED_ARTICLE, SEED_DOCS, free_port

pytestmark = pytest.mark.integration

APP = str(ROOT / "ui" / "app.py")


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("QA_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("QA_UPLOAD_DIR", str(tmp_path / "uploads"))
    monkeypatch.setenv("QA_OPENAI_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")
    st.cache_resource.clear()  # settings and assistants are cached per process
    at = start_app()
    yield at
    st.cache_resource.clear()


def start_app(query: dict[str, str] | None = None) -> AppTest:
    """The chat page, run once the first start's background indexing has finished."""
    from ui.resources import corpus_indexing

    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params.update(query or {})
    at.run()
    assert not at.exception
    assert corpus_indexing().wait(180)
    return at.run()


def markdown_text(at: AppTest) -> str:
    # Text from documents and people reaches the page escaped (qa.text_safety): read it as shown.
    return html.unescape("\n".join(m.value for m in at.markdown))


def test_first_start_indexes_the_seed_corpus(app):
    assert [m.label for m in app.metric] == ["Documents", "Chunks"]
    assert app.metric[0].value == str(len(SEED_DOCS)) and int(app.metric[1].value) > 0
    assert all(doc.name in markdown_text(app) for doc in SEED_DOCS)


def test_chat_answers_with_a_source_card_and_follow_up(app):
    app.chat_input[0].set_value("How much money has the IT coalition attracted?").run()
    assert not app.exception
    text = markdown_text(app)
    assert "70 million euros" in text
    assert f"[1] {SEED_ARTICLE.name}" in text and "<mark>" in text
    app.chat_input[0].set_value("And how many countries take part?").run()
    captions = [c.value for c in app.caption]
    assert any("earlier turns were used" in c and "IT coalition" in c for c in captions)
    assert "13 participating countries" in markdown_text(app)
    assert len(app.chat_message) == 4


def test_refusal_looks_different_and_shows_the_search(app):
    app.chat_input[0].set_value("What is the capital of France?").run()
    text = markdown_text(app)
    assert "class='refusal'" in text and "Not in the documents" in text
    assert any("capital of France" in c.value for c in app.caption)
    assert "class='card'" not in text


def test_unreachable_model_server_shows_an_error_and_the_app_keeps_working(app):
    app.selectbox(key="backend").set_value("openai").run()
    app.chat_input[0].set_value("Who opened the office?").run()
    assert not app.exception
    assert any("did not answer" in e.value and "extractive" in e.value for e in app.error)
    app.selectbox(key="backend").set_value("extractive").run()
    app.chat_input[0].set_value("Who is the President of the European Commission?").run()
    assert "Ursula von der Leyen" in markdown_text(app)


def button(at: AppTest, label: str, nth: int = 0):
    return [b for b in at.button if b.label == label][nth]


def test_conversation_survives_a_new_session_and_can_be_renamed_and_deleted(app):
    app.chat_input[0].set_value("What is Ukraine's annual drone production capacity?").run()
    assert not app.exception and len(app.chat_message) == 2
    chat_id = app.query_params["chat"][0] if isinstance(app.query_params["chat"], list) else app.query_params["chat"]
    # A reload is a new session with the same address: the conversation comes back from the store.
    again = start_app({"chat": chat_id})
    assert len(again.chat_message) == 2
    assert "million drones" in markdown_text(again)
    assert any(b.label.startswith("What is Ukraine's annual drone") for b in again.button)  # listed in Chats
    (name,) = [t for t in again.text_input if t.label == "Name"]
    assert (name.value or "").startswith("What is Ukraine's annual drone")  # the title the question gave
    name.set_value("Drones").run()
    button(again, "Rename").click().run()
    assert any(b.label.startswith("Drones  \n") and "1 question" in b.label for b in again.button)
    again.checkbox(key=f"delete-check-{chat_id}").check().run()
    button(again, "Delete for good").click().run()
    assert not again.exception and len(again.chat_message) == 0
    assert not any(b.label.startswith("Drones") for b in again.button)


def test_regenerate_replaces_and_edit_asks_again(app):
    app.chat_input[0].set_value("Who opened the office?").run()
    app.chat_input[0].set_value("What is Ukraine's annual drone production capacity?").run()
    assert len(app.chat_message) == 4
    button(app, "Regenerate", 1).click().run()
    assert not app.exception and len(app.chat_message) == 4  # replaced, not added
    button(app, "Edit", 0).click().run()
    app.text_area(key="edit-text-0").set_value("How much money has the IT coalition attracted?")
    [b for b in app.button if b.label == "Send"][0].click().run()
    assert not app.exception
    assert len(app.chat_message) == 2  # the edited question replaced the first turn and what followed
    assert "70 million euros" in markdown_text(app)


def test_an_error_stays_in_the_conversation(app):
    app.selectbox(key="backend").set_value("openai").run()
    app.chat_input[0].set_value("Who opened the office?").run()
    app.selectbox(key="backend").set_value("extractive").run()
    app.chat_input[0].set_value("Who is the President of the European Commission?").run()
    errors = [e.value for e in app.error]
    assert len(errors) == 1 and errors[0][0].isupper() and "Error" not in errors[0].split(":")[0]
    assert "Ursula von der Leyen" in markdown_text(app)


def test_example_questions_can_be_clicked(app):
    from ui.resources import get_assistant

    assert get_assistant().example_questions()  # found in the background; the page then shows them
    app.run()
    examples = [b for b in app.button if b.key and b.key.startswith("example-")]
    assert examples
    examples[0].click().run()
    assert not app.exception and len(app.chat_message) == 2


def test_empty_index_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("QA_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("QA_CORPUS_DIR", str(tmp_path / "nothing-here"))
    st.cache_resource.clear()
    at = start_app()
    assert any("No documents are indexed yet" in i.value for i in at.info)
    assert not [b for b in at.button if b.key and b.key.startswith("example-")]
    st.cache_resource.clear()


def test_evaluate_page_runs_the_seed_test_set(tmp_path, monkeypatch):
    monkeypatch.setenv("QA_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.chdir(tmp_path)  # nothing may land in the working folder
    monkeypatch.setenv("QA_CORPUS_DIR", str(ROOT / "seeds" / "docs"))
    monkeypatch.setenv("QA_TESTSET_DIR", str(ROOT / "seeds"))
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "ui" / "evaluate_page.py"), default_timeout=300).run()
    assert (at.selectbox[0].value or "").endswith("testset.jsonl")
    at.number_input[0].set_value(6).run()
    next(b for b in at.button if b.label == "Run evaluation").click().run()
    assert not at.exception and not at.error
    metrics = at.table[0].value
    assert "Shown answers right (precision)" in set(metrics.index) and len(metrics) >= 10

    def rows(at: AppTest) -> list:  # one expander per question; the stored reports have their own
        return [e for e in at.expander if not e.label.startswith("Stored reports")]

    assert len(rows(at)) == 6
    at.toggle[0].set_value(True).run()
    assert len(rows(at)) < 6  # only the failures
    assert [p.name for p in tmp_path.iterdir()] == ["index"]  # the report went under the index
    assert len(list((tmp_path / "index" / "evaluations").glob("ui-*/summary.json"))) == 1
    st.cache_resource.clear()


def test_upload_indexes_good_files_and_reports_bad_ones(app, tmp_path):
    app.file_uploader[0].set_value(
        [
            ("../../ferry.txt", b"The island ferry Saga leaves pier seven every day at 06:40.", "text/plain"),
            ("broken.pdf", b"%PDF-1.4 not really a pdf", "application/pdf"),
        ]
    ).run()  # indexed as soon as dropped: no button to find
    assert not app.exception
    assert [w.value for w in app.warning] == ["Indexed 1 of 2 files; 1 could not be indexed."]
    details = markdown_text(app)
    assert "ferry.txt: added" in details and "broken.pdf" in details and "PDF" in details
    assert app.metric[0].value == str(len(SEED_DOCS) + 1)  # the seed corpus and the ferry note
    assert (tmp_path / "uploads" / "ferry.txt").is_file()
    assert not (tmp_path / "uploads" / "broken.pdf").exists()
    app.chat_input[0].set_value("When does the island ferry leave?").run()
    assert "06:40" in markdown_text(app) and "ferry.txt" in markdown_text(app)

    # Removing asks first, deletes the stored upload, and marks the old answer's source.
    ferry = str((tmp_path / "uploads" / "ferry.txt").resolve())
    app.selectbox(key="remove-choice").set_value(ferry).run()
    button(app, "Remove…").click().run()
    assert app.metric[0].value == str(len(SEED_DOCS) + 1) and any(
        "Remove **ferry.txt**" in w.value for w in app.warning
    )
    button(app, "Remove").click().run()
    assert not app.exception and app.metric[0].value == str(len(SEED_DOCS))
    assert not (tmp_path / "uploads" / "ferry.txt").exists()
    assert "document removed" in markdown_text(app)
    assert not app.warning and "ferry.txt: added" not in markdown_text(app)  # the upload summary is gone


def test_a_second_upload_of_a_name_is_kept_beside_unless_replace_is_chosen(app, tmp_path):
    def upload(text: bytes) -> None:
        app.file_uploader[0].set_value([("report.txt", text, "text/plain")]).run()
        assert not app.exception
        assert [s.value for s in app.success] == ["Indexed 1 of 1 file."]

    upload(b"Team A meets on Mondays in room 12.")
    upload(b"Team B meets on Fridays in room 40.")
    (message,) = [c.value for c in app.caption if "report.txt" in c.value]
    assert "report.txt: added" in message and "kept beside the earlier one as report-" in message
    assert app.metric[0].value == str(len(SEED_DOCS) + 2)  # the seed corpus and both reports
    app.chat_input[0].set_value("When does team A meet?").run()
    assert "room 12" in markdown_text(app)

    app.checkbox(key="replace_uploads").check().run()
    upload(b"Team A now meets on Wednesdays in room 7.")
    assert any(c.value.startswith("report.txt: updated") for c in app.caption)
    assert app.metric[0].value == str(len(SEED_DOCS) + 2)
    assert (tmp_path / "uploads" / "report.txt").read_bytes() == b"Team A now meets on Wednesdays in room 7."


@pytest.mark.slow
def test_chroma_server_failures_are_one_sentence_on_the_page(tmp_path, monkeypatch):
    """The server stops mid-session: the question gets one sentence naming the Chroma server and
    its settings (no "choose another backend"), and the page keeps working. Started without
    it: the page says the assistant could not start, and why."""
    from testsupport.servers import chroma_server

    monkeypatch.setenv("QA_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("QA_UPLOAD_DIR", str(tmp_path / "uploads"))
    monkeypatch.setenv("QA_CHROMA_HOST", "127.0.0.1")
    st.cache_resource.clear()
    try:
        with chroma_server(tmp_path / "chroma" / "data") as port:
            monkeypatch.setenv("QA_CHROMA_PORT", str(port))
            at = start_app()
            at.chat_input[0].set_value("How much money has the IT coalition attracted?").run()
            assert "70 million euros" in markdown_text(at)
        at.chat_input[0].set_value("How many countries take part?").run()
        assert not at.exception
        (error,) = [re.sub(r"\\(.)", r"\1", e.value) for e in at.error]  # as shown: Markdown escapes undone
        assert f"Chroma server at 127.0.0.1:{port}" in error and "QA_CHROMA_HOST" in error
        assert "backend" not in error and len(error.splitlines()) == 1
        assert "70 million euros" in markdown_text(at)  # the earlier answer is still there

        st.cache_resource.clear()
        at = AppTest.from_file(APP, default_timeout=180).run()
        assert not at.exception
        (error,) = [re.sub(r"\\(.)", r"\1", e.value) for e in at.error]  # as shown: Markdown escapes undone
        assert error.startswith("The assistant could not start") and "QA_CHROMA_HOST" in error
    finally:
        st.cache_resource.clear()


def cited_labels(at: AppTest) -> list[str]:
    """The source cards' headings ("[n] file › section · …") on the page."""
    return re.findall(r"\[\d+\] [\w.-]+\.md[^\n<]*", markdown_text(at)) + [
        e.label for e in at.expander if re.match(r"\[\d+\] ", e.label)
    ]


def test_the_section_filter_limits_the_cited_passages(app):
    question = "How do I change the log level?"
    app.chat_input[0].set_value(question).run()
    unfiltered = cited_labels(app)
    assert any("Structured Logging" not in label for label in unfiltered), unfiltered
    app.text_input(key="search_section").set_value("structured logging").run()
    app.chat_input[0].set_value(question).run()
    assert not app.exception
    filtered = cited_labels(app)[len(unfiltered) :]  # the second turn's cards
    assert filtered and all("Structured Logging" in label for label in filtered), filtered
