"""A damaged, truncated or deleted chat store: one line naming the file and what to do, and a
deleted store comes back at the next call, in the same process."""

from __future__ import annotations

import pytest

from qa.conversations import ConversationStore, Turn
from qa.errors import ConversationStoreError

pytestmark = pytest.mark.unit


def filled_store(tmp_path) -> ConversationStore:
    store = ConversationStore(tmp_path / "index" / "conversations.sqlite3")
    for i in range(40):  # enough pages that cutting the file loses tables' content
        chat = store.create()
        store.append(chat.id, Turn(f"Question {i} " + "words " * 200, error="not answered"))
    return store


def assert_one_line(exc: ConversationStoreError, store: ConversationStore) -> None:
    message = str(exc)
    assert "\n" not in message and str(store.path) in message
    assert "move it aside or delete it" in message and "Traceback" not in message


def test_a_damaged_store_is_one_line_naming_the_file(tmp_path):
    store = filled_store(tmp_path)
    data = bytearray(store.path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # the header's tail and the schema page
    store.path.write_bytes(bytes(data))
    with pytest.raises(ConversationStoreError) as caught:
        store.list()
    assert_one_line(caught.value, store)
    with pytest.raises(ConversationStoreError):
        store.create()


def test_a_truncated_store_is_one_line_naming_the_file(tmp_path):
    store = filled_store(tmp_path)
    chats = store.list()
    size = store.path.stat().st_size
    with open(store.path, "r+b") as handle:
        handle.truncate(size // 3)
    with pytest.raises(ConversationStoreError) as caught:
        for chat in chats:  # some pages are gone: reading every chat meets one
            store.load(chat.id)
        store.list()
    assert_one_line(caught.value, store)


def test_garbage_instead_of_a_store(tmp_path):
    store = ConversationStore(tmp_path / "conversations.sqlite3")
    store.path.write_bytes(b"this is not a database at all " * 100)
    with pytest.raises(ConversationStoreError) as caught:
        store.list()
    assert_one_line(caught.value, store)


def test_a_deleted_store_comes_back_without_a_restart(tmp_path):
    store = filled_store(tmp_path)
    assert len(store.list()) == 40
    store.path.unlink()
    assert store.list() == []
    chat = store.create()
    store.append(chat.id, Turn("After the deletion?", error="x"))
    loaded = store.load(chat.id)
    assert loaded is not None and [t.question for t in loaded.turns] == ["After the deletion?"]
    store.path.parent.rename(tmp_path / "gone")  # the whole folder, too
    assert store.list() == [] and store.path.is_file()


def test_an_emptied_store_gets_its_tables_again(tmp_path):
    store = filled_store(tmp_path)
    store.path.write_bytes(b"")  # truncated to nothing: an empty database
    assert store.list() == []
    assert store.create().title == "New chat"
