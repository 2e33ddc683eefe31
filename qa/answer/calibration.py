"""Calibrated probabilities for the two decisions a person sees the result of:

- **phrase**: is this candidate phrase (``qa/answer/read.py``) a right answer? A short phrase is
  shown as the answer only when its probability reaches the phrase threshold; otherwise the
  sentence is the answer, with the likeliest phrase marked inside it.
- **answer**: is the answer we would show right? Below the answer threshold the assistant
  refuses. This is the decide stage's confidence.

Both are logistic models over named features, fitted by ``python -m bench.tune`` on the *tune*
halves only (scikit-learn there; here only a dot product), and stored with their provenance
(split, commit, command, date) in ``calibration.json`` beside this module. Without a file the
assistant falls back to the best sentence's score and never shows a bare phrase."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

CALIBRATION_FILE = Path(__file__).with_name("calibration.json")
UNTRAINED_ANSWER_THRESHOLD = 0.45  # the best sentence's score, as before any calibration


@dataclass(frozen=True)
class LogisticModel:
    features: tuple[str, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float

    def probability(self, values: Mapping[str, float]) -> float:
        z = self.intercept + sum(c * float(values.get(name, 0.0)) for name, c in zip(self.features, self.coef))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def to_dict(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "coef": list(self.coef),
            "intercept": self.intercept,
            "threshold": self.threshold,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LogisticModel:
        return cls(
            tuple(data["features"]),
            tuple(float(c) for c in data["coef"]),
            float(data["intercept"]),
            float(data["threshold"]),
        )


@dataclass(frozen=True)
class Calibration:
    phrase: LogisticModel | None = None
    answer: LogisticModel | None = None
    provenance: dict[str, Any] = field(default_factory=dict)
    rerank_weight: float = 0.0  # how much the answerability model re-orders sentences (qa/answer/select.py)

    @property
    def trained(self) -> bool:
        return self.answer is not None

    def phrase_probability(self, features: Mapping[str, float]) -> float:
        """Probability that a candidate phrase is right (0 without a phrase model: never shown bare)."""
        return self.phrase.probability(features) if self.phrase else 0.0

    def answer_confidence(self, features: Mapping[str, float]) -> float:
        """Probability that the answer shown would be right; untrained: the best sentence's score."""
        if self.answer is None:
            return max(0.0, min(1.0, float(features.get("sentence_score", 0.0))))
        return self.answer.probability(features)

    @property
    def answer_threshold(self) -> float:
        return self.answer.threshold if self.answer else UNTRAINED_ANSWER_THRESHOLD

    @property
    def phrase_threshold(self) -> float:
        return self.phrase.threshold if self.phrase else 1.01  # above any probability: never shown

    def to_dict(self) -> dict[str, Any]:
        return {
            "provenance": self.provenance,
            "phrase": self.phrase.to_dict() if self.phrase else None,
            "answer": self.answer.to_dict() if self.answer else None,
            "rerank_weight": self.rerank_weight,
        }

    def save(self, path: Path = CALIBRATION_FILE) -> Path:
        path.write_text(json.dumps(self.to_dict(), indent=1) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: Path = CALIBRATION_FILE) -> Calibration:
        if not path.is_file():
            logger.warning("no calibration at %s: answers use the best sentence's score, no bare phrases", path)
            return cls()
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            LogisticModel.from_dict(data["phrase"]) if data.get("phrase") else None,
            LogisticModel.from_dict(data["answer"]) if data.get("answer") else None,
            data.get("provenance", {}),
            float(data.get("rerank_weight", 0.0)),
        )
