"""SQuAD 2.0's official answer scoring, as its evaluation script (``evaluate-v2.0.py``) does it.

Normalisation: lower case, punctuation *deleted* (not replaced by a space: "U.S." -> "us",
"well-known" -> "wellknown"), the articles a/an/the removed as words, whitespace collapsed.
Exact match and token F1 take the best over the accepted answers; an unanswerable question's
only accepted answer is the empty string, so an abstention scores 1 on it and any answer 0
("abstentions credited": the official overall score)."""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Sequence

_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)
_PUNCTUATION = frozenset(string.punctuation)


def normalize(text: str) -> str:
    """The official script's ``normalize_answer``."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def tokens(text: str) -> list[str]:
    return normalize(text).split() if text else []


def exact(gold: str, prediction: str) -> float:
    return float(normalize(gold) == normalize(prediction))


def f1(gold: str, prediction: str) -> float:
    gold_tokens, predicted = tokens(gold), tokens(prediction)
    if not gold_tokens or not predicted:  # a no-answer agrees only with a no-answer
        return float(gold_tokens == predicted)
    same = sum((Counter(gold_tokens) & Counter(predicted)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(predicted), same / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


def gold_answers(answers: Sequence[str]) -> list[str]:
    """The accepted answers as the script keeps them: those that normalise to something, or
    the empty answer for an unanswerable question."""
    kept = [a for a in answers if normalize(a)]
    return kept or [""]


def best_exact(prediction: str, answers: Sequence[str]) -> float:
    return max(exact(a, prediction) for a in gold_answers(answers))


def best_f1(prediction: str, answers: Sequence[str]) -> float:
    return max(f1(a, prediction) for a in gold_answers(answers))


def holds(text: str, answers: Sequence[str]) -> bool:
    """Whether the text contains an accepted answer as whole words (official normalisation)."""
    body = f" {normalize(text)} "
    return any(f" {n} " in body for n in (normalize(a) for a in answers) if n)
