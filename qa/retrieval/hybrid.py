"""The retrieve and fuse stages: dense and keyword searches, one fused order, cosine relevance."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from langchain_core.embeddings import Embeddings

from qa.index.document_index import DocumentIndex, StoredChunk
from qa.retrieval.fusion import reciprocal_rank_fusion, score_fusion
from qa.retrieval.keyword import match_expression
from qa.settings import RetrievalMode, RetrievalSettings
from qa.types import Passage, SearchFilter

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetrievalRequest:
    """What one search needs: the query, how many passages, how to search, which files."""

    query: str
    k: int
    mode: RetrievalMode = "hybrid"
    filters: SearchFilter | None = None
    neighbours: int = 0


class HybridRetriever:
    """Dense (Chroma) and keyword (FTS5/BM25) search, fused by scaled scores (or reciprocal
    rank, by setting). Each passage
    keeps its cosine relevance to the query, whichever search found it. Safe to share between
    threads (it holds no per-query state)."""

    def __init__(
        self, index: DocumentIndex, embeddings: Embeddings, retrieval: RetrievalSettings, reranker=None
    ) -> None:
        """``reranker`` (e.g. ``CrossEncoderReranker``) reorders the fused candidates."""
        self.index = index
        self.embeddings = embeddings
        self.weights = {"dense": retrieval.dense_weight, "keyword": retrieval.keyword_weight}
        self.candidates = retrieval.candidates
        self.fusion = retrieval.fusion
        self.reranker = reranker

    def retrieve(self, request: RetrievalRequest) -> list[Passage]:
        doc_ids: list[str] | None = None
        locations: list[str] | None = None
        filters = request.filters
        if filters is not None and (filters.sources or filters.metadata):
            doc_ids = self.index.doc_ids_matching(filters)
            if not doc_ids:
                return []
        if filters is not None and filters.section.strip():
            locations = self.index.locations_matching(filters.section, doc_ids)
            if not locations:
                return []
        vector = self.embeddings.embed_query(request.query)
        fetch = max(self.candidates, request.k)
        scored: dict[str, list[tuple[str, float]]] = {}
        relevance: dict[str, float] = {}
        if request.mode in ("dense", "hybrid"):
            hits = self.index.search(vector, fetch, doc_ids, locations)
            scored["dense"] = hits
            relevance.update(hits)
        if request.mode in ("keyword", "hybrid"):
            scored["keyword"] = self.index.keyword_search(match_expression(request.query), fetch, doc_ids, locations)
        rankings = {name: [chunk_id for chunk_id, _ in items] for name, items in scored.items()}
        if self.fusion == "rrf":
            fused = reciprocal_rank_fusion(rankings, self.weights)
        else:
            fused = score_fusion(scored, self.weights)
        # With a re-ranker, every fused candidate is scored and the best k kept.
        fused = fused[: fetch if self.reranker else request.k]
        chosen = [chunk_id for chunk_id, _ in fused]
        chunks = self.index.chunks(chosen)
        extra: list[StoredChunk] = []
        if request.neighbours and chosen:
            # Context around the best passage: an answer may straddle its boundary.
            extra = [c for c in self.index.neighbours(chosen[0], request.neighbours) if c.chunk_id not in chunks]
            if locations is not None:  # context from another section is outside the filter too
                extra = [c for c in extra if c.location in locations]
        missing = [c for c in chosen + [e.chunk_id for e in extra] if c not in relevance]
        if missing:
            relevance.update(self.index.relevance(missing, vector))
        by_id = {**chunks, **{e.chunk_id: e for e in extra}}
        passages: list[Passage] = []
        for chunk_id, rank_score in fused + [(e.chunk_id, 0.0) for e in extra]:
            chunk = by_id.get(chunk_id)
            if chunk is None:  # hidden since the search (a file removed meanwhile)
                continue
            found_by = (
                ("neighbour",)
                if chunk_id not in chunks
                else tuple(name for name, ids in rankings.items() if chunk_id in ids)
            )
            passages.append(
                Passage(
                    number=len(passages) + 1,
                    chunk_id=chunk_id,
                    text=chunk.text,
                    source=chunk.source,
                    title=chunk.title,
                    page=chunk.page,
                    relevance=relevance.get(chunk_id, 0.0),
                    rank_score=round(rank_score, 6),
                    found_by=found_by,
                    location=chunk.location,
                )
            )
        if self.reranker is not None:
            main = [p for p in passages if p.found_by != ("neighbour",)]
            ranked = self.reranker.rerank(request.query, main, request.k)
            passages = ranked + [
                replace(p, number=len(ranked) + i + 1)
                for i, p in enumerate(p for p in passages if p.found_by == ("neighbour",))
            ]
        log.debug("retrieved %d passages for %r (%s)", len(passages), request.query, request.mode)
        return passages
