"""Reciprocal rank fusion: one order from several ranked lists."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

RRF_K = 60  # the constant of Cormack et al. (2009); damps the weight of the very first ranks


def reciprocal_rank_fusion(rankings: Mapping[str, Sequence[str]], weights: Mapping[str, float],
                           k: int = RRF_K) -> list[tuple[str, float]]:
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
