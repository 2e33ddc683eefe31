"""One Assistant shared by many threads (as the browser app shares it), with ingest beside
the askers; the generation gate of the local model."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from qa.answer.chain import GenerationGate
from qa.assistant import Assistant
from qa.documents.chunking import split_sentences
from qa.errors import Busy
from testsupport.helpers import SEEDS, fingerprint, seed_questions

TEXTS = [
    "Dr. Smith went to Washington. He arrived at 3 p.m. on Monday! Was it raining? Yes.",
    "The office opened in Kyiv in 2024. It coordinates 13 countries.\nA heading\n- a list item",
    "Mr. Jones paid $3.5 million. The U.S. agreed, e.g. in writing. Done.",
]


@pytest.mark.unit
def test_sentence_splitting_is_thread_safe():
    expected = [split_sentences(t) for t in TEXTS]
    wrong = []

    def work(i: int) -> None:
        if split_sentences(TEXTS[i % 3]) != expected[i % 3]:
            wrong.append(i)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(work, range(2400)))
    print(f"\n2400 concurrent splits, {len(wrong)} wrong")
    assert wrong == []


@pytest.mark.integration
def test_32_askers_and_an_ingest_on_one_assistant_match_single_threaded(settings, embeddings, tmp_path):
    bot = Assistant(settings, embeddings=embeddings)
    bot.ingest([SEEDS / "docs"])
    questions = seed_questions()[:32]
    expected = {q: fingerprint(bot.ask(q)) for q in questions}

    other = tmp_path / "other"
    other.mkdir()
    for i in range(20):  # files about something else, so answers to the seed questions stay the same
        (other / f"note-{i}.txt").write_text(
            f"Greenhouse {i} grows {i + 3} kinds of tomatoes. The irrigation pump {i} runs every {i + 2} hours. "
            f"Gardener number {i} waters the basil beds on Tuesdays.",
            encoding="utf-8",
        )
    ingest_done = threading.Event()
    ingest_result = []

    def ingest() -> None:
        ingest_result.append(bot.ingest([other]))
        ingest_done.set()

    mismatches = []

    def ask(q: str) -> None:
        got = fingerprint(bot.ask(q))
        if got != expected[q]:
            mismatches.append((q, got, expected[q]))

    with ThreadPoolExecutor(32) as pool:
        futures = [pool.submit(ingest)] + [pool.submit(ask, q) for q in questions * 3]
        for f in futures:
            f.result()
    print(f"\n{len(questions) * 3} answers from 32 threads beside an ingest of 20 files, {len(mismatches)} differ")
    assert mismatches == []
    (summary,) = ingest_result
    assert summary.count("added") == 20 and not summary.failed

    clean = Assistant(
        settings.changed(**{"index_dir": tmp_path / "clean", "collection": settings.storage.collection + "-c"}),
        embeddings=embeddings,
    )
    clean.ingest([SEEDS / "docs", other])
    assert bot.chunk_count() == clean.chunk_count() == bot.index.store.count()
    assert [f.status for f in bot.ingest([other]).files] == ["unchanged"] * 20


@pytest.mark.unit
def test_generation_gate_serialises_and_reports_busy():
    gate = GenerationGate(wait_s=0.2, serial=True)
    running = threading.Event()
    release = threading.Event()

    def slow_tokens():
        running.set()
        release.wait(5)
        yield "a"

    first = gate.run(slow_tokens, None)
    holder = threading.Thread(target=lambda: list(first))
    holder.start()
    assert running.wait(5)
    with pytest.raises(Busy, match="QA_GENERATION_WAIT_S"):
        list(gate.run(lambda: iter(["b"]), None))
    release.set()
    holder.join()
    assert list(gate.run(lambda: iter(["c", "d"]), None)) == ["c", "d"]  # the lock was released


@pytest.mark.unit
def test_generation_gate_stops_between_tokens_and_releases():
    gate = GenerationGate(wait_s=1, serial=True)
    stop = threading.Event()

    def tokens():
        for i in range(1000):
            if i == 3:
                stop.set()
            time.sleep(0.001)
            yield str(i)

    assert list(gate.run(tokens, stop)) == ["0", "1", "2"]
    assert list(gate.run(lambda: iter(["x"]), None)) == ["x"]
    stream = gate.run(lambda: iter(["p", "q", "r"]), None)
    assert next(stream) == "p"
    stream.close()  # a consumer that goes away mid-stream (a closed browser tab)
    assert list(gate.run(lambda: iter(["y"]), None)) == ["y"]
