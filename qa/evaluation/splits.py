"""Tune and report halves of a test set, split by document.

Every tuned number (thresholds, weights, rules, model choice) is fitted on the *tune* half only;
every published figure comes from the *report* half. Rows are grouped by their gold document
(``doc_id``, else ``source``, else the row id), so no document's questions sit in both halves.
The assignment is a keyed hash (fixed key below), so it is stable across runs and machines;
``write_split`` commits the resulting lists next to the benchmarks so a reader can check them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from qa.errors import QAError
from qa.evaluation.testset import TestCase

Half = Literal["tune", "report"]
HALVES: tuple[Half, ...] = ("tune", "report")
SPLIT_KEY = "docqa-split-v1"  # changing it re-deals every row: never change it to move a figure


def group_of(case: TestCase) -> str:
    """The document a row belongs to (its questions stay together in one half)."""
    return case.doc_id or case.source or case.id


def half_of(group: str, key: str = SPLIT_KEY) -> Half:
    digest = hashlib.sha256(f"{key}\x1f{group}".encode()).digest()
    return "tune" if digest[0] % 2 == 0 else "report"


@dataclass(frozen=True)
class Split:
    """Which document groups are in each half."""

    tune: frozenset[str]
    report: frozenset[str]
    key: str = SPLIT_KEY

    def half(self, case: TestCase) -> Half:
        group = group_of(case)
        if group in self.tune:
            return "tune"
        if group in self.report:
            return "report"
        return half_of(group, self.key)  # a row added after the lists were written

    def select(self, cases: Sequence[TestCase], half: Half) -> list[TestCase]:
        return [c for c in cases if self.half(c) == half]

    def to_dict(self) -> dict:
        return {
            "key": self.key,
            "group_by": "doc_id, else source, else id",
            "tune": sorted(self.tune),
            "report": sorted(self.report),
        }


def make_split(cases: Sequence[TestCase], key: str = SPLIT_KEY) -> Split:
    groups = {group_of(c) for c in cases}
    return Split(
        frozenset(g for g in groups if half_of(g, key) == "tune"),
        frozenset(g for g in groups if half_of(g, key) == "report"),
        key,
    )


def write_split(split: Split, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(split.to_dict(), indent=1) + "\n", encoding="utf-8")
    return path


def load_split(path: str | Path) -> Split:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        split = Split(frozenset(data["tune"]), frozenset(data["report"]), data.get("key", SPLIT_KEY))
    except FileNotFoundError as exc:
        raise QAError(f"split file not found: {path}") from exc
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise QAError(f"{path}: not a split file (tune and report lists)") from exc
    if split.tune & split.report:
        raise QAError(f"{path}: {len(split.tune & split.report)} documents are in both halves")
    return split


def select_half(cases: Sequence[TestCase], half: Half | None, split_file: str | Path | None) -> list[TestCase]:
    """The rows of one half (all rows when ``half`` is None)."""
    if half is None:
        return list(cases)
    split = load_split(split_file) if split_file else make_split(cases)
    return split.select(cases, half)
