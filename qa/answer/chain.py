"""The LCEL retrieval chain: retrieve scored passages, then (for generative backends) draft an answer."""

from __future__ import annotations

import threading
from operator import itemgetter
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.language_models import BaseChatModel, BaseLLM
from langchain_core.output_parsers import StrOutputParser
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableLambda, RunnablePassthrough

from qa.answer.generate import prompt_for
from qa.errors import Busy
from qa.types import Passage


class ScoredRetriever(BaseRetriever):
    """Top-k visible chunks from the index, each with its cosine relevance in ``metadata['score']``."""

    index: Any
    embeddings: Any
    k: int = 4

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        if self.index.is_empty():
            return []
        hits = self.index.search(self.embeddings.embed_query(query), self.k)
        return [
            Document(page_content=h.text, id=h.chunk_id,
                     metadata={"source": h.source, "title": h.title, "page": h.page, "score": h.relevance})
            for h in hits
        ]


def to_passages(docs: list[Document]) -> list[Passage]:
    return [
        Passage(
            number=i + 1,
            chunk_id=str(d.id or ""),
            text=d.page_content,
            source=str(d.metadata.get("source", "")),
            title=str(d.metadata.get("title", "")),
            page=int(d.metadata["page"]) if d.metadata.get("page") else None,
            score=float(d.metadata.get("score", 0.0)),
        )
        for i, d in enumerate(docs)
    ]


def format_passages(passages: list[Passage]) -> str:
    return "\n".join(f"[{p.number}] {' '.join(p.text.split())}" for p in passages)


class GenerationGate:
    """One generation at a time per model (llama.cpp contexts are not thread-safe): a bounded
    wait, then a clear "busy" error; a stop event ends the generation between tokens."""

    def __init__(self, wait_s: float, serial: bool) -> None:
        self.wait_s = wait_s
        self.serial = serial
        self._lock = threading.Lock()

    def run(self, tokens_of, stop: threading.Event | None):
        if self.serial and not self._lock.acquire(timeout=self.wait_s):
            raise Busy(
                f"The local model is busy answering other questions (waited {self.wait_s:g} s, "
                "QA_GENERATION_WAIT_S). Try again in a moment, or choose the extractive backend."
            )
        try:
            for token in tokens_of():
                if stop is not None and stop.is_set():
                    break
                yield token
        finally:
            if self.serial:
                self._lock.release()


def build_chain(index, embeddings, k: int, min_relevance: float,
                generator: BaseLLM | BaseChatModel | None, gate: GenerationGate | None = None,
                stop: threading.Event | None = None) -> Runnable:
    """Input ``{"question", "search_query"}``; output adds ``passages`` (list of ``Passage``)
    and ``draft`` (generated text, streamed; empty when nothing relevant was found or there is
    no generator)."""
    retriever = ScoredRetriever(index=index, embeddings=embeddings, k=k)
    retrieve = itemgetter("search_query") | retriever | RunnableLambda(to_passages)
    chain = RunnablePassthrough.assign(passages=retrieve)
    if generator is None:
        return chain
    gate = gate or GenerationGate(wait_s=60.0, serial=False)
    draft_chain = prompt_for(generator) | generator | StrOutputParser()

    def draft(x: dict):
        passages = x["passages"]
        if not passages or passages[0].score < min_relevance:
            return
        inputs = {"passages": format_passages(passages), "question": x["question"]}
        yield from gate.run(lambda: draft_chain.stream(inputs), stop)

    return chain | RunnablePassthrough.assign(draft=RunnableLambda(draft))
