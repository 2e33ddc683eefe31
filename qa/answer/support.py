"""Deterministic lexical support between an answer sentence and a passage.

``support(claim, evidence)`` is the share of the claim's content words (SQuAD-style
normalisation: lower case, no punctuation or articles; stop words dropped; a light
suffix stemmer) that also occur in the evidence, and 0.0 if the claim has a number the
evidence lacks. 1.0 means every content word of the
claim is in the evidence. It is used to attach citations to generated sentences, to drop
sentences no passage supports, and by the evaluation's faithfulness metric."""

from __future__ import annotations

import re

from qa.text import NUMBER_TOKEN, STOP_WORDS, content_words, normalize_answer, stem


def support(claim: str, evidence: str) -> float:
    """Share of the claim's content words found in the evidence; 0.0 when the claim states
    a number the evidence does not hold (a wrong figure is never 'mostly supported')."""
    words = content_words(claim)
    if not words:
        return 0.0
    evidence_words = set(content_words(evidence))
    if any(w not in evidence_words for w in words if NUMBER_TOKEN.fullmatch(w)):
        return 0.0
    return sum(w in evidence_words for w in words) / len(words)


# --- one-sentence support of a generated claim ---------------------------------------------------
_AMOUNT = re.compile(
    # The whole token ("17th", "25m", "1990s"), never digits inside a word ("O2", "H2O"): the
    # sentence's words are compared token by token, so "17" would not be found in "17th".
    r"(?<![A-Za-z])(?P<number>(?:[$€£]\s?)?\d[\d.,]*[A-Za-z]*"
    r"(?:\s*(?:%|percent|per cent|thousand|million|billion|trillion|hundred))*)"
    r"(?:\s+(?P<unit>[A-Za-z][\w-]*))?",
    re.IGNORECASE,
)
UNIT_WINDOW = 3  # words between a number and its unit ("13 participating countries")
_NAME_WORD = re.compile(r"\b[A-Z][\w'’-]*")


def amounts(text: str) -> list[tuple[str, str]]:
    """Numbers with their multipliers ("70 million") and the word after them (their unit,
    "euros"; empty when that is a stop word), normalised."""
    found = []
    for m in _AMOUNT.finditer(text):
        number = normalize_answer(m.group("number"))
        unit = (m.group("unit") or "").lower()
        if number:
            found.append((number, "" if unit in STOP_WORDS else stem(unit)))
    return found


def _holds_amount(sentence_words: list[str], number: str, unit: str) -> bool:
    parts = number.split()
    stems = [stem(w) for w in sentence_words]
    for i in range(len(sentence_words) - len(parts) + 1):
        if sentence_words[i : i + len(parts)] == parts:
            after = stems[i + len(parts) : i + len(parts) + UNIT_WINDOW]
            if not unit or unit in after:
                return True
    return False


def names(text: str) -> list[str]:
    """Capitalised words after a sentence's first word (proper nouns, mostly), as content
    words ("Ukraine's" -> "ukraine")."""
    words = [w.group() for w in _NAME_WORD.finditer(text) if w.start() > 0 and w.group() != "I"]
    return [stem for word in words for stem in content_words(word)]


def sentence_support(claim: str, sentence: str) -> float:
    """Support of a claim by one sentence: 0.0 unless every amount of the claim (the number
    with its multiplier, and its unit within a few words after it) and every name of the claim
    occurs in that sentence; otherwise the share of the claim's content words it holds.
    Recombining true words from different sentences (a true sum from one, a true donor from
    another) therefore fails."""
    sentence_words = normalize_answer(sentence).split()
    if any(not _holds_amount(sentence_words, number, unit) for number, unit in amounts(claim)):
        return 0.0
    present = set(content_words(sentence))
    if any(name not in present for name in names(claim)):
        return 0.0
    return support(claim, sentence)
