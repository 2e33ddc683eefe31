"""Test sets: JSONL or CSV, one question a row."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

from qa.errors import QAError


@dataclass(frozen=True)
class TestCase:
    """One question. ``answers`` are all accepted answers (empty when unanswerable or unknown);
    ``source`` / ``doc_id`` name the gold document, ``gold_passage`` the supporting text."""

    __test__ = False  # not a pytest test class

    id: str
    question: str
    answers: list[str] = field(default_factory=list)
    answerable: bool = True
    source: str = ""
    doc_id: str = ""
    gold_passage: str = ""
    kind: str = ""
    history: list[tuple[str, str]] = field(default_factory=list)  # earlier turns; "" answers are asked first


def _bool(value) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("", "1", "true", "yes", "y"):
        return True
    if text in ("0", "false", "no", "n"):
        return False
    raise ValueError(f"not a boolean: {value!r}")


def _history(value, number: int, where: str) -> list[tuple[str, str]]:
    """Earlier turns: questions alone, [question, answer] pairs or {"question", "answer"} objects."""
    if value in (None, ""):
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)  # CSV: the history column holds JSON
        except json.JSONDecodeError:
            value = [value]
    turns = []
    for turn in value if isinstance(value, list) else [value]:
        if isinstance(turn, str):
            turns.append((turn, ""))
        elif isinstance(turn, list) and len(turn) == 2:
            turns.append((str(turn[0]), str(turn[1])))
        elif isinstance(turn, dict) and turn.get("question"):
            turns.append((str(turn["question"]), str(turn.get("answer") or "")))
        else:
            raise QAError(
                f"{where}: row {number}: history: each turn is a question, [question, answer] or "
                '{"question": ..., "answer": ...}'
            )
    return turns


def _case(row: dict, number: int, where: str) -> TestCase:
    question = str(row.get("question") or "").strip()
    if not question:
        raise QAError(f"{where}: row {number} has no question")
    answers = row.get("all_answers") or []
    if isinstance(answers, str):  # CSV: answers separated by '|'
        answers = [a.strip() for a in answers.split("|") if a.strip()]
    reference = str(row.get("reference_answer") or "").strip()
    if reference and reference not in answers:
        answers = [reference, *answers]
    try:
        answerable = _bool(row.get("answerable", True))
    except ValueError as exc:
        raise QAError(f"{where}: row {number}: answerable: {exc}") from exc
    return TestCase(
        id=str(row.get("id") or number),
        question=question,
        answers=[str(a) for a in answers] if answerable else [],
        answerable=answerable,
        source=str(row.get("source") or ""),
        doc_id=str(row.get("doc_id") or ""),
        gold_passage=str(row.get("gold_passage") or ""),
        kind=str(row.get("kind") or ""),
        history=_history(row.get("history"), number, where),
    )


def load_testset(path: str | Path, limit: int | None = None) -> list[TestCase]:
    """Read a ``.jsonl`` or ``.csv`` test set; raises ``QAError`` naming the file and row."""
    path = Path(path)
    if not path.is_file():
        raise QAError(f"test set not found: {path}")
    rows: list[dict] = []
    try:
        if path.suffix.lower() == ".csv":
            with path.open(newline="", encoding="utf-8") as f:
                rows = list(csv.DictReader(f))
        elif path.suffix.lower() in (".jsonl", ".json"):
            with path.open(encoding="utf-8") as f:
                for n, line in enumerate(f, 1):
                    if line.strip():
                        try:
                            rows.append(json.loads(line))
                        except json.JSONDecodeError as exc:
                            raise QAError(f"{path}: line {n} is not valid JSON ({exc.msg})") from exc
        else:
            raise QAError(f"{path}: test sets are .jsonl or .csv")
    except UnicodeDecodeError as exc:
        raise QAError(f"{path}: not UTF-8 text") from exc
    cases = [_case(row, n, str(path)) for n, row in enumerate(rows, 1)]
    if not cases:
        raise QAError(f"{path}: no questions")
    return cases[:limit] if limit else cases
