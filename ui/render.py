"""Pure helpers that turn answers into HTML/Markdown for the page (no Streamlit calls)."""

from __future__ import annotations

import html
import re

from qa.documents.chunking import split_sentences
from qa.types import Answer, Citation


def highlight(text: str, quote: str) -> str:
    """HTML of ``text`` with every sentence of ``quote`` found in it wrapped in <mark>."""
    spans: list[tuple[int, int]] = []
    for sentence in split_sentences(quote) or [quote]:
        start = text.find(sentence)
        if sentence and start >= 0:
            spans.append((start, start + len(sentence)))
    out, pos = [], 0
    for start, end in sorted(spans):
        if start < pos:
            continue
        out += [html.escape(text[pos:start]), "<mark>", html.escape(text[start:end]), "</mark>"]
        pos = end
    out.append(html.escape(text[pos:]))
    return "".join(out).replace("\n", "<br>")


# Cosine relevance of MiniLM in words; the bands follow the seed and SQuAD evaluations, where
# answered questions' best passages mostly score 0.4-0.7 and off-topic ones under 0.25.
RELEVANCE_WORDS = ((0.6, "strong match"), (0.4, "good match"), (0.25, "partial match"))


def relevance_words(relevance: float) -> str:
    """How closely a passage matches the question, in words a user reads at a glance."""
    return next((words for floor, words in RELEVANCE_WORDS if relevance >= floor), "weak match")


def card_label(c: Citation) -> str:
    page = f" · page {c.page}" if c.page else ""
    title = f" · {c.title}" if c.title else ""
    return f"[{c.number}] {c.file_name}{page}{title} · {relevance_words(c.relevance)} ({c.relevance:.2f})"


def linked_markers(answer: Answer, anchor_prefix: str) -> str:
    """Answer text whose [n] markers link to the matching source card on the page."""
    numbers = {c.number for c in answer.citations}

    def link(match: re.Match) -> str:
        n = int(match.group(1))
        return f"[<a href='#{anchor_prefix}-{n}' title='Show source {n}'>{n}</a>]" if n in numbers else match.group(0)

    return re.sub(r"\[(\d+)\]", link, html.escape(answer.text))
