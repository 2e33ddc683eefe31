"""Several processes on one index: two `qa ingest` runs at once on one index (a folder, or a
collection on a `chroma run` server) end as one clean ingest would; four processes asking
through one `chroma run` server answer as one process does."""

from __future__ import annotations

import contextlib
import json
import os
import random
import subprocess
import sys

import pytest

from qa.assistant import Assistant
from qa.settings import Settings
from testsupport.helpers import ROOT, SEEDS, compare_with_clean_ingest, fingerprint, seed_questions, write_corpus
from testsupport.servers import chroma_server

pytestmark = pytest.mark.integration

# One process asking the seed questions; prints one JSON line of answer fingerprints.
ASKER = """
import json, sys
from qa.assistant import Assistant
from qa.settings import Settings
from testsupport.helpers import fingerprint
bot = Assistant(Settings())
print(json.dumps([fingerprint(bot.ask(q)) for q in json.loads(sys.argv[1])]))
"""


def settings_env(settings: Settings) -> dict[str, str]:
    env = {
        **os.environ,
        "QA_INDEX_DIR": str(settings.storage.index_dir),
        "QA_COLLECTION": settings.storage.collection,
        "QA_UPLOAD_DIR": str(settings.interface.upload_dir),
    }
    if settings.storage.chroma_host:
        env |= {"QA_CHROMA_HOST": settings.storage.chroma_host, "QA_CHROMA_PORT": str(settings.storage.chroma_port)}
    return env


def test_two_ingest_processes_on_one_index_equal_a_clean_ingest(settings, embeddings, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    write_corpus(corpus, random.Random(7), files=40)
    command = [sys.executable, "-m", "qa", "ingest", str(corpus)]
    runs = [
        subprocess.Popen(
            command, cwd=ROOT, env=settings_env(settings), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=600) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err[-2000:] for _, err in outputs]

    bot = Assistant(settings, embeddings=embeddings)
    same, counts = compare_with_clean_ingest(bot, corpus, tmp_path / "clean")
    print(f"\ntwo ingest processes at once over 40 files: {counts}")
    assert same
    assert [f.status for f in bot.ingest([corpus]).files] == ["unchanged"] * 40


@pytest.mark.slow
def test_four_processes_asking_through_one_chroma_server_answer_alike(settings, embeddings, tmp_path, chroma_port):
    with contextlib.ExitStack() as stack:
        port = chroma_port or stack.enter_context(chroma_server(tmp_path / "chroma" / "data"))
        settings = settings.changed(**{"chroma_host": "127.0.0.1", "chroma_port": port})
        bot = Assistant(settings, embeddings=embeddings)
        bot.ingest([SEEDS / "docs"])
        questions = seed_questions(10)
        expected = [list_of(fingerprint(bot.ask(q))) for q in questions]
        askers = [
            subprocess.Popen(
                [sys.executable, "-c", ASKER, json.dumps(questions)],
                cwd=ROOT,
                env=settings_env(settings),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(4)
        ]
        outputs = [asker.communicate(timeout=600) for asker in askers]
    assert [asker.returncode for asker in askers] == [0] * 4, [err[-2000:] for _, err in outputs]
    answers = [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]
    same = sum(got == want for process in answers for got, want in zip(process, expected))
    print(
        f"\n4 processes x {len(questions)} questions through one chroma run server: {same} of "
        f"{4 * len(questions)} answers identical to one process's"
    )
    assert same == 4 * len(questions)


def list_of(value):
    """A fingerprint as JSON gives it back: tuples become lists."""
    return [list_of(v) for v in value] if isinstance(value, tuple) else value
