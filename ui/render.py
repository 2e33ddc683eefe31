"""Pure helpers that turn answers into HTML/Markdown for the page (no Streamlit calls)."""

from __future__ import annotations

import html
import re

from qa.documents.chunking import split_sentences
from qa.types import Answer, Citation


def _quote_pattern(sentence: str) -> re.Pattern[str] | None:
    """The sentence's words with any run of whitespace between them: a sentence the document
    breaks across lines (PDF text, wrapped Markdown) still matches."""
    words = sentence.split()
    return re.compile(r"\s+".join(re.escape(w) for w in words)) if words else None


def highlight_spans(text: str, quote: str) -> list[tuple[int, int]]:
    """Where each sentence of ``quote`` occurs in ``text`` (first occurrence, in order)."""
    spans: list[tuple[int, int]] = []
    for sentence in split_sentences(quote) or [quote]:
        pattern = _quote_pattern(sentence)
        match = pattern.search(text) if pattern else None
        if match:
            spans.append(match.span())
    return sorted(spans)


def highlight(text: str, quote: str, markdown: bool = False, anchor: bool = False) -> str:
    """``text`` as HTML with every sentence of ``quote`` found in it wrapped in <mark> (with
    ``anchor``, the first one has id "hl", to scroll to). With ``markdown`` the line structure is kept for a
    Markdown renderer (a mark never spans lines, so lists survive); otherwise lines become <br>."""
    out, pos = [], 0
    for start, end in highlight_spans(text, quote):
        if start < pos:
            continue
        out.append(html.escape(text[pos:start]))
        lines = text[start:end].split("\n")
        out.append("\n".join(f"<mark>{html.escape(line)}</mark>" if line.strip() else line for line in lines))
        pos = end
    out.append(html.escape(text[pos:]))
    result = "".join(out)
    if anchor:
        result = result.replace("<mark>", "<mark id='hl'>", 1)
    return result if markdown else result.replace("\n", "<br>")


# Cosine relevance of MiniLM in words; the bands follow the seed and SQuAD evaluations, where
# answered questions' best passages mostly score 0.4-0.7 and off-topic ones under 0.25.
RELEVANCE_WORDS = ((0.6, "strong match"), (0.4, "good match"), (0.25, "partial match"))


def relevance_words(relevance: float) -> str:
    """How closely a passage matches the question, in words a user reads at a glance."""
    return next((words for floor, words in RELEVANCE_WORDS if relevance >= floor), "weak match")


def card_label(c: Citation) -> str:
    # A location reads as a path into the file ("guide.md › Install › Docker", "deck.pptx › slide 3").
    page = f" › {c.location}" if c.location else (f" · page {c.page}" if c.page else "")
    title = f" · {c.title}" if c.title else ""
    return f"[{c.number}] {c.file_name}{page}{title} · {relevance_words(c.relevance)} ({c.relevance:.2f})"


def linked_markers(answer: Answer, anchor_prefix: str) -> str:
    """Answer text whose [n] markers are links (a finger-sized target) to the matching source card."""
    numbers = {c.number for c in answer.citations}

    def link(match: re.Match) -> str:
        n = int(match.group(1))
        if n not in numbers:
            return match.group(0)
        return (f"<a class='marker' href='#{anchor_prefix}-{n}' title='Show source {n}' "
                f"aria-label='Source {n}'>[{n}]</a>")

    text = re.sub(r"\[(\d+)\]", link, html.escape(answer.text))
    # A sentence answer marks the phrase the reading step found likeliest (not confident enough
    # to stand alone), so the eye finds it without the sentence being cut.
    phrase = next((c.highlight for c in answer.citations if c.highlight), "")
    if phrase and not answer.short_answer and html.escape(phrase) in text:
        text = text.replace(html.escape(phrase), f"<mark class='phrase'>{html.escape(phrase)}</mark>", 1)
    return text
