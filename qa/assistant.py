"""The public entry point: ``Assistant(settings)`` ingests documents and answers questions.

One ``Assistant`` is safe to share between threads (the browser app shares one per server):
lazily built parts are built under a lock, the index is safe by construction, and the
local model generates for one question at a time."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from langchain_core.embeddings import Embeddings

from qa.answer.chain import GenerationGate, build_chain
from qa.answer.followup import condense_question
from qa.answer.generate import make_generator
from qa.answer.ground import REFUSAL_TEXT, assemble, ground_generated
from qa.answer.select import SentenceVectors, extract_claims
from qa.documents.loading import LoadLimits, load_document
from qa.documents.uploads import save_upload
from qa.embeddings import make_embeddings, make_token_counter
from qa.errors import DocumentError, QAError, as_server_error
from qa.index.document_index import DocumentIndex
from qa.index.ingest import ProgressCallback, expand_paths, ingest_files
from qa.settings import Backend, Settings
from qa.types import Answer, DocumentInfo, FileResult, IngestSummary, Passage

Turn = tuple[str, str]  # (question, answer text)
EMPTY_INDEX_TEXT = "No documents are indexed yet. Add files (`python -m qa ingest PATH`, or Add files in the browser) and ask again."


@dataclass(frozen=True)
class AskOptions:
    """Per-question choices; anything left ``None`` comes from the settings."""

    backend: Backend | None = None
    top_k: int | None = None


class Assistant:
    """Question answering over an indexed folder of documents, with cited passages.

    The embedding model loads at construction (pass ``embeddings`` to share one); a
    generator loads on the first question that needs it."""

    def __init__(self, settings: Settings, collection: str | None = None, embeddings: Embeddings | None = None) -> None:
        """``collection`` overrides ``settings.collection``; ``embeddings`` shares an already
        loaded model between assistants."""
        self.settings = settings
        self.embeddings = embeddings or make_embeddings(settings)
        self.index = DocumentIndex(settings, self.embeddings, collection=collection)
        self._lock = threading.Lock()
        self._generators: dict[str, tuple[object, GenerationGate]] = {}
        self._count_tokens = None
        self._sentence_vectors = SentenceVectors(self.embeddings)

    def close(self) -> None:
        """Release the index (on disk, Chroma keeps files open until the last client closes)."""
        self.index.close()

    # --- documents -------------------------------------------------------------------------
    def ingest(self, paths: Iterable[str | Path], on_progress: ProgressCallback | None = None,
               prune: bool = False) -> IngestSummary:
        """Index files and folders. Unchanged files are skipped, moved ones relocated, changed
        ones replace their chunks; a file that fails is reported in the summary and leaves the
        index as it was. Files gone from an ingested folder are reported, or removed with ``prune``."""
        scan = expand_paths(paths, self.settings.follow_symlinks)
        return ingest_files(scan, self.index, self.settings, self._token_counter(), on_progress, prune)

    def ingest_upload(self, name: str, data: bytes, replace: bool = False) -> FileResult:
        """Save an uploaded file under ``settings.upload_dir`` (safe, unique name, size limit)
        and index it. A different file of the same name is kept beside it unless ``replace``.
        An upload that fails leaves the index, and any earlier file of that name, as they were."""
        try:
            saved = save_upload(self.settings.upload_dir, name, data, self.settings.max_upload_bytes, replace)
        except DocumentError as exc:
            return FileResult(name, "failed", error=str(exc).removeprefix(f"{name}: "))
        result = self.ingest([saved.path]).files[0]
        if result.status == "failed":
            saved.restore()
        return result

    def remove(self, source: str) -> int:
        """Drop one indexed file; returns how many chunks went."""
        return self.index.remove(source)

    def documents(self) -> list[DocumentInfo]:
        """Indexed files, from the manifest (one row per file, whatever the chunk count)."""
        return self.index.documents()

    def chunk_count(self) -> int:
        return self.index.chunk_count()

    def document_pages(self, source: str) -> list[tuple[int | None, str]]:
        """The whole text of an indexed file as (page, text) pairs: read afresh from the file,
        or pieced from its stored chunks when the file is gone or unreadable."""
        record = self.index.record(source)
        path = Path(os.fsdecode(record.path)) if record else Path(source)
        try:
            loaded = load_document(path, LoadLimits.from_settings(self.settings))
            return [(p.number, p.text) for p in loaded.pages]
        except (DocumentError, OSError):
            return self.index.document_text(source)

    def ensure_corpus(self) -> IngestSummary | None:
        """Index ``settings.corpus_dir`` when the index is new (no file ever indexed), so a
        first question can be answered."""
        if not self.index.manifest.exists and self.settings.corpus_dir.is_dir():
            return self.ingest([self.settings.corpus_dir])
        return None

    # --- questions -------------------------------------------------------------------------
    def ask(self, question: str, history: Sequence[Turn] = (), options: AskOptions | None = None) -> Answer:
        """Answer one question; ``history`` holds earlier turns of the conversation."""
        answer = None
        for event in self.stream(question, history, options):
            if isinstance(event, Answer):
                answer = event
        assert answer is not None
        return answer

    def stream(self, question: str, history: Sequence[Turn] = (), options: AskOptions | None = None,
               stop: threading.Event | None = None) -> Iterator[str | Answer]:
        """Yield generated text as it is produced, then the final ``Answer``.

        The streamed draft is what the model wrote; the ``Answer`` holds the grounded text
        (unsupported sentences dropped, citations renumbered), which is what to keep. Setting
        ``stop`` ends the generation between tokens; the answer then rests on the draft so far."""
        question = question.strip()
        if not question:
            raise QAError("The question is empty.")
        options = options or AskOptions()
        backend = options.backend or self.settings.backend
        top_k = options.top_k or self.settings.top_k
        started = time.perf_counter()
        timings: dict[str, float] = {}
        if self.index.is_empty():
            yield self._answer(question, question, [], [], backend, EMPTY_INDEX_TEXT, timings, started)
            return
        passages: list[Passage] = []
        draft = ""
        try:
            generator, gate = self._generator(backend)
            search_query = condense_question(question, history, generator if backend == "openai" else None)
            timings["condense_s"] = time.perf_counter() - started
            chain = build_chain(self.index, self.embeddings, top_k, self.settings.min_relevance, generator, gate, stop)
            for chunk in chain.stream({"question": question, "search_query": search_query}):
                if "passages" in chunk:
                    passages = chunk["passages"]
                    timings["retrieve_s"] = time.perf_counter() - started - timings["condense_s"]
                if chunk.get("draft"):
                    timings.setdefault("first_token_s", time.perf_counter() - started)
                    draft += chunk["draft"]
                    yield chunk["draft"]
        except QAError:
            raise
        except Exception as exc:
            error = as_server_error(exc, self.settings.openai_base_url, "QA_OPENAI_BASE_URL")
            if error is exc:
                raise
            raise error from exc
        yield self._finish(question, search_query, passages, draft, backend, timings, started,
                           stopped=stop is not None and stop.is_set())

    def _finish(self, question, search_query, passages, draft, backend, timings, started, stopped=False) -> Answer:
        s = self.settings
        generated_at = time.perf_counter()
        claims = []
        if passages and passages[0].score >= s.min_relevance:
            if backend == "extractive":
                claims = extract_claims(search_query, passages, self._sentence_vectors, s.min_sentence_score)
            else:
                claims = ground_generated(draft, passages, s.min_support)
        timings["ground_s"] = time.perf_counter() - generated_at
        # "generate" is all the answering work after retrieval: the model's draft, or the
        # extractive sentence ranking, plus grounding.
        timings["generate_s"] = time.perf_counter() - started - timings.get("condense_s", 0.0) - timings.get("retrieve_s", 0.0)
        return self._answer(question, search_query, passages, claims, backend, REFUSAL_TEXT, timings, started, stopped)

    @staticmethod
    def _answer(question, search_query, passages, claims, backend, refusal_text, timings, started, stopped=False) -> Answer:
        text, citations = assemble(claims, passages) if claims else (refusal_text, [])
        timings["total_s"] = time.perf_counter() - started
        return Answer(
            question=question, text=text, citations=citations, refused=not claims, backend=backend,
            search_query=search_query, timings={k: round(v, 4) for k, v in timings.items()}, passages=passages,
            stopped=stopped,
        )

    def _generator(self, backend: str):
        """The generator of a backend (None for extractive) and its gate, built once."""
        with self._lock:
            if backend not in self._generators:
                settings = self.settings.model_copy(update={"backend": backend})
                generator = make_generator(settings)
                self._generators[backend] = (generator, GenerationGate(self.settings.generation_wait_s,
                                                                       serial=backend == "local"))
            return self._generators[backend]

    def _token_counter(self):
        with self._lock:
            if self._count_tokens is None:
                self._count_tokens = make_token_counter(self.settings)
            return self._count_tokens
