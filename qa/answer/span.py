"""Short answers: the shortest phrase of a supporting sentence that answers the question.

The question's type (who, when, how many, where, what/which) says what kind of phrase can
answer it; the candidates are the stretches of the sentence the question does not already
say (an answer adds what the question lacks), cut to that kind of phrase; the one nearest to
the words the sentence shares with the question wins. A span is always an exact slice of the
sentence (``verified_span`` checks it), so the product quotes and never rewrites."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from qa.text import ASKS_YEAR_DECADE_OR_CENTURY, STOP_WORDS, YEAR, content_words

if TYPE_CHECKING:  # qa.answer.read imports this module
    from qa.answer.read import AnswerKind

AnswerType = Literal["number", "date", "person", "place", "thing", "none"]

_TYPE_PATTERNS: list[tuple[AnswerType, re.Pattern[str]]] = [
    (
        "number",
        re.compile(
            r"\bhow (many|much|long|far|old|often|large|big|tall|high|fast|deep|wide)\b"
            r"|\bwhat (percentage|percent|number|amount|proportion|share)\b",
            re.I,
        ),
    ),
    (
        "date",
        re.compile(
            r"^\s*when\b|\b(what|which|in what|in which) (year|date|day|month|century|decade|time|period)\b"
            r"|\bwhen (was|were|did|does|do|is|will|had|has)\b",
            re.I,
        ),
    ),
    ("person", re.compile(r"^\s*(who|whom|whose)\b|\b(who|whom|whose) (was|were|is|are|did|does|has|had)\b", re.I)),
    (
        "place",
        re.compile(
            r"^\s*where\b|\bwhere (was|were|is|are|did|does)\b"
            r"|\b(what|which|in what|in which) (city|country|state|place|region|town|continent|location|area)\b",
            re.I,
        ),
    ),
    (
        "none",
        re.compile(
            r"^\s*(why|how)\b(?! (many|much|long|far|old|often|large|big|tall|high|fast|deep|wide))"
            r"|^\s*(is|are|was|were|do|does|did|can|could|should|will|would|has|have|had)\b",
            re.I,
        ),
    ),
    ("thing", re.compile(r"\b(what|which|name)\b", re.I)),
]

_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?"
)
_DATE = re.compile(
    rf"\b(?:(?:\d{{1,2}}|\d{{4}})[/-]\d{{1,2}}[/-]\d{{2,4}}|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?:,?\s+\d{{4}})?"
    rf"|{_MONTH}(?:\s+\d{{4}})|(?:(?:early|late|mid)-?\s?)?(?:1[0-9]|20)\d{{2}}s?|\d{{1,2}}(?:st|nd|rd|th) century"
    rf"|(?:\d{{1,2}}|\d{{4}})[/-]\d{{1,2}}[/-]\d{{2,4}})\b"
)
_NUMBER_WORD = (
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|"
    r"thousand|million|billion|trillion|dozen|half|several|dozens|hundreds|thousands|millions)"
)
_NUMBER = re.compile(
    rf"(?:\b(?:about|around|approximately|nearly|almost|over|under|more than|less than|fewer than|up to|at least|"
    rf"at most|some|roughly)\s+)?(?:[$€£]\s?)?(?:\d[\d,.]*\d|\d|\b{_NUMBER_WORD}\b)"
    rf"(?:[\s-]+(?:{_NUMBER_WORD}|%|percent|per cent))*(?:\s*%)?"
    rf"(?:\s+(?!(?:and|or|of|in|on|at|to|for|from|by|with|the|a|an|is|was|are|were)\b)[A-Za-z][\w-]*)?",
    re.I,
)
# Runs of capitalised words, allowing the small words of names ("Ursula von der Leyen", "Bank of England").
_NAME = re.compile(
    r"\b[A-Z][\w'’.-]*(?:\s+(?:(?:of|de|da|del|der|den|van|von|la|le|du|al|bin|the|and|&)\s+)*[A-Z][\w'’.-]*)*"
)
_TOKEN = re.compile(r"\w[\w'’.,%-]*\w|\w|[^\w\s]")
_EDGE_WORDS = STOP_WORDS | {"said", "also", "which", "that", "who", "whom", "whose", "while", "whereas"}
MAX_SPAN_TOKENS = 12
_ORGANISATION_HEADS = {
    "union",
    "office",
    "commission",
    "ministry",
    "council",
    "forces",
    "force",
    "university",
    "company",
    "committee",
    "agency",
    "bank",
    "party",
    "government",
    "parliament",
    "department",
    "institute",
    "association",
    "army",
    "navy",
    "church",
    "court",
    "corporation",
    "group",
    "organization",
    "organisation",
    "republic",
    "kingdom",
    "states",
    "nations",
}


@dataclass(frozen=True)
class Span:
    """A short answer: ``text`` is ``sentence[start:end]``."""

    text: str
    start: int
    end: int
    kind: AnswerType | AnswerKind  # this module's rules, or the reading step's kind
    cost: float = 0.0  # lower is likelier: distance to the question's words plus length


def answer_type(question: str) -> AnswerType:
    """The kind of phrase that can answer the question ("none": a reason, a manner or yes/no,
    which a phrase cannot answer; the sentence is the answer then)."""
    for kind, pattern in _TYPE_PATTERNS:
        if pattern.search(question):
            return kind
    return "none"


# "how many Ukrainian drone manufacturers are there": the counted noun ends the phrase before the verb.
_HOW_MANY = re.compile(
    r"\bhow many ((?:[A-Za-z][\w-]*\s+){0,3}?[A-Za-z][\w-]*)(?=\s+(?:are|is|were|was|do|does|did|can|could|"
    r"will|would|have|has|had|took|take|in|of|on|at|for|from|to|does)\b|\s*[?.,]|$)",
    re.I,
)
_COUNTED_WINDOW = re.compile(r"(?:\s+[\w-]+){1,3}")
_ASKS_MONEY = re.compile(
    r"\b(cost|costs|price|budget|money|sum|spend|spent|paid|pay|worth|funding|invest(ed|ment)?)\b", re.I
)
_MONEY = re.compile(r"[$€£¥]|\b(euros?|dollars?|pounds?|yen|francs?|rubles?|roubles?|hryvnias?|usd|eur|gbp)\b", re.I)


def _question_stems(question: str) -> set[str]:
    return set(content_words(question))


def _runs(sentence: str, question_stems: set[str]) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Stretches of the sentence without question words or punctuation, as (start, end) offsets,
    and the (start, end) offsets of the sentence's words that the question also has."""
    runs: list[tuple[int, int]] = []
    anchors: list[tuple[int, int]] = []
    start: int | None = None
    end = 0  # read only once a run has started, which sets it
    for token in _TOKEN.finditer(sentence):
        word = token.group()
        is_question_word = bool(content_words(word)) and set(content_words(word)) <= question_stems
        if is_question_word:
            anchors.append((token.start(), token.end()))
        if is_question_word or (not word[0].isalnum() and word not in "$€£%"):
            if start is not None:
                runs.append((start, end))
            start = None
            continue
        if start is None:
            start = token.start()
        end = token.end()
    if start is not None:
        runs.append((start, end))
    return runs, anchors


