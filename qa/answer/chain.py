"""LangChain seams of the answer path: the hybrid search as a retriever, the draft as an LCEL chain
(prompt | model | parser), and the gate that serialises a local model."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.language_models import BaseChatModel, BaseLLM
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import BasePromptTemplate
from langchain_core.retrievers import BaseRetriever

from qa.errors import Busy
from qa.retrieval.hybrid import RetrievalRequest
from qa.settings import RetrievalMode
from qa.types import Passage


class PassageRetriever(BaseRetriever):
    """The hybrid retriever behind LangChain's retriever seam: documents carry the ``Passage``
    (with its relevance and rank score) in ``metadata['passage']``."""

    retriever: Any
    k: int = 4
    mode: RetrievalMode = "hybrid"
    filters: Any = None
    neighbours: int = 0

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        request = RetrievalRequest(query, self.k, self.mode, self.filters, self.neighbours)
        return [
            Document(page_content=p.text, id=p.chunk_id, metadata={"passage": p, "source": p.source})
            for p in self.retriever.retrieve(request)
        ]


def to_passages(docs: list[Document]) -> list[Passage]:
    return [d.metadata["passage"] for d in docs]


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


def draft_tokens(
    prompt: BasePromptTemplate,
    generator: BaseLLM | BaseChatModel,
    gate: GenerationGate,
    question: str,
    passages: list[Passage],
    stop: threading.Event | None = None,
) -> Iterator[str]:
    """The generate stage: the model's draft answer from numbered passages (``prompt``: the one
    its backend writes for it), streamed through the gate (one generation at a time for a local
    model; ``stop`` ends it between tokens)."""
    # langchain's stubs type `prompt | (BaseLLM | BaseChatModel)` as producing object, which `|` then refuses
    draft_chain = prompt | generator | StrOutputParser()  # type: ignore[operator]
    inputs = {"passages": format_passages(passages), "question": question}
    yield from gate.run(lambda: draft_chain.stream(inputs), stop)
