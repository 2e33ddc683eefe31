"""The optional re-rank stage: a cross-encoder scores (question, passage) pairs and reorders
the fused candidates. Off by default (no cross-encoder ships offline); turn it on with
``QA_RERANKER_MODEL`` set to a sentence-transformers CrossEncoder name or local path."""

from __future__ import annotations

import logging
import threading
from dataclasses import replace

from qa.errors import SettingsError
from qa.types import Passage

log = logging.getLogger(__name__)


class CrossEncoderReranker:
    """Reorders passages by a cross-encoder's score. The score becomes the passage's
    ``rank_score`` (a logit: it orders, it is not a relevance); ``relevance`` stays the cosine.
    Safe to share between threads (one lock around the model)."""

    def __init__(self, model: str) -> None:
        from sentence_transformers import CrossEncoder

        try:
            self.model = CrossEncoder(model, device="cpu")
        except OSError as exc:
            raise SettingsError(f"QA_RERANKER_MODEL: cannot load '{model}' ({exc})") from exc
        self._lock = threading.Lock()

    def rerank(self, query: str, passages: list[Passage], k: int) -> list[Passage]:
        if not passages:
            return []
        with self._lock:
            scores = self.model.predict([(query, p.text) for p in passages], show_progress_bar=False)
        ranked = sorted(zip(passages, (float(s) for s in scores)), key=lambda pair: pair[1], reverse=True)[:k]
        log.debug("re-ranked %d passages for %r", len(passages), query)
        return [
            replace(p, number=i + 1, rank_score=round(score, 6), found_by=(*p.found_by, "rerank"))
            for i, (p, score) in enumerate(ranked)
        ]