_QUALIFIER = re.compile(
    r"(about|around|approximately|nearly|almost|over|under|more than|less than|fewer than|up to|"
    r"at least|at most|some|roughly)\s",
    re.I,
)


def _trim(sentence: str, start: int, end: int) -> tuple[int, int] | None:
    """The span without small words at its edges ("more than 500" keeps its qualifier, which
    is part of the amount); None when nothing is left."""
    tokens = [(m.start(), m.end()) for m in _TOKEN.finditer(sentence, start, end)]
    has_number = any(ch.isdigit() for ch in sentence[start:end])

    def qualifies() -> bool:
        return has_number and bool(_QUALIFIER.match(sentence, tokens[0][0]))

    while tokens and not qualifies() and sentence[tokens[0][0] : tokens[0][1]].lower() in _EDGE_WORDS:
        tokens.pop(0)
    while tokens and sentence[tokens[-1][0] : tokens[-1][1]].lower() in _EDGE_WORDS:
        tokens.pop()
    return (tokens[0][0], tokens[-1][1]) if tokens else None


def _typed(kind: AnswerType, text: str, offset: int) -> list[tuple[int, int]]:
    pattern = {"number": _NUMBER, "date": _DATE, "person": _NAME, "place": _NAME}.get(kind)
    if pattern is None:
        return [(offset, offset + len(text))]
    spans = [(m.start(), m.end()) for m in pattern.finditer(text) if m.group().strip()]
    if kind == "number":  # the day of a date or a year is not an amount
        dates = [(m.start(), m.end()) for m in _DATE.finditer(text)]
        spans = [(s, e) for s, e in spans if not any(ds < e and s < de for ds, de in dates)]
    return [(offset + s, offset + e) for s, e in spans]


