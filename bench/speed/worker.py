"""One measurement in a fresh process (so model loads are cold and peak RSS is the case's own):
``python -m bench.speed.worker CASE '{json args}'`` prints one JSON line."""

from __future__ import annotations

import hashlib
import json
import resource
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def percentiles(values: list[float]) -> dict:
    from qa.evaluation.metrics import percentile  # here: a case imports only what it measures

    p50, p95 = percentile(values, 50), percentile(values, 95)
    assert p50 is not None and p95 is not None  # every case times at least one call
    return {"p50_ms": p50 * 1000, "p95_ms": p95 * 1000, "n": len(values)}


class HashVectors(Embeddings):
    """Stand-in vectors (unit vectors seeded by the text's hash) for building very large
    indexes quickly: search cost and memory are those of real vectors of the same size."""

    def __init__(self, dims: int = 384) -> None:
        self.dims = dims

    def _vector(self, text: str) -> list[float]:
        seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
        vector = np.random.default_rng(seed).standard_normal(self.dims).astype(np.float32)
        return (vector / np.linalg.norm(vector)).tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)


def _settings(args: dict):
    from qa import Settings

    return Settings(index_dir=Path(args["index_dir"]), **args.get("settings", {}))


def _chars(folder: Path) -> int:
    return sum(len(p.read_text(encoding="utf-8")) for p in folder.rglob("*.txt"))


def load_model(args: dict) -> dict:
    started = time.perf_counter()
    from qa.embeddings import make_embeddings

    settings = _settings(args)
    make_embeddings(settings.embedding)
    cold = time.perf_counter() - started
    started = time.perf_counter()
    make_embeddings(settings.embedding)
    warm = time.perf_counter() - started
    return {"cold_s": cold, "warm_s": warm, "rss_mb": peak_rss_mb()}


def ingest_ours(args: dict) -> dict:
    from qa import Assistant

    settings = _settings(args)
    embeddings = HashVectors() if args.get("hash_vectors") else None
    assistant = Assistant(settings, embeddings=embeddings)
    assistant.warm_up("extractive")  # the tokenizer loads before the clock, as the model does
    folder = Path(args["folder"])
    started = time.perf_counter()
    summary = assistant.ingest([folder])
    seconds = time.perf_counter() - started
    assistant.close()
    return {
        "seconds": seconds,
        "chunks": summary.chunks_written,
        "files": len(summary.files),
        "failed": len(summary.failed),
        "chars": _chars(folder),
        "rss_mb": peak_rss_mb(),
    }


def ingest_tutorial(args: dict) -> dict:
    """LangChain's RAG tutorial: load, RecursiveCharacterTextSplitter(1000, 200), Chroma.from_documents,
    with the same MiniLM through HuggingFaceEmbeddings at its defaults."""
    from langchain_chroma import Chroma
    from langchain_community.document_loaders import DirectoryLoader, TextLoader
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from qa.embeddings import resolve_embedding_model
    from qa.settings import PACKAGED_EMBEDDING_MODEL

    embeddings = HuggingFaceEmbeddings(model_name=resolve_embedding_model(PACKAGED_EMBEDDING_MODEL))
    folder = Path(args["folder"])
    started = time.perf_counter()
    docs = DirectoryLoader(str(folder), glob="*.txt", loader_cls=TextLoader).load()
    splits = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(docs)
    Chroma.from_documents(splits, embeddings, persist_directory=args["index_dir"])
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "chunks": len(splits),
        "files": len(docs),
        "chars": _chars(folder),
        "rss_mb": peak_rss_mb(),
    }


def update(args: dict) -> dict:
    """Re-ingest the folder after ``action``: unchanged, a share of files changed, or one file removed."""
    from bench.speed.corpus import change_files
    from qa import Assistant

    settings = _settings(args)
    assistant = Assistant(settings, embeddings=HashVectors() if args.get("hash_vectors") else None)
    assistant.warm_up("extractive")
    folder = Path(args["folder"])
    action = args["action"]
    changed = 0
    if action == "change":
        changed = change_files(folder, args["share"], seed=args.get("seed", 11))
    started = time.perf_counter()
    if action == "remove":
        source = assistant.documents()[len(assistant.documents()) // 2].source
        chunks = assistant.remove(source)
    else:
        chunks = assistant.ingest([folder]).chunks_written
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "chunks": chunks, "changed_files": changed, "rss_mb": peak_rss_mb()}


def query(args: dict) -> dict:
    """Retrieval per mode, extractive answers end to end (one client, then ``clients`` threads
    sharing one assistant, as the browser app does), and the sidebar's reads."""
    from qa import AskOptions, Assistant

    settings = _settings(args)
    assistant = Assistant(settings)
    questions = args["questions"]
    assistant.ask(questions[0])  # warm-up: first-call allocations
    result: dict = {"chunks": assistant.chunk_count()}
    for mode in ("dense", "keyword", "hybrid"):
        times = []
        for question in questions:
            started = time.perf_counter()
            assistant.search(question, AskOptions(retrieval=mode))
            times.append(time.perf_counter() - started)
        result[f"retrieve_{mode}"] = percentiles(times)
    times = []
    for question in questions:
        started = time.perf_counter()
        assistant.ask(question)
        times.append(time.perf_counter() - started)
    result["answer_extractive"] = percentiles(times)
    clients = args.get("clients", 8)
    times, lock = [], threading.Lock()

    def one(question: str) -> None:
        started = time.perf_counter()
        assistant.ask(question)
        with lock:
            times.append(time.perf_counter() - started)

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, questions * max(1, clients * 2 // len(questions) + 1)))
    result[f"answer_extractive_{clients}_clients"] = percentiles(times)
    times = []
    for _ in range(5):
        started = time.perf_counter()
        assistant.documents()
        assistant.chunk_count()
        times.append(time.perf_counter() - started)
    result["sidebar"] = percentiles(times)
    result["rss_mb"] = peak_rss_mb()
    return result


def local(args: dict) -> dict:
    """The local backend: model load (the GGUF already assembled), first token, full answer."""
    from qa import AskOptions, Assistant

    settings = _settings(args)
    assistant = Assistant(settings)
    started = time.perf_counter()
    assistant.warm_up("local")
    load = time.perf_counter() - started
    firsts, totals = [], []
    for question in args["questions"]:
        answer = assistant.ask(question, options=AskOptions(backend="local"))
        totals.append(answer.timings["total_s"])
        if "first_token_s" in answer.timings:
            firsts.append(answer.timings["first_token_s"])
    return {
        "load_s": load,
        "first_token": percentiles(firsts) if firsts else None,
        "answer": percentiles(totals),
        "rss_mb": peak_rss_mb(),
    }


CASES = {f.__name__: f for f in (load_model, ingest_ours, ingest_tutorial, update, query, local)}

if __name__ == "__main__":
    print(json.dumps(CASES[sys.argv[1]](json.loads(sys.argv[2]))))
