"""A document another process commits (`python -m qa ingest`) answers in a running assistant
within 5 seconds, on disk and on a Chroma server (QA_TEST_CHROMA=server), and is never reported
as damage: the assistant notices the manifest's change and reopens its Chroma client."""

from __future__ import annotations

import time

import pytest

from qa.assistant import Assistant
from tests.test_processes import settings_env
from testsupport.helpers import SEED_ARTICLE, run_cli

pytestmark = pytest.mark.integration

QUESTION = "When does the island ferry leave pier seven?"


@pytest.mark.parametrize("round_trips", [2])
def test_a_cli_ingest_answers_in_a_running_assistant_within_5_s(settings, embeddings, tmp_path, round_trips):
    bot = Assistant(settings, embeddings=embeddings)
    bot.ingest([SEED_ARTICLE])
    assert "70 million" in bot.ask("How much money has the IT coalition attracted?").text  # the client is warm
    waits = []
    for n in range(round_trips):  # the second round: a change after the reopen is seen too
        note = tmp_path / f"ferry-{n}.txt"
        note.write_text(f"The island ferry Saga number {n} leaves pier seven every day at 06:4{n}.\n", encoding="utf-8")
        result = run_cli("ingest", str(note), env_extra=settings_env(settings))
        assert result.returncode == 0, result.stderr
        committed = time.perf_counter()
        while True:
            answer = bot.ask(QUESTION)  # an IndexDamaged here fails the test: a new chunk is not damage
            if f"06:4{n}" in answer.text:
                break
            assert time.perf_counter() - committed < 5, f"not answerable after 5 s: {answer.text}"
            time.sleep(0.2)
        waits.append(time.perf_counter() - committed)
    mode = "server" if settings.storage.chroma_host else "disk"
    print(f"\nother process's ingest answerable after {', '.join(f'{w:.2f}' for w in waits)} s ({mode})")


def test_a_removal_by_another_process_is_not_damage(settings, embeddings, tmp_path):
    """The other process deletes chunks this client still lists: they are gone, not damage."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / SEED_ARTICLE.name).write_bytes(SEED_ARTICLE.read_bytes())
    (corpus / "ferry.txt").write_text("The island ferry Saga leaves pier seven every day at 06:40.\n", encoding="utf-8")
    bot = Assistant(settings, embeddings=embeddings)
    bot.ingest([corpus])
    assert "06:40" in bot.ask(QUESTION).text
    (corpus / "ferry.txt").unlink()
    result = run_cli("ingest", str(corpus), "--prune", env_extra=settings_env(settings))
    assert result.returncode == 0, result.stderr
    answer = bot.ask(QUESTION)
    assert "06:40" not in answer.text
    assert "70 million" in bot.ask("How much money has the IT coalition attracted?").text


def test_own_changes_do_not_reopen_the_client(settings, embeddings, tmp_path):
    """This process's ingests and removals went through its own client: nothing to reload, so
    a question asked meanwhile never closes the client an ingest is writing with."""
    bot = Assistant(settings, embeddings=embeddings)
    bot.ingest([SEED_ARTICLE])
    store = bot.index.store
    note = tmp_path / "ferry.txt"
    note.write_text("The island ferry Saga leaves pier seven every day at 06:40.\n", encoding="utf-8")
    bot.ingest([note])
    assert "06:40" in bot.ask(QUESTION).text
    bot.remove(str(note.resolve()))
    assert "06:40" not in bot.ask(QUESTION).text
    assert bot.index.store is store
