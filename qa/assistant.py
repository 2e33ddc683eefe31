"""The public entry point: ``Assistant(settings)`` ingests documents and answers questions.

One ``Assistant`` is safe to share between threads (the browser app shares one per server):
lazily built parts are built under a lock, the index is safe by construction, and the
local model generates for one question at a time."""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from collections.abc import Generator, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from langchain_core.embeddings import Embeddings

from qa.answer.answerability import Answerability
from qa.answer.backends import AnswerBackend, StageContext, backend_type
from qa.answer.calibration import Calibration
from qa.answer.chain import PassageRetriever
from qa.answer.followup import search_queries
from qa.answer.pipeline import build_answer, decide
from qa.answer.read import Reader
from qa.answer.select import SentenceVectors
from qa.conversations import ConversationStore
from qa.documents.chunking import TokenCounter
from qa.documents.loading import LoadLimits, load_document
from qa.documents.uploads import safe_file_name, save_upload
from qa.embeddings import make_embeddings, make_token_counter
from qa.errors import DocumentError, QAError, as_server_error
from qa.examples import ExampleCache, ExampleQuestion, choose_examples, interleave, prose_sentences, subject_question
from qa.index.document_index import DocumentIndex
from qa.index.ingest import ProgressCallback, expand_paths, ingest_files
from qa.retrieval.hybrid import HybridRetriever, RetrievalRequest
from qa.retrieval.rerank import CrossEncoderReranker
from qa.settings import Backend, RetrievalMode, Settings
from qa.types import Answer, DocumentInfo, FileResult, IngestSummary, Passage, Retrieved, SearchFilter

Turn = tuple[str, str]  # (question, answer text)
EMPTY_INDEX_TEXT = (
    "No documents are indexed yet. Add files (`python -m qa ingest PATH`, or Add files in the browser) and ask again."
)
EXAMPLE_SENTENCES_PER_DOCUMENT = 25  # parsed per document for example questions (~10 ms each)
EXAMPLE_BUDGET_S = 30.0  # asking candidates stops after this (about a second each)


@dataclass(frozen=True)
class AskOptions:
    """Per-question choices; anything left ``None`` comes from the settings."""

    backend: Backend | None = None
    top_k: int | None = None
    retrieval: RetrievalMode | None = None
    filters: SearchFilter | None = None  # search only some files (by name, path or metadata)


