"""The summary of an evaluation run, typed: what ``summary.json`` holds, read by attribute.

``to_dict`` writes the JSON layout the files on disk already have (``meta``, ``shown``,
``official``, ``retrieval``, ``answers``, ``citations``, ``faithfulness``, ``context_support``,
``refusals``, ``refusal_curve``, ``latency_s``, and ``judge_faithfulness`` / ``grounding_check``
when measured). ``from_dict`` reads that layout back, including older files that lack a group or
a metric (it is None, as an unmeasured metric is) and files with meta fields or top-level
entries this version does not know (kept in ``extra`` and written back unchanged)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar

from qa.errors import QAError

Group = TypeVar("Group")


def _group(cls: type[Group], data: Any) -> Group:
    """A group dataclass from its JSON object, with only the fields it knows (missing ones keep
    their default); anything that is not an object gives the defaults."""
    if not isinstance(data, dict):
        return cls()
    known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class Meta:
    """How the run was made: the caller fills what it knows, ``evaluate`` adds the rest."""

    date: str = ""
    top_k: int | None = None
    seconds: float | None = None
    testset: str = ""
    half: str = ""
    corpus: str = ""
    backend: str = ""
    embedding_model: str = ""
    judge_model: str | None = None
    index_seconds: float | None = None  # bench/run_benchmarks.py: the time to index the corpus
    questions: int = 0
    answerable: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in asdict(self).items() if k != "extra"}
        for optional in ("judge_model", "index_seconds"):
            if data[optional] is None:
                del data[optional]
        return {**data, **self.extra}

    @classmethod
    def from_dict(cls, data: Any) -> Meta:
        meta = _group(cls, data)
        if isinstance(data, dict):
            meta.extra = {k: v for k, v in data.items() if k not in {f.name for f in fields(cls)}}
        return meta


@dataclass
class Shown:
    right: float | None = None  # of the answers shown, the share that is right (precision)
    answered: float | None = None  # share of questions given an answer (coverage)
    right_when_answerable: float | None = None
    phrases_right: float | None = None  # of the short phrases shown, the share that is right
    phrases_shown: int | None = None
    wrong: int | None = None


@dataclass
class Official:
    exact: float | None = None
    f1: float | None = None


@dataclass
class RetrievalScores:
    hit_at_k: float | None = None
    recall_at_k: float | None = None
    mrr: float | None = None


@dataclass
class AnswerScores:
    exact_match: float | None = None
    f1: float | None = None
    semantic_similarity: float | None = None
    contains_answer: float | None = None
    evidence_contains_answer: float | None = None


@dataclass
class CitationScores:
    precision: float | None = None
    recall: float | None = None
    gold_document_cited: float | None = None


@dataclass
class RefusalScores:
    accuracy: float | None = None
    precision: float | None = None
    recall: float | None = None
    false_refusal_rate: float | None = None


@dataclass
class CurvePoint:
    """What refusals would be with the decide stage's threshold at ``threshold``."""

    threshold: float = 0.0
    refusal_recall: float | None = None
    wrongly_refused: float | None = None


@dataclass
class StageLatency:
    p50: float | None = None
    p95: float | None = None


@dataclass
class Latencies:
    retrieve: StageLatency = field(default_factory=StageLatency)
    generate: StageLatency = field(default_factory=StageLatency)
    total: StageLatency = field(default_factory=StageLatency)

    def items(self) -> list[tuple[str, StageLatency]]:
        return [("retrieve", self.retrieve), ("generate", self.generate), ("total", self.total)]

    @classmethod
    def from_dict(cls, data: Any) -> Latencies:
        data = data if isinstance(data, dict) else {}
        return cls(*(_group(StageLatency, data.get(name)) for name in ("retrieve", "generate", "total")))


@dataclass
class GroundingCheck:
    """How well the grounding check sorts hand-labelled claims (qa/evaluation/grounding.py)."""

    claims: int = 0
    fabrication_recall: float | None = None
    fabrication_precision: float | None = None
    paraphrases_kept: float | None = None
    missed_fabrications: list[str] = field(default_factory=list)
    dropped_paraphrases: list[str] = field(default_factory=list)


@dataclass
class EvalSummary:
    meta: Meta = field(default_factory=Meta)
    shown: Shown = field(default_factory=Shown)
    official: Official = field(default_factory=Official)
    retrieval: RetrievalScores = field(default_factory=RetrievalScores)
    answers: AnswerScores = field(default_factory=AnswerScores)
    citations: CitationScores = field(default_factory=CitationScores)
    faithfulness: float | None = None
    context_support: float | None = None
    judged: bool = False  # whether an LLM judge scored faithfulness (its score may still be None)
    judge_faithfulness: float | None = None
    refusals: RefusalScores = field(default_factory=RefusalScores)
    refusal_curve: list[CurvePoint] = field(default_factory=list)
    latency_s: Latencies = field(default_factory=Latencies)
    grounding_check: GroundingCheck | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # top-level entries of a file this version does not know

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "meta": self.meta.to_dict(),
            "shown": asdict(self.shown),
            "official": asdict(self.official),
            "retrieval": asdict(self.retrieval),
            "answers": asdict(self.answers),
            "citations": asdict(self.citations),
            "faithfulness": self.faithfulness,
            "context_support": self.context_support,
        }
        if self.judged:
            data["judge_faithfulness"] = self.judge_faithfulness
        data["refusals"] = asdict(self.refusals)
        data["refusal_curve"] = [asdict(point) for point in self.refusal_curve]
        data["latency_s"] = {name: asdict(stage) for name, stage in self.latency_s.items()}
        if self.grounding_check is not None:
            data["grounding_check"] = asdict(self.grounding_check)
        return {**data, **self.extra}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EvalSummary:
        curve = data.get("refusal_curve")
        check = data.get("grounding_check")
        known = {f.name for f in fields(cls)} - {"judged", "extra"}
        return cls(
            meta=Meta.from_dict(data.get("meta")),
            shown=_group(Shown, data.get("shown")),
            official=_group(Official, data.get("official")),
            retrieval=_group(RetrievalScores, data.get("retrieval")),
            answers=_group(AnswerScores, data.get("answers")),
            citations=_group(CitationScores, data.get("citations")),
            faithfulness=data.get("faithfulness"),
            context_support=data.get("context_support"),
            judged="judge_faithfulness" in data,
            judge_faithfulness=data.get("judge_faithfulness"),
            refusals=_group(RefusalScores, data.get("refusals")),
            refusal_curve=[_group(CurvePoint, row) for row in curve] if isinstance(curve, list) else [],
            latency_s=Latencies.from_dict(data.get("latency_s")),
            grounding_check=_group(GroundingCheck, check) if isinstance(check, dict) else None,
            extra={k: v for k, v in data.items() if k not in known},
        )


def load_summary(path: str | Path) -> EvalSummary:
    """A ``summary.json`` written by this or an earlier version; a missing or unreadable file is
    one clear line."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise QAError(f"previous summary not found: {path}") from exc
    except json.JSONDecodeError as exc:
        raise QAError(f"{path}: not a summary JSON ({exc.msg})") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise QAError(f"{path}: cannot be read as a summary ({exc})") from exc
    if not isinstance(data, dict):
        raise QAError(f"{path}: not a summary JSON (not an object)")
    try:
        return EvalSummary.from_dict(data)
    except TypeError as exc:  # a group of the wrong shape
        raise QAError(f"{path}: not a summary JSON ({exc})") from exc
