"""Saved conversations: round trip of answers with their citations, listing, editing, export."""

from __future__ import annotations

import threading

import pytest

from qa import Answer, Citation, Passage, Turn
from qa.conversations import Conversation, ConversationStore
from qa.export import conversation_markdown
from testsupport.helpers import SEED_ARTICLE


def an_answer(question: str = "How much?") -> Answer:
    citation = Citation(1, "/docs/report.md", "Report", 2, "c1", "It cost 70 euros.", "Intro. It cost 70 euros.",
                        0.66, "70 euros")
    passage = Passage(1, "c1", "Intro. It cost 70 euros.", "/docs/report.md", "Report", 2, 0.66, 0.9,
                      ("dense", "keyword"))
    return Answer(question, "70 euros [1].", [citation], False, "extractive", question, {"total_s": 0.03},
                  [passage], confidence=0.8, signals={"sentence_score": 0.8})


def stored(store: ConversationStore, conversation_id: str) -> Conversation:
    conversation = store.load(conversation_id)
    assert conversation is not None
    return conversation


@pytest.mark.unit
def test_an_answer_comes_back_exactly_as_given(tmp_path):
    store = ConversationStore(tmp_path / "chats.sqlite3")
    chat = store.create()
    store.append(chat.id, Turn("How much?", an_answer()))
    loaded = stored(ConversationStore(tmp_path / "chats.sqlite3"), chat.id)  # as after a restart
    assert loaded.turns[0].answer == an_answer()
    assert loaded.info.title == "How much?" and loaded.history == [("How much?", "70 euros [1].")]


@pytest.mark.unit
def test_list_rename_replace_truncate_delete(tmp_path):
    store = ConversationStore(tmp_path / "chats.sqlite3")
    first, second = store.create(), store.create()
    store.append(first.id, Turn("A question that is rather long and goes on well past what a title can hold?",
                                an_answer()))
    store.append(second.id, Turn("Second?", error="The model server did not answer."))
    store.append(second.id, Turn("Third?", an_answer("Third?")))
    assert [c.id for c in store.list()] == [second.id, first.id]  # most recently used first
    assert store.list()[1].title.endswith("…") and len(store.list()[1].title) <= 60
    store.rename(first.id, "Budget")
    assert stored(store, first.id).info.title == "Budget"
    store.replace(second.id, 0, Turn("Second?", an_answer("Second?")))
    assert stored(store, second.id).turns[0].answer is not None and stored(store, second.id).info.turns == 2
    store.truncate(second.id, 1)
    assert [t.question for t in stored(store, second.id).turns] == ["Second?"]
    store.delete(second.id)
    assert store.load(second.id) is None and [c.id for c in store.list()] == [first.id]


@pytest.mark.unit
def test_threads_append_without_losing_turns(tmp_path):
    store = ConversationStore(tmp_path / "chats.sqlite3")
    chats = [store.create().id for _ in range(4)]

    def talk(chat_id: str) -> None:
        for n in range(10):
            store.append(chat_id, Turn(f"Q{n}?", an_answer(f"Q{n}?")))

    threads = [threading.Thread(target=talk, args=(c,)) for c in chats]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all([t.question for t in stored(store, c).turns] == [f"Q{n}?" for n in range(10)] for c in chats)


@pytest.mark.unit
def test_export_names_backend_time_and_sources(tmp_path):
    turns = [Turn("How much?", an_answer(), asked_at="2026-11-26T10:00:00+00:00"),
             Turn("Why?", error="The model server did not answer.")]
    text = conversation_markdown(turns, "Budget")
    assert "# Budget" in text and "Asked 2026-11-26 10:00:00" in text
    assert "answered by the extractive backend in 0.03 s" in text
    # Brackets escaped: text from documents never forms a Markdown link in the export.
    assert "\\[1\\] **report.md**, page 2: Report" in text and "/docs/report.md" in text
    assert "**Error:** The model server did not answer." in text


@pytest.mark.integration
def test_assistant_conversations_keep_real_answers(assistant):
    assistant.ingest([SEED_ARTICLE])
    answer = assistant.ask("How much money has the IT coalition attracted?")
    chat = assistant.conversations.create()
    assistant.conversations.append(chat.id, Turn(answer.question, answer))
    kept = assistant.conversations.load(chat.id).turns[0].answer
    assert kept == answer and "70 million euros" in kept.text and kept.citations
    assert (assistant.settings.index_dir / "conversations.sqlite3").is_file()
