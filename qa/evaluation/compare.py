"""Regression gate: compare a summary with a previous one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qa.evaluation.summary import EvalSummary

DEFAULT_GATED = (
    "shown.right",
    "shown.answered",
    "retrieval.hit_at_k",
    "answers.f1",
    "citations.precision",
    "faithfulness",
    "refusals.accuracy",
)


def flatten(summary: dict[str, Any], prefix: str = "") -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in summary.items():
        name = f"{prefix}{key}"
        if key == "meta":
            continue
        if isinstance(value, dict):
            out.update(flatten(value, name + "."))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            out[name] = float(value)
    return out


def lower_is_better(metric: str) -> bool:
    return metric.startswith("latency_s.") or metric.endswith("false_refusal_rate")


@dataclass(frozen=True)
class Comparison:
    metric: str
    previous: float | None
    current: float | None
    gated: bool
    regressed: bool

    @property
    def delta(self) -> float | None:
        if self.previous is None or self.current is None:
            return None
        return self.current - self.previous


def compare_summaries(
    current: EvalSummary, previous: EvalSummary, gated: tuple[str, ...] = DEFAULT_GATED, tolerance: float = 0.02
) -> list[Comparison]:
    """Every metric in either summary, named by its place in ``summary.json`` (``answers.f1``); a
    gated metric regresses when it worsens by more than ``tolerance`` (absolute) or disappears."""
    cur, prev = flatten(current.to_dict()), flatten(previous.to_dict())
    rows = []
    for metric in sorted(set(cur) | set(prev) | set(gated)):
        c, p = cur.get(metric), prev.get(metric)
        is_gated = metric in gated
        if c is None or p is None:
            regressed = is_gated and p is not None
        else:
            worse_by = (c - p) if lower_is_better(metric) else (p - c)
            regressed = is_gated and worse_by > tolerance + 1e-12
        rows.append(Comparison(metric, p, c, is_gated, regressed))
    return rows
