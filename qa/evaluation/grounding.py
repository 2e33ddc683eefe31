"""Scoring the grounding check itself, against labelled claims it never saw.

Each row of a grounding set is a claim about the corpus, labelled ``supported`` (a true
paraphrase) or ``fabricated`` (a wrong number, a swapped name, facts recombined from different
sentences, an invented fact). Each claim goes through the product's own path for generated
text: retrieve passages for it, then ``ground_generated``. A fabrication the check drops is
caught; a true paraphrase it drops is a false alarm. Because the labels come from a person, not
from ``support()``, this measures the check rather than restating it. Constructed sets
(``bench/grounding_set.py``) also carry ``half``, ``source``, ``doc_id``, ``pair`` and
``answer_type``; ``grounding_breakdown`` scores them per source and kind."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from qa.answer.ground import ground_generated
from qa.errors import QAError
from qa.evaluation.summary import GroundingCheck

LABELS = ("supported", "fabricated")


@dataclass(frozen=True)
class LabelledClaim:
    id: str
    claim: str
    label: str
    kind: str = ""
    half: str = ""  # constructed sets: "tune" or "report" (qa/evaluation/splits.py)
    source: str = ""  # constructed sets: the data set whose corpus the claim is about
    doc_id: str = ""
    pair: str = ""  # constructed fabrications: the id of the supported claim it was made from
    answer_type: str = ""  # constructed claims: the type of the phrase that was changed


def load_grounding_set(path: str | Path) -> list[LabelledClaim]:
    path = Path(path)
    if not path.is_file():
        raise QAError(f"grounding set not found: {path}")
    rows = []
    for number, line in enumerate(
        path.read_text(encoding="utf-8").split("\n"), 1
    ):  # not splitlines(): U+2028 may stand inside a claim
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise QAError(f"{path}: line {number} is not valid JSON ({exc.msg})") from exc
        if row.get("label") not in LABELS or not str(row.get("claim") or "").strip():
            raise QAError(f"{path}: line {number} needs a claim and a label (supported or fabricated)")
        rows.append(
            LabelledClaim(
                str(row.get("id") or number),
                row["claim"].strip(),
                row["label"],
                str(row.get("kind") or ""),
                str(row.get("half") or ""),
                str(row.get("source") or ""),
                str(row.get("doc_id") or ""),
                str(row.get("pair") or ""),
                str(row.get("answer_type") or ""),
            )
        )
    if not rows:
        raise QAError(f"{path}: no claims")
    return rows


def claim_kept(assistant, claim: str) -> bool:
    """Whether the product keeps ``claim`` as generated text: passages retrieved for it, then
    ``ground_generated`` (any sentence of it standing keeps it)."""
    settings = assistant.settings
    passages = assistant.search(claim)
    return bool(ground_generated(claim, passages, settings.answering.min_support))


def check_claims(assistant, claims: list[LabelledClaim]) -> list[bool]:
    """For each claim, whether the check keeps it."""
    return [claim_kept(assistant, item.claim) for item in claims]


def grounding_metrics(claims: list[LabelledClaim], kept: list[bool]) -> dict:
    """Counts and rates for one group of claims: a dropped fabrication is caught, a dropped
    supported claim is a false alarm."""
    caught = sum(1 for c, k in zip(claims, kept) if c.label == "fabricated" and not k)
    false_alarms = sum(1 for c, k in zip(claims, kept) if c.label == "supported" and not k)
    fabricated = sum(c.label == "fabricated" for c in claims)
    supported = len(claims) - fabricated
    flagged = caught + false_alarms
    return {
        "claims": len(claims),
        "fabricated": fabricated,
        "supported": supported,
        "caught": caught,
        "false_alarms": false_alarms,
        "fabrication_recall": round(caught / fabricated, 4) if fabricated else None,
        "fabrication_precision": round(caught / flagged, 4) if flagged else None,
        "supported_kept": round((supported - false_alarms) / supported, 4) if supported else None,
    }


def grounding_breakdown(claims: list[LabelledClaim], kept: list[bool], control_kinds=frozenset()) -> dict:
    """``grounding_metrics`` (and ``paired_recall``) overall, without the ``control_kinds``, per
    source, per kind and per kind and changed phrase type, plus the claims the check got wrong
    (missed fabrications, dropped supported claims)."""
    if len(claims) != len(kept):
        raise ValueError("one kept flag per claim")
    pairs = list(zip(claims, kept))
    kept_by_id = {c.id: k for c, k in pairs}

    def group(selected):
        m = grounding_metrics([c for c, _ in selected], [k for _, k in selected])
        m["paired_fabricated"], m["paired_recall"] = _paired(selected)
        return m

    def _paired(selected):
        """Fabrications whose supported source claim (``pair``) is kept, and the share of them
        dropped: the check catching the change itself, not a sentence it drops anyway."""
        dropped = [not k for c, k in selected if c.label == "fabricated" and kept_by_id.get(c.pair)]
        return len(dropped), (round(sum(dropped) / len(dropped), 4) if dropped else None)

    def per(key):
        out = {}
        for name in dict.fromkeys(key(c) for c in claims):
            if name is None:
                continue
            selected = [(c, k) for c, k in pairs if key(c) == name]
            n_kept = sum(k for _, k in selected)
            paired_n, paired = _paired(selected)
            out[name] = {
                "source": ", ".join(sorted({c.source for c, _ in selected if c.source})),
                "label": "/".join(sorted({c.label for c, _ in selected})),
                "claims": len(selected),
                "dropped": round((len(selected) - n_kept) / len(selected), 4),
                "kept": round(n_kept / len(selected), 4),
                "paired_fabricated": paired_n,
                "paired_recall": paired,
            }
        return out

    groups = {"all": group(pairs)}
    if control_kinds and any(c.kind in control_kinds for c in claims):
        groups[f"without {', '.join(sorted(control_kinds))}"] = group(
            [(c, k) for c, k in pairs if c.kind not in control_kinds]
        )
    for source in sorted({c.source for c in claims if c.source}):
        groups[source] = group([(c, k) for c, k in pairs if c.source == source])
    return {
        "groups": groups,
        "kinds": per(lambda c: c.kind),
        "kinds_by_answer_type": per(
            lambda c: f"{c.kind} / {c.answer_type}" if c.answer_type and c.label == "fabricated" else None
        ),
        "missed_fabrications": [f"{c.id}: {c.claim}" for c, k in pairs if c.label == "fabricated" and k],
        "dropped_supported": [f"{c.id}: {c.claim}" for c, k in pairs if c.label == "supported" and not k],
    }


def score_grounding(assistant, claims: list[LabelledClaim]) -> GroundingCheck:
    """Precision and recall of the check at catching fabrications, and the share of true
    paraphrases it keeps; ``missed`` lists the fabrications it let through."""
    kept = check_claims(assistant, claims)
    m = grounding_metrics(claims, kept)
    return GroundingCheck(
        claims=m["claims"],
        fabrication_recall=m["fabrication_recall"],
        fabrication_precision=m["fabrication_precision"],
        paraphrases_kept=m["supported_kept"],
        missed_fabrications=[
            f"{c.id} ({c.kind}): {c.claim}" for c, k in zip(claims, kept) if c.label == "fabricated" and k
        ],
        dropped_paraphrases=[f"{c.id}: {c.claim}" for c, k in zip(claims, kept) if c.label == "supported" and not k],
    )
