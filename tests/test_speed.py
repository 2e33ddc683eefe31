"""Speed features: embedding precision and threads, ingest batching across files, the
benchmark suite itself (a smoke run, so `python -m bench.speed` keeps working)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from langchain_core.embeddings import Embeddings

from qa import Assistant, Settings, SettingsError
from qa.embeddings import make_embeddings
from testsupport.helpers import ROOT, SEED_ARTICLE


class RecordingEmbeddings(Embeddings):
    """Deterministic stand-in vectors that record each bulk call's size (no model; the index is still
    a real Chroma folder, so the tests using it are integration tests)."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.calls.append(len(texts))
        return [self.embed_query(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        vector = np.random.default_rng(abs(hash(text)) % 2**32).standard_normal(16)
        return (vector / np.linalg.norm(vector)).tolist()


def small_files(folder, count: int):
    folder.mkdir()
    for number in range(count):
        (folder / f"note-{number:02d}.txt").write_text(f"Note {number} says the budget was {number} million euros.\n")
    return folder


@pytest.mark.integration
def test_chunks_of_many_files_are_embedded_together(tmp_path):
    fake = RecordingEmbeddings()
    settings = Settings(index_dir=tmp_path / "index", embed_batch_size=256)
    bot = Assistant(settings, embeddings=fake)
    summary = bot.ingest([small_files(tmp_path / "notes", 30)])
    assert summary.count("added") == 30 and summary.chunks_written == 30
    assert fake.calls == [30]  # one forward batch for thirty small files, not thirty
    assert len(bot.documents()) == 30 and bot.chunk_count() == 30


@pytest.mark.integration
def test_batch_size_bounds_each_embedding_call(tmp_path):
    fake = RecordingEmbeddings()
    bot = Assistant(Settings(index_dir=tmp_path / "index", embed_batch_size=8), embeddings=fake)
    bot.ingest([small_files(tmp_path / "notes", 20)])
    # a batch closes once it holds at least 8 new chunks: memory stays bounded by the setting
    assert sum(fake.calls) == 20 and all(size <= 8 for size in fake.calls) and len(fake.calls) == 3


@pytest.mark.integration
def test_removing_a_file_touches_only_its_chunks(tmp_path):
    bot = Assistant(Settings(index_dir=tmp_path / "index"), embeddings=RecordingEmbeddings())
    folder = small_files(tmp_path / "notes", 12)
    bot.ingest([folder])
    removed = bot.remove(str((folder / "note-03.txt").resolve()))
    assert removed == 1 and bot.chunk_count() == 11 and len(bot.documents()) == 11


@pytest.mark.integration
def test_int8_vectors_rank_like_fp32(embeddings):
    """The int8 option keeps the fp32 model's geometry: vectors nearly parallel, same ranking."""
    int8 = make_embeddings(Settings(embedding_precision="int8").embedding)
    assert embeddings.identity.endswith("|fp32") and int8.identity.endswith("|int8")
    sentences = [s.strip() for s in SEED_ARTICLE.read_text(encoding="utf-8").split(".") if len(s.strip()) > 30][:25]
    a, b = np.asarray(int8.embed_documents(sentences)), np.asarray(embeddings.embed_documents(sentences))
    assert float(np.min(np.sum(a * b, axis=1))) > 0.9  # measured: 0.92-0.96 on these sentences
    question = "How many drones can Ukraine produce each year?"
    q8, q32 = np.asarray(int8.embed_query(question)), np.asarray(embeddings.embed_query(question))
    assert list(np.argsort(-(a @ q8))[:3]) == list(np.argsort(-(b @ q32))[:3])


@pytest.mark.integration
def test_thread_counts_follow_the_kind_of_work(tmp_path):
    import torch  # here, not at the top: importing torch costs the unit tier's collection seconds

    fake_model_settings = Settings(index_dir=tmp_path / "index", query_threads=1, ingest_threads=2)
    embeddings = make_embeddings(fake_model_settings.embedding)
    embeddings.embed_query("a question")
    assert torch.get_num_threads() == 1
    embeddings.embed_bulk(["a chunk", "another chunk"])
    assert torch.get_num_threads() == 2
    embeddings.embed_documents(["passage sentences while a question waits"])
    assert torch.get_num_threads() == 1


@pytest.mark.integration
def test_a_question_is_embedded_once_for_retrieval_and_the_sentence_choice(embeddings, monkeypatch):
    encoded: list[list[str]] = []
    encode = embeddings.model.encode

    def recording(texts, **options):
        encoded.append(list(texts))
        return encode(texts, **options)

    monkeypatch.setattr(embeddings.model, "encode", recording)
    question = "Which vectors does the question cache keep?"
    first = embeddings.embed_query(question)
    first[0] = 99.0  # a caller changing its copy changes nothing kept
    assert embeddings.embed_query(question) == embeddings.embed_query(question) != first
    assert encoded == [[question]]


@pytest.mark.integration
def test_an_index_refuses_vectors_of_another_precision(settings, embeddings):
    Assistant(settings, embeddings=embeddings).ingest([SEED_ARTICLE])
    other = make_embeddings(settings.changed(embedding_precision="int8").embedding)
    with pytest.raises(SettingsError, match="QA_EMBEDDING_PRECISION.*fp32.*int8"):
        Assistant(settings, embeddings=other)
    assert Assistant(settings, embeddings=embeddings).chunk_count() > 0  # the index is untouched


@pytest.mark.integration
def test_speed_suite_smoke(tmp_path):
    """Every case of `python -m bench.speed` once, on tiny inputs."""
    out = tmp_path / "speed"
    completed = subprocess.run(
        [sys.executable, "-m", "bench.speed", "--smoke", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,  # ~3 min on a quiet machine; a cold model load took 144 s on a saturated one
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    results = json.loads((out / "results.json").read_text())
    quiet, busy = results["ingest"]
    assert quiet["ratio"] > 0 and busy["busy"] and quiet["chunks"] > 0
    scale = results["scale"][0]
    assert scale["reingest_chunks"] == 0 and scale["change_1pct_chunks"] >= 1 and scale["remove_one_chunks"] >= 1
    assert scale["query"]["retrieve_hybrid"]["n"] == 4
    report = (out / "report.md").read_text()
    assert "| Ingest |" in report and "ratio" in report and "sidebar" in report
    api = results["api"]  # the HTTP API beside the Python API, in the same run
    assert [(r["errors"], r["differ"]) for r in api["throughput"]] == [(0, 0), (0, 0)]
    assert api["added_s"]["p50_ms"] > 0 and "HTTP API beside the Python API" in report


@pytest.mark.unit
def test_thread_chooser_times_both_counts_and_follows_the_faster():
    from qa.embeddings import ThreadChooser

    chooser = ThreadChooser([2, 1], probe_every=4)
    assert chooser.plan() == (2, 1)  # nothing measured: every core, timing one thread on the side
    chooser.record(2, 2.0, 1000)
    chooser.record(1, 1.0, 1000)  # one thread was faster (a busy machine)
    assert chooser.plan() == (1, None)
    assert chooser.plan() == (1, None)
    assert chooser.plan() == (1, 2)  # every 4th batch re-times the other count
    chooser.record(2, 0.2, 1000)  # the machine went quiet
    chooser.record(2, 0.2, 1000)
    assert chooser.plan()[0] == 2
