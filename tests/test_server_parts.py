"""The server's small decisions, without a server: loopback names, status per error, how an
OpenAI message list becomes a question and its history, quote offsets."""

from __future__ import annotations

import pytest

from qa import AccountError, Busy, Forbidden, IndexDamaged, NotFound, NotSignedIn, QAError, SignInLocked, TooLarge
from qa.server.auth import is_loopback
from qa.server.errors import status_of
from qa.server.openai_routes import Message, _backend, _question_and_history
from qa.server.schemas import SourceNames, span

pytestmark = pytest.mark.unit


def test_loopback_names():
    assert all(map(is_loopback, ["localhost", "127.0.0.1", "127.0.0.2", "::1", "[::1]"]))
    assert not any(map(is_loopback, ["0.0.0.0", "192.168.1.5", "qa.example.org", "", None]))


def test_status_per_error_kind():
    cases = {
        SignInLocked("x"): 429,
        NotSignedIn("x"): 401,
        Forbidden("x"): 403,
        NotFound("x"): 404,
        TooLarge("x"): 413,
        AccountError("x"): 400,
        Busy("x"): 503,
        IndexDamaged("x"): 503,
        QAError("x"): 400,
    }
    assert {type(e).__name__: status_of(e) for e in cases} == {type(e).__name__: s for e, s in cases.items()}


def test_last_user_message_is_the_question_earlier_pairs_the_history():
    messages = [
        Message(role="system", content="Be brief."),
        Message(role="user", content="Who opened it?"),
        Message(role="assistant", content="Umyerov [1]."),
        Message(role="user", content=[{"type": "text", "text": "When?"}, {"type": "image_url"}]),
    ]
    assert _question_and_history(messages) == ("When?", [("Who opened it?", "Umyerov [1].")])
    with pytest.raises(QAError, match="no user message"):
        _question_and_history([Message(role="system", content="hi")])


def test_model_names():
    assert _backend("qa", "extractive") == "extractive" and _backend("qa-local", "extractive") == "local"
    for unknown in ("gpt-4o", "qa-nonsense", "extractive"):
        with pytest.raises(NotFound):
            _backend(unknown, "extractive")


def test_quote_offsets_survive_joined_lines():
    passage = "Intro.\nOn September 20, the Minister\nopened the office."
    start, end = span(passage, "On September 20, the Minister opened the office.") or (0, 0)
    assert passage[start:end] == "On September 20, the Minister\nopened the office."
    assert span(passage, "not there") is None and span(passage, "") is None


def test_documents_are_named_under_their_folder_never_by_server_path(tmp_path):
    names = SourceNames([tmp_path / "corpus", tmp_path / "uploads"])
    assert names(str(tmp_path / "corpus" / "team" / "notes.md")) == "team/notes.md"
    assert names(str(tmp_path / "uploads" / "report.pdf")) == "report.pdf"
    assert names(str(tmp_path / "elsewhere" / "secret" / "plan.md")) == "plan.md"  # outside both: the name only
    assert names(str(tmp_path / "corpus-old" / "a.md")) == "a.md"  # a sibling whose name starts alike
