"""Pure helpers that turn answers into HTML/Markdown for the page (no Streamlit calls)."""

from __future__ import annotations

import re

from qa import Answer, Citation, html_text, md_document, split_sentences


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
    Markdown renderer (a mark never spans lines, so lists survive) and only formatting survives
    (no link, image or raw HTML); otherwise every character is text and lines become <br>."""
    escape = md_document if markdown else html_text
    out, pos = [], 0
    for start, end in highlight_spans(text, quote):
        if start < pos:
            continue
        out.append(escape(text[pos:start]))
        lines = text[start:end].split("\n")
        out.append("\n".join(f"<mark>{escape(line)}</mark>" if line.strip() else line for line in lines))
        pos = end
    out.append(escape(text[pos:]))
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
    """The card's heading as plain text: escape it for the context it is shown in. A location reads
    as a path into the file ("guide.md › Install › Docker", "deck.pptx › slide 3", "report.pdf › page 2 ›
    Results")."""
    page = f" › {c.where}" if c.location else (f" · page {c.page}" if c.page else "")
    title = f" · {c.title}" if c.title else ""
    return f"[{c.number}] {c.file_name}{page}{title} · {relevance_words(c.relevance)} ({c.relevance:.2f})"


def linked_markers(answer: Answer, anchor_prefix: str) -> str:
    """Answer text whose [n] markers are links (a finger-sized target) to the matching source card."""
    numbers = {c.number for c in answer.citations}
    # A sentence answer marks the phrase the reading step found likeliest (not confident enough
    # to stand alone), so the eye finds it without the sentence being cut.
    phrase = next((c.highlight for c in answer.citations if c.highlight), "")
    mark = phrase if phrase and not answer.short_answer else ""

    def text_part(part: str) -> str:
        nonlocal mark
        if mark and mark in part:
            before, after = part.split(mark, 1)
            marked = f"{html_text(before)}<mark class='phrase'>{html_text(mark)}</mark>{html_text(after)}"
            mark = ""
            return marked
        return html_text(part)

    # The markers become links before the text is escaped (escaping turns "[" into a reference).
    out, pos = [], 0
    for match in re.finditer(r"\[(\d+)\]", answer.text):
        n = int(match.group(1))
        if n not in numbers:
            continue
        out.append(text_part(answer.text[pos : match.start()]))
        out.append(
            f"<a class='marker' href='#{anchor_prefix}-{n}' title='Show source {n}' aria-label='Source {n}'>[{n}]</a>"
        )
        pos = match.end()
    out.append(text_part(answer.text[pos:]))
    return "".join(out)
