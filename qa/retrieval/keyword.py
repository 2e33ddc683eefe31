"""Keyword search terms: a question becomes an FTS5 query of its content words, any of which may match."""

from __future__ import annotations

from qa.text import STOP_WORDS, WORD

MAX_TERMS = 32


def match_expression(question: str) -> str:
    """An FTS5 ``MATCH`` expression: each content word quoted (so no word is read as an FTS5
    operator), joined by OR so BM25 ranks chunks by how many rare words they share."""
    words = [w for w in WORD.findall(question.lower()) if w not in STOP_WORDS and (len(w) > 1 or w.isdigit())]
    terms = list(dict.fromkeys(words))[:MAX_TERMS]
    return " OR ".join(f'"{t}"' for t in terms)
