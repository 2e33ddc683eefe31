"""Saved conversations: round trip of answers with their citations, listing, editing, export."""

from __future__ import annotations

import threading

import pytest

from qa import Answer, ChatChanged, Citation, Passage, Turn
from qa.conversations import Conversation, ConversationStore
from qa.export import conversation_markdown
from testsupport.helpers import SEED_ARTICLE


def an_answer(question: str = "How much?") -> Answer:
    citation = Citation(
        1, "/docs/report.md", "Report", 2, "c1", "It cost 70 euros.", "Intro. It cost 70 euros.", 0.66, "70 euros"
    )
    passage = Passage(
        1, "c1", "Intro. It cost 70 euros.", "/docs/report.md", "Report", 2, 0.66, 0.9, ("dense", "keyword")
    )
    return Answer(
        question,
        "70 euros [1].",
        [citation],
        False,
        "extractive",
        question,
        {"total_s": 0.03},
        [passage],
        confidence=0.8,
        signals={"sentence_score": 0.8},
    )


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
    store.append(
        first.id, Turn("A question that is rather long and goes on well past what a title can hold?", an_answer())
    )
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
    turns = [
        Turn("How much?", an_answer(), asked_at="2026-11-26T10:00:00+00:00"),
        Turn("Why?", error="The model server did not answer."),
    ]
    text = conversation_markdown(turns, "Budget")
    assert "# Budget" in text and "Asked 2026-11-26 10:00:00" in text
    assert "answered by the extractive backend in 0.03 s" in text
    assert "\\[1\\] **report.md**, page 2: Report" in text and "/docs/" not in text  # a file name, no server path
    assert "**Error:** The model server did not answer." in text


@pytest.mark.unit
def test_export_keeps_html_and_links_from_people_and_documents_as_text():
    """Rendered by a real CommonMark renderer: nothing a person or document wrote becomes markup."""
    from markdown_it import MarkdownIt

    question = "<img src=x onerror=alert(1)> See [the site](http://evil.example) **now**?"
    answer = an_answer(question)
    turns = [Turn(question, answer), Turn("- 2026. <b>list?</b>", error="No <i>answer</i> & no luck.")]
    rendered = (
        MarkdownIt().render(conversation_markdown(turns, "<script>x</script> [t](http://e)")).replace("\u2060", "")
    )  # word joiners break autolinks (qa.text_safety)
    assert "<img" not in rendered and "<script>" not in rendered and "<a " not in rendered
    assert "<strong>now</strong>" not in rendered and "<b>" not in rendered and "<li>" not in rendered
    assert "&lt;img src=x onerror=alert(1)&gt; See [the site](http://evil.example) **now**?" in rendered
    assert "- 2026. &lt;b&gt;list?&lt;/b&gt;" in rendered and "No &lt;i&gt;answer&lt;/i&gt; &amp; no luck." in rendered
    assert "70 euros [1]." in rendered  # the answer's markers read as they did on the page


@pytest.mark.unit
def test_export_file_is_named_after_the_chat_and_its_date():
    from qa.export import export_file_name

    assert (
        export_file_name("Who opened the office?", "2026-11-30T18:40:12+00:00") == "who-opened-the-office-2026-11-30.md"
    )
    assert export_file_name("../../etc/passwd", "2026-11-30T18:40:12+00:00") == "etc-passwd-2026-11-30.md"
    assert export_file_name("???", "2026-11-30T18:40:12+00:00") == "chat-2026-11-30.md"


@pytest.mark.integration
def test_assistant_conversations_keep_real_answers(assistant):
    assistant.ingest([SEED_ARTICLE])
    answer = assistant.ask("How much money has the IT coalition attracted?")
    chat = assistant.conversations.create()
    assistant.conversations.append(chat.id, Turn(answer.question, answer))
    kept = assistant.conversations.load(chat.id).turns[0].answer
    assert kept == answer and "70 million euros" in kept.text and kept.citations
    assert (assistant.settings.storage.index_dir / "conversations.sqlite3").is_file()


@pytest.mark.unit
def test_a_change_from_a_stale_page_is_refused_and_never_lands_elsewhere(tmp_path):
    """Issue 19 item 10: B edits turn 1 (dropping 2-9); A, on a page that showed the chat
    before, regenerates turn 9 and asks again: both refused, the chat stays as B left it."""
    store = ConversationStore(tmp_path / "chats.sqlite3")
    chat = store.create()
    for n in range(9):
        store.append(chat.id, Turn(f"Q{n + 1}?", an_answer(f"Q{n + 1}?")))
    seen_by_a = stored(store, chat.id).info.version
    store.edit(chat.id, 0, Turn("Q1 edited?", an_answer("Q1 edited?")), seen_version=seen_by_a)  # person B
    after_b = stored(store, chat.id)
    assert [t.question for t in after_b.turns] == ["Q1 edited?"] and after_b.info.version > seen_by_a
    with pytest.raises(ChatChanged, match=r"(?i)this chat changed; reload.*turn 9.*version"):
        store.replace(chat.id, 8, Turn("Q9?", an_answer("Q9?")), seen_version=seen_by_a)
    with pytest.raises(ChatChanged, match="(?i)this chat changed; reload"):
        store.append(chat.id, Turn("Q10?", an_answer("Q10?")), seen_version=seen_by_a)
    with pytest.raises(ChatChanged, match="(?i)this chat changed; reload"):
        store.edit(chat.id, 3, Turn("Q4 again?", an_answer("Q4 again?")), seen_version=seen_by_a)
    assert stored(store, chat.id) == after_b  # nothing written, not even the version
    # Without a version (the CLI), a turn that is not there is still refused: no gap opens.
    with pytest.raises(ChatChanged, match="no turn 9"):
        store.replace(chat.id, 8, Turn("Q9?", an_answer("Q9?")))
    # The page that showed the current version may change it.
    store.replace(chat.id, 0, Turn("Q1 edited?", an_answer("Q1 edited?")), seen_version=after_b.info.version)
    assert stored(store, chat.id).info.version == after_b.info.version + 1


@pytest.mark.unit
def test_a_store_written_before_versions_opens_and_counts_from_zero(tmp_path):
    import sqlite3

    path = tmp_path / "chats.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(
            "CREATE TABLE conversations (id TEXT PRIMARY KEY, title TEXT NOT NULL, created_at TEXT "
            "NOT NULL, updated_at TEXT NOT NULL); INSERT INTO conversations VALUES "
            "('old', 'Old chat', '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00');"
        )
    store = ConversationStore(path)
    assert stored(store, "old").info.version == 0
    store.append("old", Turn("Q?", an_answer("Q?")), seen_version=0)
    assert stored(store, "old").info.version == 1 and store.list()[0].version == 1


@pytest.mark.unit
def test_a_stopped_unchecked_draft_comes_back_marked(tmp_path):
    store = ConversationStore(tmp_path / "chats.sqlite3")
    chat = store.create()
    draft = Answer("Why?", "The office was opened to", [], False, "local", "Why?", stopped=True, checked=False)
    store.append(chat.id, Turn("Why?", draft))
    answer = stored(store, chat.id).turns[0].answer
    assert answer == draft and answer is not None and not answer.checked and answer.stopped