def _runs_into_question_name(sentence: str, end: int, anchors: list[tuple[int, int]]) -> bool:
    """Whether a capitalised word the question also has follows the span after one space: the
    span is then the front of a name the question names itself, not the name it asks for. (A
    title before a name, "President Ursula ...", is the other way round and stays.)"""
    return any(a_start == end + 1 and sentence[end] == " " and sentence[a_start].isupper() for a_start, _ in anchors)


def short_answer(question: str, sentence: str, search_query: str | None = None) -> Span | None:
    """The shortest phrase of ``sentence`` that answers ``question``, or None when the question
    wants more than a phrase or no stretch of the sentence fits its type. ``search_query`` (a
    follow-up rewritten with its context) adds the words an answer must not repeat."""
    kind = answer_type(question)
    if kind == "none":
        return None
    if kind == "thing" and _ASKS_MONEY.search(question):
        kind = "number"  # "what sum...?", "what was the cost...?": an amount answers
    question_stems = _question_stems(question) | _question_stems(search_query or "")
    counted_match = _HOW_MANY.search(question) if kind == "number" else None
    counted = set(content_words(counted_match.group(1).split()[-1])) if counted_match else set()
    runs, anchors = _runs(sentence, question_stems)
    candidates: list[tuple[float, int, int]] = []
    for run_start, run_end in runs:
        for start, end in _typed(kind, sentence[run_start:run_end], run_start):
            trimmed = _trim(sentence, start, end)
            if trimmed is None:
                continue
            start, end = trimmed
            words = content_words(sentence[start:end])
            if not words or len(_TOKEN.findall(sentence[start:end])) > MAX_SPAN_TOKENS:
                continue
            if kind in ("person", "place") and sentence[start:end].lower() in _EDGE_WORDS:
                continue
            unit_missing = False
            if counted:
                # "How many countries...?": the number followed (within a few words) by the counted noun.
                unit = _COUNTED_WINDOW.match(sentence, end)
                tail = [(m.start(), m.end()) for m in _TOKEN.finditer(sentence, end, unit.end() if unit else end)]
                hit = next((e for st, e in tail if set(content_words(sentence[st:e])) & counted), None)
                end, unit_missing = (hit, False) if hit is not None else (end, True)
            if _ASKS_MONEY.search(question) and kind in ("number", "thing") and not _MONEY.search(sentence[start:end]):
                continue
            if kind == "date" and ASKS_YEAR_DECADE_OR_CENTURY.search(question) and not YEAR.search(sentence[start:end]):
                continue
            # A paraphrased question may share no word with the sentence: then length alone decides.
            distance = min((max(a_start - end, start - a_end, 0) for a_start, a_end in anchors), default=0)
            cost = distance + 0.5 * (end - start) + (20 if unit_missing else 0)
            if kind in ("person", "place") and " " not in sentence[start:end]:
                cost += 15  # a lone capitalised word is more often a title ("Minister") than a name
            if kind == "person" and sentence[start:end].rsplit(None, 1)[-1].lower() in _ORGANISATION_HEADS:
                cost += 30  # "European Union" names an organisation, not a person
            if kind in ("person", "place") and _runs_into_question_name(sentence, end, anchors):
                cost += 30  # "[EU Defense Innovation] Office": part of a name the question already gives
            if kind == "place" and re.search(r"\b(in|at|from|near|to)\s+(the\s+)?$", sentence[:start]):
                cost -= 15
            if kind == "person" and re.search(r"\b(in|at|near)\s+(the\s+)?$", sentence[:start]):
                cost += 15  # "opened the office in Kyiv": a place, not who did it ("a man from the MoD" may be)
            if kind == "thing" and anchors and end <= max(a_start for a_start, _ in anchors):
                cost += 10  # "what does the bakery sell?": the thing asked for follows the question's words
            candidates.append((cost, start, end))
    if not candidates:
        return None
    # "Where was it moved to?": a preposition left at the end of the question introduces the answer.
    stranded = re.search(r"\b(to|from|in|at|by|for|with|of|on|into|after|before)\W*$", question, re.I)
    if stranded:
        before = re.compile(rf"\b{stranded.group(1)}\s+(?:the\s+)?$", re.I)
        candidates = [
            (cost - 10 if before.search(sentence[:start]) else cost, start, end) for cost, start, end in candidates
        ]
    cost, start, end = min(candidates)
    return verified_span(sentence, Span(sentence[start:end], start, end, kind, cost))


def verified_span(sentence: str, span: Span) -> Span | None:
    """The span if it is exactly the sentence's text at its offsets (a quote, never a rewrite)."""
    if span.text and sentence[span.start : span.end] == span.text and span.text.strip() == span.text:
        return span
    return None