class Assistant:
    """Question answering over an indexed folder of documents, with cited passages.

    The embedding model loads at construction (pass ``embeddings`` to share one); a
    backend's generator loads on the first question that needs it."""

    def __init__(self, settings: Settings, collection: str | None = None, embeddings: Embeddings | None = None) -> None:
        """``collection`` overrides ``settings.storage.collection``; ``embeddings`` shares an already
        loaded model between assistants."""
        self.settings = settings
        self.embeddings = embeddings or make_embeddings(settings.embedding)
        self.index = DocumentIndex(settings.storage, self.embeddings, collection=collection)
        reranker = (
            CrossEncoderReranker(settings.retrieval.reranker_model) if settings.retrieval.reranker_model else None
        )
        self.retriever = HybridRetriever(self.index, self.embeddings, settings.retrieval, reranker)
        self._lock = threading.Lock()
        self._backends: dict[str, AnswerBackend] = {}
        self._count_tokens: TokenCounter | None = None
        self._sentence_vectors = SentenceVectors(self.embeddings)
        self.reader = Reader(
            settings.answering.reader_model, answerability=Answerability(settings.answering.answerability_model)
        )
        self.calibration = Calibration.load()
        self._examples = ExampleCache()
        self.conversations = ConversationStore(settings.storage.conversations_file)
        """Saved conversations (``list``, ``load``, ``create``, ``append``, ``rename``, ``delete``)."""

    def warm_up(self, backend: Backend | None = None) -> None:
        """Load now what the first ingest (the tokenizer) and the first question of ``backend``
        would otherwise load then."""
        self._token_counter()
        self.backend(backend).load()
        self.reader.warm_up()

    def close(self) -> None:
        """Release the index (on disk, Chroma keeps files open until the last client closes)."""
        self.index.close()

    # --- documents -------------------------------------------------------------------------
    def ingest(
        self, paths: Iterable[str | Path], on_progress: ProgressCallback | None = None, prune: bool = False
    ) -> IngestSummary:
        """Index files and folders. Unchanged files are skipped, moved ones relocated, changed
        ones replace their chunks; a file that fails is reported in the summary and leaves the
        index as it was. Files gone from an ingested folder are reported, or removed with ``prune``."""
        scan = expand_paths(paths, self.settings.ingest.follow_symlinks)
        return ingest_files(scan, self.index, self.settings.ingest, self._token_counter(), on_progress, prune)

    def ingest_upload(self, name: str, data: bytes, replace: bool = False) -> FileResult:
        """Save an uploaded file under ``settings.interface.upload_dir`` (safe, unique name, size limit)
        and index it. A different file of the same name is kept beside it unless ``replace``.
        An upload that fails leaves the index, and any earlier file of that name, as they were."""
        try:
            saved = save_upload(
                self.settings.interface.upload_dir, name, data, self.settings.interface.max_upload_bytes, replace
            )
        except DocumentError as exc:
            return FileResult(name, "failed", error=str(exc).removeprefix(f"{name}: "))
        result = self.ingest([saved.path]).files[0]
        if result.status == "failed":
            saved.restore()
            return result
        asked = safe_file_name(name)
        return dataclasses.replace(result, renamed_from=asked) if saved.path.name != asked else result

    def remove(self, source: str) -> int:
        """Drop one indexed file; returns how many chunks went. A file that was uploaded
        (stored under ``settings.interface.upload_dir``) is deleted from there too."""
        record = self.index.record(source)
        removed = self.index.remove(source)
        if record is not None:
            path = Path(os.fsdecode(record.path))
            if path.parent.resolve() == self.settings.interface.upload_dir.resolve():
                path.unlink(missing_ok=True)
        return removed

    def example_questions(self, count: int = 3, wait: float | None = None) -> list[ExampleQuestion] | None:
        """Questions a new user can click, made from sentences of the indexed documents and each
        checked by asking it (answered, with the expected phrase, citing its own passage).
        Computed once per index state in the background: waits at most ``wait`` seconds (None:
        until found) and returns None while they are still being found."""
        documents = self.documents()
        if not documents:
            return []
        key = (count, self.index.manifest.generation(), tuple((d.source, d.indexed_at) for d in documents))
        return self._examples.get(key, lambda: self._find_examples(documents, count), wait)

    def _find_examples(self, documents: Sequence[DocumentInfo], count: int) -> list[ExampleQuestion]:
        if not self.reader.enabled:
            return []
        per_document = []
        for document in documents:
            pages = [text for _, text in self.index.document_text(document.source)]
            sentences = prose_sentences(pages, EXAMPLE_SENTENCES_PER_DOCUMENT)
            drafted = [subject_question(doc) for doc in self.reader.parse(sentences)] if sentences else []
            made = [ExampleQuestion(q[0], document.source, s, q[1]) for s, q in zip(sentences, drafted) if q]
            per_document.append(sorted(made, key=lambda e: len(e.question)))  # short ones read best
        # Checked with the extractive backend: fast and deterministic, on the same passages a
        # generative backend would be given.
        options = AskOptions(backend="extractive")
        return choose_examples(
            interleave(per_document),
            lambda question: self.ask(question, options=options),
            count,
            max_asks=count * 3,
            budget_s=EXAMPLE_BUDGET_S,
        )

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
            loaded = load_document(path, LoadLimits.from_settings(self.settings.ingest))
            return [(p.number, p.text) for p in loaded.pages]
        except (DocumentError, OSError):
            return self.index.document_text(source)

    def needs_corpus(self) -> bool:
        """Whether the index is new (no file ever indexed) and ``settings.ingest.corpus_dir`` exists."""
        return not self.index.exists() and self.settings.ingest.corpus_dir.is_dir()

    def ensure_corpus(self, on_progress: ProgressCallback | None = None) -> IngestSummary | None:
        """Index ``settings.ingest.corpus_dir`` when the index is new, so a first question can be answered."""
        if self.needs_corpus():
            return self.ingest([self.settings.ingest.corpus_dir], on_progress=on_progress)
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

    def stream(
        self,
        question: str,
        history: Sequence[Turn] = (),
        options: AskOptions | None = None,
        stop: threading.Event | None = None,
    ) -> Generator[Retrieved | str | Answer, None, None]:
        """Yield a ``Retrieved`` event (the passages found), then generated text as it is
        produced (``str``; generative backends only), then the final ``Answer``.

        The stages: follow-up queries → retrieve and fuse → the backend's pick (extractive:
        select from each search) → write (generative: the draft) → check (extractive: the
        selection; generative: ground the draft) → decide. The streamed draft is what the model
        wrote; the ``Answer`` holds the grounded text (unsupported sentences dropped, citations
        renumbered), which is what to keep. Setting ``stop`` ends the generation between tokens;
        the answer then rests on the draft so far."""
        question = question.strip()
        if not question:
            raise QAError("The question is empty.")
        options = options or AskOptions()
        name = options.backend or self.settings.answering.backend
        started = time.perf_counter()
        timings: dict[str, float] = {}
        if self.index.is_empty():
            yield build_answer(question, question, [], [], name, EMPTY_INDEX_TEXT, timings, started)
            return
        context = StageContext(self.settings, self._sentence_vectors, self.reader, self.calibration)
        try:
            backend = self.backend(name)
            backend.load()
            queries = search_queries(question, history, backend.condense_model)
            timings["condense_s"] = time.perf_counter() - started
            found = [(query, self._retrieve(query, options)) for query in queries]
            timings["retrieve_s"] = time.perf_counter() - started - timings["condense_s"]
            choice = backend.pick(question, found, context)
            yield Retrieved(choice.query, choice.passages)
            draft = ""
            for token in backend.write(question, choice.passages, stop, context):
                timings.setdefault("first_token_s", time.perf_counter() - started)
                draft += token
                yield token
        except QAError:
            raise
        except Exception as exc:
            error = as_server_error(exc, self.settings.generation.openai_base_url, "QA_OPENAI_BASE_URL")
            if error is exc:
                raise
            raise error from exc
        timings["generate_s"] = time.perf_counter() - started - timings["condense_s"] - timings["retrieve_s"]
        decision = backend.check(question, choice, draft, context)
        yield decide(
            question,
            choice.query,
            choice.passages,
            decision,
            name,
            timings,
            started,
            backend.answer_threshold(context),
            stopped=backend.generative and stop is not None and stop.is_set(),
        )

    def as_retriever(self, options: AskOptions | None = None) -> PassageRetriever:
        """This assistant's hybrid search as a LangChain retriever (for use in other chains)."""
        options = options or AskOptions()
        return PassageRetriever(
            retriever=self.retriever,
            k=options.top_k or self.settings.retrieval.top_k,
            mode=options.retrieval or self.settings.retrieval.mode,
            filters=options.filters,
            neighbours=self.settings.retrieval.neighbour_chunks,
        )

    # --- the stages ------------------------------------------------------------------------
    def backend(self, name: Backend | None = None) -> AnswerBackend:
        """The answer backend called ``name`` (default: the settings'), built once; its model
        loads on first use. An unknown name is a ``SettingsError``."""
        name = name or self.settings.answering.backend
        with self._lock:
            if name not in self._backends:
                self._backends[name] = backend_type(name)(self.settings)
            return self._backends[name]

    def search(self, query: str, options: AskOptions | None = None) -> list[Passage]:
        """The passages a question's retrieve-and-fuse stage finds for ``query``, without an
        answer: ``options`` choose top-k, the search mode and filters (the rest as the settings say)."""
        options = options or AskOptions()
        request = RetrievalRequest(
            query,
            options.top_k or self.settings.retrieval.top_k,
            options.retrieval or self.settings.retrieval.mode,
            options.filters,
            self.settings.retrieval.neighbour_chunks,
        )
        return self.retriever.retrieve(request)

    def _retrieve(self, query: str, options: AskOptions) -> list[Passage]:
        return self.search(query, options)

    def _token_counter(self):
        with self._lock:
            if self._count_tokens is None:
                self._count_tokens = make_token_counter(self.settings.embedding)
            return self._count_tokens
