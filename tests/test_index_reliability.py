"""The index never silently loses, duplicates or keeps stale content: interrupted changes,
moved folders, missing files and damaged indexes (real MiniLM, real Chroma)."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from qa.assistant import AskOptions, Assistant
from qa.errors import IndexDamaged
from testsupport.helpers import SEED_ARTICLE, error_lines, run_cli

pytestmark = pytest.mark.integration

QUESTION = "What is Ukraine's annual drone production capacity?"


def index_state(bot: Assistant) -> tuple[set[str], int, int]:
    """(visible chunk ids, chunks Chroma holds, pending ids) of an index."""
    visible = {c for d in bot.documents() for c in bot.index.chunk_ids(d.source)}
    return visible, bot.index.store.count(), len(bot.index.manifest.pending())


class Interrupt(BaseException):
    """Stands for a kill: not an Exception, so nothing on the way catches it."""


@pytest.mark.parametrize("step", ["upsert", "commit_files", "delete", "clear_pending"])
def test_interrupted_update_shows_one_version_and_is_repaired(settings, embeddings, corpus, step):
    article = corpus / SEED_ARTICLE.name
    bot = Assistant(settings, embeddings=embeddings)
    bot.ingest([corpus])
    before, _, _ = index_state(bot)
    article.write_text(article.read_text(encoding="utf-8").replace("3 million", "4 million"), encoding="utf-8")

    owner = bot.index.manifest if step in ("commit_files", "clear_pending") else bot.index.store
    original = getattr(owner, step)

    def interrupted(*args, **kwargs):
        if step in ("delete", "clear_pending") and args and args[0]:
            original(list(args[0])[:1])  # part of the work done, then the kill
        raise Interrupt

    setattr(owner, step, interrupted)
    with pytest.raises(Interrupt):
        bot.ingest([corpus])

    # A new process sees exactly one version: the old one before the commit, the new one after.
    reopened = Assistant(settings, embeddings=embeddings)
    text = reopened.ask(QUESTION).text
    assert ("3 million" in text) != ("4 million" in text), text
    keyword = reopened.ask(QUESTION, options=AskOptions(retrieval="keyword"))  # the keyword index agrees
    quoted = " ".join(p.text for p in keyword.passages)
    assert ("3 million" in quoted) != ("4 million" in quoted), quoted
    visible, _, _ = index_state(reopened)
    interrupted_before_commit = step in ("upsert", "commit_files")
    assert (visible == before) == interrupted_before_commit

    summary = reopened.ingest([corpus])
    assert [f.status for f in summary.files] == (["updated"] if interrupted_before_commit else ["unchanged"])
    visible, stored, pending = index_state(reopened)
    assert stored == len(visible) and pending == 0  # no stale chunk left in Chroma
    answer = reopened.ask(QUESTION)
    assert "4 million" in answer.text and "3 million" not in answer.text

    clean = Assistant(
        settings.changed(
            **{
                "index_dir": settings.storage.index_dir.parent / "clean",
                "collection": settings.storage.collection + "-clean",
            }
        ),
        embeddings=embeddings,
    )
    clean.ingest([corpus])
    assert len(index_state(clean)[0]) == len(visible)


def test_moved_folder_is_relocated_not_duplicated(assistant, corpus, tmp_path):
    first = assistant.ingest([corpus])
    count = assistant.chunk_count()
    moved = tmp_path / "elsewhere" / "papers"
    moved.parent.mkdir()
    shutil.move(str(corpus), moved)
    summary = assistant.ingest([moved])
    assert [f.status for f in summary.files] == ["moved"] and summary.chunks_written == 0
    assert assistant.chunk_count() == count == first.chunks_written
    assert assistant.index.store.count() == count
    (doc,) = assistant.documents()
    assert doc.source == str((moved / SEED_ARTICLE.name).resolve())
    answer = assistant.ask(QUESTION)
    assert answer.citations[0].source == doc.source


def test_relative_absolute_and_linked_paths_do_not_duplicate(assistant, corpus, tmp_path, monkeypatch):
    assistant.ingest([corpus])
    count = assistant.chunk_count()
    link = tmp_path / "link"
    link.symlink_to(corpus, target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    for path in ["corpus", str(corpus), str(link), f"corpus/{SEED_ARTICLE.name}"]:
        statuses = [f.status for f in assistant.ingest([path]).files]
        assert statuses == ["unchanged"], (path, statuses)
    assert assistant.chunk_count() == count and len(assistant.documents()) == 1


def test_files_gone_from_a_folder_are_reported_then_pruned(assistant, corpus):
    extra = corpus / "notes.txt"
    extra.write_text("The ferry to the island leaves at noon from pier seven.", encoding="utf-8")
    assistant.ingest([corpus])
    extra.unlink()
    summary = assistant.ingest([corpus])
    assert {(os.path.basename(f.path), f.status) for f in summary.files} == {
        (SEED_ARTICLE.name, "unchanged"),
        ("notes.txt", "missing"),
    }
    assert len(assistant.documents()) == 2  # reported, not silently dropped
    summary = assistant.ingest([corpus], prune=True)
    assert [f.status for f in summary.files if f.status != "unchanged"] == ["removed"]
    assert [d.title for d in assistant.documents()] == ["EU Defense Innovation Office opens in Kyiv"]
    assert assistant.index.store.count() == assistant.chunk_count()


@pytest.fixture
def disk_only(settings):
    if settings.storage.chroma_host:
        pytest.skip("the on-disk index files are what this test damages")


@pytest.mark.parametrize("damage", ["truncate", "garble", "delete", "empty", "drop-manifest"])
def test_damaged_index_is_one_clear_line_and_reindex_recovers(settings, embeddings, corpus, disk_only, damage):
    bot = Assistant(settings, embeddings=embeddings)
    bot.ingest([corpus])
    count = bot.chunk_count()
    bot.close()
    sqlite = settings.storage.index_dir / "chroma.sqlite3"
    if damage == "truncate":
        sqlite.write_bytes(sqlite.read_bytes()[:5000])
    elif damage == "garble":
        data = bytearray(sqlite.read_bytes())
        data[100:20000] = os.urandom(19900)
        sqlite.write_bytes(bytes(data))
    elif damage == "delete":
        sqlite.unlink()
    elif damage == "empty":
        sqlite.write_bytes(b"")
    else:
        next(settings.storage.index_dir.glob("*.manifest.sqlite3")).unlink()

    with pytest.raises(IndexDamaged, match="reindex"):
        Assistant(settings, embeddings=embeddings)

    env = {
        "QA_INDEX_DIR": str(settings.storage.index_dir),
        "QA_COLLECTION": settings.storage.collection,
        "QA_CORPUS_DIR": str(corpus),
    }
    result = run_cli("ask", QUESTION, env_extra=env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    (line,) = error_lines(result.stderr)
    assert str(settings.storage.index_dir) in line and "python -m qa reindex" in line

    rebuilt = run_cli("reindex", env_extra=env)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "kept in" in rebuilt.stderr and list(settings.storage.index_dir.parent.glob("index.damaged-*"))
    # A new process (Chroma cannot reopen a folder in a process where opening it failed).
    answer = run_cli("ask", QUESTION, "--json", env_extra=env)
    assert answer.returncode == 0 and "3 million" in json.loads(answer.stdout)["text"]
    listed = run_cli("ingest", str(corpus), "--json", env_extra=env)
    assert [f["status"] for f in json.loads(listed.stdout)["files"]] == ["unchanged"]
    assert json.loads(answer.stdout)["citations"][0]["source"].endswith(SEED_ARTICLE.name)
    assert count > 0
