"""One question's scores, typed: what ``results.jsonl`` holds under ``"scores"``, read by attribute.

A score is None when it was not measured. In the JSON an unmeasured score is either left out or
written as null, as it always has been: scores of an answerable question (answer overlap,
retrieval and citations) and the judge's score in a judged run are written even when null
(nothing to compare with, no gold document, nothing cited); the four every question gets are
always written; any other score only when measured. ``from_dict`` reads any such object back,
older ones included: a missing score is None and a name this version does not know is ignored."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class QuestionScores:
    # In the order results.jsonl has always written them.
    answered: float | None = None
    shown_right: float | None = None  # None when refused: nothing was shown
    phrase_right: float | None = None  # only when a short phrase was shown
    official_exact: float | None = None  # SQuAD 2.0's, abstentions credited
    official_f1: float | None = None
    exact_match: float | None = None
    f1: float | None = None
    contains_answer: float | None = None
    evidence_contains_answer: float | None = None
    hit_at_k: float | None = None
    mrr: float | None = None
    recall_at_k: float | None = None
    citation_precision: float | None = None
    citation_recall: float | None = None
    gold_cited: float | None = None
    faithfulness: float | None = None
    context_support: float | None = None
    judge_faithfulness: float | None = None
    semantic_similarity: float | None = None

    def measured(self) -> dict[str, float]:
        """The scores that were measured, by name."""
        return {name: value for name in SCORE_NAMES if (value := getattr(self, name)) is not None}

    def to_dict(self, answerable: bool, judged: bool = False) -> dict[str, float | None]:
        """The JSON object of results.jsonl: which null scores are written depends on whether
        the question is answerable and whether a judge scored the run (see the module doc)."""
        written = set(EVERY_QUESTION)
        if answerable:
            written.update(ANSWERABLE_QUESTION)
        if judged:
            written.add("judge_faithfulness")
        return {name: value for name in SCORE_NAMES if (value := getattr(self, name)) is not None or name in written}

    @classmethod
    def from_dict(cls, data: Any) -> QuestionScores:
        """Scores from their JSON object; anything that is not an object gives no scores."""
        if not isinstance(data, dict):
            return cls()
        return cls(**{name: data[name] for name in SCORE_NAMES if name in data})


SCORE_NAMES = tuple(f.name for f in fields(QuestionScores))
EVERY_QUESTION = ("answered", "shown_right", "faithfulness", "context_support")
ANSWERABLE_QUESTION = (
    "exact_match",
    "f1",
    "contains_answer",
    "evidence_contains_answer",
    "hit_at_k",
    "mrr",
    "recall_at_k",
    "citation_precision",
    "citation_recall",
)
