"""Reciprocal rank fusion: one order from several ranked lists."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

RRF_K = 60  # the constant of Cormack et al. (2009); damps the weight of the very first ranks


def reciprocal_rank_fusion(
    rankings: Mapping[str, Sequence[str]], weights: Mapping[str, float], k: int = RRF_K
) -> list[tuple[str, float]]:
    """Ids ordered by ``sum(weight / (k + rank))`` over the lists that hold them (rank from 1).

    The fused value orders results and nothing else: it is near 1/60 whatever the query, so it
    says nothing about whether a passage is relevant (that is the cosine relevance's job)."""
    fused: dict[str, float] = {}
    for name, ids in rankings.items():
        weight = weights.get(name, 1.0)
        if weight <= 0:
            continue
        for rank, item in enumerate(ids, 1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return sorted(fused.items(), key=lambda pair: pair[1], reverse=True)


def score_fusion(
    scored: Mapping[str, Sequence[tuple[str, float]]], weights: Mapping[str, float]
) -> list[tuple[str, float]]:
    """Ids ordered by ``sum(weight * s)`` where ``s`` is each list's score min-max scaled to
    [0, 1] within this query (0 for a list that did not return the id).

    Unlike reciprocal rank, this keeps how far apart the candidates are (a clear BM25 winner
    stays ahead of a near tie in cosine). The fused value only orders results: being scaled per
    query, it says nothing about relevance across questions."""
    total = sum(w for w in weights.values() if w > 0) or 1.0
    fused: dict[str, float] = {}
    for name, items in scored.items():
        weight = weights.get(name, 1.0) / total
        if weight <= 0 or not items:
            continue
        values = [score for _, score in items]
        low, high = min(values), max(values)
        for item, score in items:
            scaled = (score - low) / (high - low) if high > low else 1.0
            fused[item] = fused.get(item, 0.0) + weight * scaled
        for item, _ in items:
            fused.setdefault(item, 0.0)
    return sorted(fused.items(), key=lambda pair: pair[1], reverse=True)
