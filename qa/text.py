"""Text tools every layer shares: normalising, stop words, the light stemmer, citation marks,
and the patterns for numbers, years and what a question asks for. Documents, retrieval,
answering and evaluation import them from here (one home; the answer layer used to hold them,
so retrieval imported upwards)."""

from __future__ import annotations

import re
import string
from functools import lru_cache

STOP_WORDS = frozenset(
    """a an the and or but if of to in on at by for with from as is are was were be been being
    it its this that these those there here which who whom whose what when where why how
    do does did has have had having will would can could should may might must shall
    not no nor so than then too very just also only into over under about after before
    up down out off again further once all any both each few more most other some such
    own same i me my we our you your he him his she her they them their our ours yours
    s t don now""".split()
)
PUNCTUATION = re.compile(f"[{re.escape(string.punctuation)}‘’“”–—]")
CITATION_MARK = re.compile(r"\[(\d+)\]")
WORD = re.compile(r"\w+", re.UNICODE)  # search terms
WORD_WITH_APOSTROPHES = re.compile(r"[\w'’-]+")  # names and numbers as written ("O'Neill", "COVID-19")
NUMBER_TOKEN = re.compile(r"\d[\d.,]*")  # a normalised word that is a number
DIGITS = re.compile(r"\d[\d.,]*\d|\d")  # a number as written in a question
NEGATION = re.compile(r"\b(not|never|no|none|neither|nor|without)\b|n[’']t\b", re.IGNORECASE)

# A year as written: 1000-2099, optionally a decade ("1990s").
YEAR = re.compile(r"\b(1[0-9]|20)\d{2}s?\b")
NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozen|dozens|twenty|thirty|forty|fifty|"
    "hundred|hundreds|thousand|thousands|million|millions|billion|billions|half|several|few"
)
HAS_NUMBER = re.compile(rf"\d|\b({NUMBER_WORDS})\b", re.IGNORECASE)
# "How many/much/long/far/old/often": a sentence without a number cannot answer these. The
# reading rules also type "how large/tall/…" as numbers (span.py), where a sentence may answer
# in words ("very tall"), so those do not filter sentences.
COUNT_WORDS = "many|much|long|far|old|often"
SIZE_WORDS = "large|big|tall|high|fast|deep|wide"
ASKS_COUNT = re.compile(rf"\bhow ({COUNT_WORDS})\b", re.IGNORECASE)
# "What/which year": a sentence without a year cannot answer; "which decade/century" can be
# answered in words ("the 19th century"), so only the reading rules' date check uses those.
ASKS_YEAR = re.compile(r"\b(what|which|in what|in which) year\b", re.IGNORECASE)
ASKS_YEAR_DECADE_OR_CENTURY = re.compile(r"\b(what|which) (year|decade|century)\b", re.IGNORECASE)


def normalize_answer(text: str) -> str:
    """SQuAD's answer normalisation: lower case, drop punctuation, articles and extra space."""
    text = PUNCTUATION.sub(" ", text.lower())
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


@lru_cache(maxsize=4096)
def stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def content_words(text: str) -> list[str]:
    """Normalised, stemmed words without stop words or citation marks."""
    return [stem(w) for w in normalize_answer(CITATION_MARK.sub(" ", text)).split() if w not in STOP_WORDS]


def cited_numbers(text: str) -> list[int]:
    return [int(n) for n in CITATION_MARK.findall(text)]


def strip_citations(text: str) -> str:
    return re.sub(r"\s+([.,;:!?])", r"\1", CITATION_MARK.sub("", text)).strip()
