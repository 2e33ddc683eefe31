"""The public entry point: ``Assistant(settings)`` ingests documents and answers questions."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from langchain_core.embeddings import Embeddings

from qa.chain import build_chain
from qa.citations import REFUSAL_TEXT, assemble, ground_generated
from qa.embeddings import make_embeddings, make_token_counter
from qa.errors import DocumentError, QAError, as_server_error
from qa.loading import load_document
from qa.extractive import SentenceVectors, extract_claims
from qa.followup import condense_question
from qa.ingest import ProgressCallback, expand_paths, ingest_files
from qa.llm import make_generator
from qa.settings import Settings
from qa.store import DocumentIndex
from qa.types import Answer, DocumentInfo, FileResult, IngestSummary, Passage
from qa.uploads import safe_file_name, save_upload

Turn = tuple[str, str]  # (question, answer text)


class Assistant:
    """Question answering over an indexed folder of documents, with cited passages.

    The embedding model loads at construction (pass ``embeddings`` to share one); the
    generator loads on the first question."""

    def __init__(self, settings: Settings, collection: str | None = None, embeddings: Embeddings | None = None) -> None:
        """``collection`` overrides ``settings.collection``; ``embeddings`` shares an already
        loaded model between assistants."""
        self.settings = settings
        self.embeddings = embeddings or make_embeddings(settings)
        self.index = DocumentIndex(settings, self.embeddings, collection=collection)
        self._chain = None
        self._generator = None
        self._count_tokens = None
        self._sentence_vectors = SentenceVectors(self.embeddings)

    # --- documents -------------------------------------------------------------------------
    def ingest(self, paths: Iterable[str | Path], on_progress: ProgressCallback | None = None) -> IngestSummary:
        """Index files and folders. Unchanged files are skipped; changed files replace their chunks;
        a file that fails is reported in the summary and leaves the index as it was."""
        files = expand_paths(paths)
        if self._count_tokens is None:
            self._count_tokens = make_token_counter(self.settings)
        return ingest_files(files, self.index, self.settings, self._count_tokens, on_progress)

    def ingest_upload(self, name: str, data: bytes) -> FileResult:
        """Save an uploaded file under ``settings.upload_dir`` (safe name, size limit) and index it.
        An upload that fails leaves the index, and any earlier file of that name, as they were."""
        earlier = self.settings.upload_dir / safe_file_name(name)
        earlier_bytes = earlier.read_bytes() if earlier.is_file() else None
        try:
            path = save_upload(self.settings.upload_dir, name, data, self.settings.max_upload_bytes)
        except DocumentError as exc:
            return FileResult(name, "failed", error=str(exc).removeprefix(f"{name}: "))
        result = self.ingest([path]).files[0]
        if result.status == "failed":
            if earlier_bytes is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(earlier_bytes)
        return result

    def remove(self, source: str) -> int:
        """Drop one indexed file; returns how many chunks went."""
        return self.index.remove(source)

    def documents(self) -> list[DocumentInfo]:
        return self.index.documents()

    def chunk_count(self) -> int:
        return self.index.chunk_count()

    def document_pages(self, source: str) -> list[tuple[int | None, str]]:
        """The whole text of an indexed file as (page, text) pairs: read afresh from the file,
        or pieced from its stored chunks when the file is gone or unreadable."""
        try:
            loaded = load_document(Path(source), max_bytes=self.settings.max_file_bytes)
            return [(p.number, p.text) for p in loaded.pages]
        except DocumentError:
            return self.index.document_text(source)

    def ensure_corpus(self) -> IngestSummary | None:
        """Index ``settings.corpus_dir`` when the index is empty, so a first question can be answered."""
        if self.chunk_count() == 0 and self.settings.corpus_dir.is_dir():
            return self.ingest([self.settings.corpus_dir])
        return None

    # --- questions -------------------------------------------------------------------------
    def ask(self, question: str, history: Sequence[Turn] = ()) -> Answer:
        """Answer one question; ``history`` holds earlier turns of the conversation."""
        answer = None
        for event in self.stream(question, history):
            if isinstance(event, Answer):
                answer = event
        assert answer is not None
        return answer

    def stream(self, question: str, history: Sequence[Turn] = ()) -> Iterator[str | Answer]:
        """Yield generated text as it is produced, then the final ``Answer``.

        The streamed draft is what the model wrote; the ``Answer`` holds the grounded text
        (unsupported sentences dropped, citations renumbered), which is what to keep."""
        question = question.strip()
        if not question:
            raise QAError("the question is empty")
        started = time.perf_counter()
        timings: dict[str, float] = {}
        passages: list[Passage] = []
        draft = ""
        try:
            search_query = condense_question(question, history, self._chat_model())
            timings["condense_s"] = time.perf_counter() - started
            for chunk in self._get_chain().stream({"question": question, "search_query": search_query}):
                if "passages" in chunk:
                    passages = chunk["passages"]
                    timings["retrieve_s"] = time.perf_counter() - started - timings["condense_s"]
                if chunk.get("draft"):
                    timings.setdefault("first_token_s", time.perf_counter() - started)
                    draft += chunk["draft"]
                    yield chunk["draft"]
        except Exception as exc:
            error = as_server_error(exc, self.settings.openai_base_url, "QA_OPENAI_BASE_URL")
            if error is exc:
                raise
            raise error from exc
        yield self._finish(question, search_query, passages, draft, timings, started)

    def _finish(self, question, search_query, passages, draft, timings, started) -> Answer:
        s = self.settings
        generated_at = time.perf_counter()
        claims = []
        if passages and passages[0].score >= s.min_relevance:
            if s.backend == "extractive":
                claims = extract_claims(search_query, passages, self._sentence_vectors, s.min_sentence_score)
            else:
                claims = ground_generated(draft, passages, s.min_support)
        text, citations = assemble(claims, passages) if claims else (REFUSAL_TEXT, [])
        finished = time.perf_counter()
        # "generate" is all the answering work after retrieval: the model's draft, or the
        # extractive sentence ranking, plus grounding; "ground_s" is that last part alone.
        timings["generate_s"] = finished - started - timings["condense_s"] - timings.get("retrieve_s", 0.0)
        timings["ground_s"] = finished - generated_at
        timings["total_s"] = finished - started
        return Answer(
            question=question,
            text=text,
            citations=citations,
            refused=not claims,
            backend=s.backend,
            search_query=search_query,
            timings={k: round(v, 4) for k, v in timings.items()},
            passages=passages,
        )

    def _chat_model(self):
        """The generator, when it can rewrite follow-ups (a chat model); None otherwise."""
        if self.settings.backend != "openai":
            return None
        if self._generator is None:
            self._generator = make_generator(self.settings)
        return self._generator

    def _get_chain(self):
        if self._chain is None:
            s = self.settings
            if self._generator is None:
                self._generator = make_generator(s)
            self._chain = build_chain(self.index, s.top_k, s.min_relevance, self._generator)
        return self._chain
