"""Scoring the grounding check itself, against labelled claims it never saw.

Each row of a grounding set is a claim about the corpus, labelled ``supported`` (a true
paraphrase) or ``fabricated`` (a wrong number, a swapped name, facts recombined from different
sentences, an invented fact). Each claim goes through the product's own path for generated
text: retrieve passages for it, then ``ground_generated``. A fabrication the check drops is
caught; a true paraphrase it drops is a false alarm. Because the labels come from a person, not
from ``support()``, this measures the check rather than restating it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from qa.answer.ground import ground_generated
from qa.errors import QAError

LABELS = ("supported", "fabricated")


@dataclass(frozen=True)
class LabelledClaim:
    id: str
    claim: str
    label: str
    kind: str = ""


def load_grounding_set(path: str | Path) -> list[LabelledClaim]:
    path = Path(path)
    if not path.is_file():
        raise QAError(f"grounding set not found: {path}")
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise QAError(f"{path}: line {number} is not valid JSON ({exc.msg})") from exc
        if row.get("label") not in LABELS or not str(row.get("claim") or "").strip():
            raise QAError(f"{path}: line {number} needs a claim and a label (supported or fabricated)")
        rows.append(LabelledClaim(str(row.get("id") or number), row["claim"].strip(), row["label"], str(row.get("kind") or "")))
    if not rows:
        raise QAError(f"{path}: no claims")
    return rows


def score_grounding(assistant, claims: list[LabelledClaim]) -> dict:
    """Precision and recall of the check at catching fabrications, and the share of true
    paraphrases it keeps; ``missed`` lists the fabrications it let through."""
    settings = assistant.settings
    caught = false_alarms = 0
    missed: list[str] = []
    dropped_true: list[str] = []
    for item in claims:
        passages = assistant.search(item.claim)
        kept = bool(ground_generated(item.claim, passages, settings.min_support))
        if item.label == "fabricated":
            caught += not kept
            if kept:
                missed.append(f"{item.id} ({item.kind}): {item.claim}")
        else:
            false_alarms += not kept
            if not kept:
                dropped_true.append(f"{item.id}: {item.claim}")
    fabricated = sum(c.label == "fabricated" for c in claims)
    supported = len(claims) - fabricated
    flagged = caught + false_alarms
    return {
        "claims": len(claims),
        "fabrication_recall": round(caught / fabricated, 4) if fabricated else None,
        "fabrication_precision": round(caught / flagged, 4) if flagged else None,
        "paraphrases_kept": round((supported - false_alarms) / supported, 4) if supported else None,
        "missed_fabrications": missed,
        "dropped_paraphrases": dropped_true,
    }
