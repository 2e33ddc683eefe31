"""The LCEL retrieval chain: retrieve scored passages, then (for generative backends) draft an answer."""

from __future__ import annotations

from operator import itemgetter
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.language_models import BaseChatModel, BaseLLM
from langchain_core.output_parsers import StrOutputParser
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableBranch, RunnableLambda, RunnablePassthrough

from qa.types import Passage
from qa.llm import prompt_for
from qa.store import DocumentIndex


class ScoredRetriever(BaseRetriever):
    """Top-k chunks from the index, each with its cosine relevance in ``metadata['score']``."""

    index: Any
    k: int = 4

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun) -> list[Document]:
        docs = []
        for doc, score in self.index.search(query, self.k):
            doc.metadata["score"] = score
            docs.append(doc)
        return docs


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


def build_chain(index: DocumentIndex, k: int, min_relevance: float, generator: BaseLLM | BaseChatModel | None) -> Runnable:
    """Input ``{"question", "search_query"}``; output adds ``passages`` (list of ``Passage``)
    and ``draft`` (generated text, streamed; empty when nothing relevant was found or there is
    no generator)."""
    retrieve = itemgetter("search_query") | ScoredRetriever(index=index, k=k) | RunnableLambda(to_passages)
    chain = RunnablePassthrough.assign(passages=retrieve)
    if generator is None:
        return chain
    generate = (
        RunnableLambda(lambda x: {"passages": format_passages(x["passages"]), "question": x["question"]})
        | prompt_for(generator)
        | generator
        | StrOutputParser()
    )
    nothing_relevant = RunnableLambda(lambda x: not x["passages"] or x["passages"][0].score < min_relevance)
    return chain | RunnablePassthrough.assign(draft=RunnableBranch((nothing_relevant, RunnableLambda(lambda _: "")), generate))
