"""The Streamlit page through Streamlit's AppTest (real models and a real Chroma folder)."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT, SEED_ARTICLE
from tests.helpers import free_port

APP = str(ROOT / "ui" / "app.py")


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("QA_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("QA_UPLOAD_DIR", str(tmp_path / "uploads"))
    monkeypatch.setenv("QA_OPENAI_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")
    st.cache_resource.clear()  # settings and assistants are cached per process
    at = AppTest.from_file(APP, default_timeout=180).run()
    assert not at.exception
    yield at
    st.cache_resource.clear()


def markdown_text(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_first_start_indexes_the_seed_corpus(app):
    assert [m.label for m in app.metric] == ["Documents", "Chunks"]
    assert app.metric[0].value == "1" and int(app.metric[1].value) > 0
    assert SEED_ARTICLE.name in markdown_text(app)


def test_chat_answers_with_a_source_card_and_follow_up(app):
    app.chat_input[0].set_value("How much money has the IT coalition attracted?").run()
    assert not app.exception
    text = markdown_text(app)
    assert "70 million euros" in text
    assert f"[1] {SEED_ARTICLE.name}" in text and "<mark>" in text
    app.chat_input[0].set_value("And how many countries take part?").run()
    captions = [c.value for c in app.caption]
    assert any("Searched for" in c and "IT coalition" in c for c in captions)
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


def test_clear_chat_and_download(app):
    app.chat_input[0].set_value("What is Ukraine's annual drone production capacity?").run()
    assert len(app.chat_message) == 2
    clear = next(b for b in app.button if b.label == "Clear chat")
    clear.click().run()
    assert len(app.chat_message) == 0


def test_evaluate_page_runs_the_seed_test_set(tmp_path, monkeypatch):
    monkeypatch.setenv("QA_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.chdir(tmp_path)  # eval-out/ lands in the temporary folder
    monkeypatch.setenv("QA_CORPUS_DIR", str(ROOT / "seeds" / "docs"))
    monkeypatch.setenv("QA_TESTSET_DIR", str(ROOT / "seeds"))
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "ui" / "evaluate_page.py"), default_timeout=300).run()
    assert at.selectbox[0].value.endswith("testset.jsonl")
    at.number_input[0].set_value(6).run()
    next(b for b in at.button if b.label == "Run evaluation").click().run()
    assert not at.exception and not at.error
    metrics = at.table[0].value
    assert "Token F1" in set(metrics.index) and len(metrics) >= 10
    assert len(at.expander) == 6
    at.toggle[0].set_value(True).run()
    assert len(at.expander) < 6  # only the failures
    assert (tmp_path / "eval-out").is_dir()
    st.cache_resource.clear()


def test_upload_indexes_good_files_and_reports_bad_ones(app, tmp_path):
    app.file_uploader[0].set_value([
        ("../../ferry.txt", b"The island ferry Saga leaves pier seven every day at 06:40.", "text/plain"),
        ("broken.pdf", b"%PDF-1.4 not really a pdf", "application/pdf"),
    ]).run()
    next(b for b in app.button if b.label == "Index uploaded files").click().run()
    assert not app.exception
    assert any("ferry.txt: added" in s.value for s in app.success)
    assert any("broken.pdf" in e.value and "PDF" in e.value for e in app.error)
    assert app.metric[0].value == "2"  # the seed article and the ferry note
    assert (tmp_path / "uploads" / "ferry.txt").is_file()
    assert not (tmp_path / "uploads" / "broken.pdf").exists()
    app.chat_input[0].set_value("When does the island ferry leave?").run()
    assert "06:40" in markdown_text(app) and "ferry.txt" in markdown_text(app)
