"""Turn answer sentences tied to passages into numbered text and ``Citation`` objects."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from qa.answer.injection import looks_like_instruction
from qa.answer.support import sentence_support, support
from qa.documents.chunking import split_sentences
from qa.documents.reader_text import markup_of, reader_text
from qa.text import cited_numbers, strip_citations
from qa.types import Citation, Passage

REFUSAL_TEXT = "The documents do not contain an answer to this question."
UNVERIFIED_MARK = "(unverified: no passage supports this)"
_NOT_FOUND = re.compile(
    r"not (?:in|found in|contained in|mentioned in|stated in|given in) the (?:documents|passages|text|context)"
    r"|(?:documents|passages|context) do(?:es)? not (?:contain|say|mention|state)|cannot be answered|^\s*unknown\b|i don'?t know",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Claim:
    """One answer sentence and the passage (by its number) that supports it; ``is_best``
    marks the sentence a short answer is cut from."""

    sentence: str
    passage_number: int
    is_best: bool = False
    verified: bool = True  # False: a generated sentence no passage sentence supports, kept only by setting


def says_not_found(text: str) -> bool:
    return bool(_NOT_FOUND.search(text))


_TAG_LINE = re.compile(r"(?m)^(\s*</?[A-Za-z][^>\n]*>)[ \t]*$")


@lru_cache(maxsize=8192)
def _reader_units(text: str, source: str) -> tuple[tuple[str, str], ...]:
    """(sentence, kind) of the passage's reader text, kind being the block it stands in
    ("heading", "code", "table" or "text"). A code block is one unit, and a sentence that
    introduces it ("... like this:") is read with it, so the command it announces is quoted too."""
    markup = markup_of(source)
    if markup == "markdown":
        # Chunks keep a sentence a line but not the blank lines between blocks: a line holding
        # only a tag (an MDX component, an HTML image) would otherwise open an HTML block that
        # swallows the heading and prose after it, which then read as raw text ("### ...").
        text = _TAG_LINE.sub(r"\1\n", text)
    view = reader_text(text, markup)
    units: list[tuple[str, str]] = []
    for start, end, kind in view.blocks():
        block = view.text[start:end].strip()
        if not block:
            continue
        if kind == "code":
            if units and units[-1][1] == "text" and units[-1][0].endswith(":"):
                units[-1] = (f"{units[-1][0]} {' '.join(block.split())}", "text")
            else:
                units.append((block, "code"))
            continue
        units.extend((sentence, kind) for sentence in split_sentences(block))
    return tuple(units)


def passage_sentences(passage: Passage) -> list[str]:
    """The passage's sentences as a reader sees them: Markdown rendered to text (no ``#``,
    fences, link targets or HTML), so answers and quotes never show markup."""
    return [sentence for sentence, _ in _reader_units(passage.text, passage.source)]


def answer_sentences(passage: Passage) -> list[str]:
    """The sentences that can be an answer: not a heading (a title states nothing) and not a
    question (a document's own question never answers one)."""
    return [
        sentence
        for sentence, kind in _reader_units(passage.text, passage.source)
        if kind != "heading" and not sentence.rstrip().endswith("?")
    ]


def evidence_sentences(passage: Passage) -> list[str]:
    """The passage's sentences that can be evidence (never one addressing the assistant)."""
    return [s for s in passage_sentences(passage) if not looks_like_instruction(s)]


def best_quote(claim: str, passage: Passage) -> str:
    """The passage sentence that supports the claim best (never one addressing the assistant)."""
    sentences = evidence_sentences(passage) or [passage.text]
    return max(sentences, key=lambda s: (support(claim, s), -len(s)))


def assemble(claims: list[Claim], passages: list[Passage]) -> tuple[str, list[Citation]]:
    """Answer text with ``[n]`` markers renumbered by first use, and one citation per cited passage."""
    by_number = {p.number: p for p in passages}
    renumber: dict[int, int] = {}
    quotes: dict[int, list[str]] = {}
    parts: list[str] = []
    for claim in claims:
        if not claim.verified:
            parts.append(f"{claim.sentence.rstrip().rstrip('.!?')} {UNVERIFIED_MARK}.")
            continue
        passage = by_number[claim.passage_number]
        n = renumber.setdefault(passage.number, len(renumber) + 1)
        quote = best_quote(claim.sentence, passage)
        if quote not in quotes.setdefault(n, []):
            quotes[n].append(quote)
        sentence = claim.sentence.rstrip()
        end = sentence[-1] if sentence and sentence[-1] in ".!?" else ""
        body = sentence[:-1] if end else sentence
        parts.append(f"{body} [{n}]{end or '.'}")
    citations = [
        Citation(
            number=n,
            source=by_number[original].source,
            title=by_number[original].title,
            page=by_number[original].page,
            chunk_id=by_number[original].chunk_id,
            quote=" ".join(quotes[n]),
            passage=by_number[original].text,
            relevance=round(by_number[original].relevance, 4),
            location=by_number[original].location,
        )
        for original, n in renumber.items()
    ]
    return " ".join(parts), citations


def assemble_short(span_text: str, claim: Claim, passages: list[Passage]) -> tuple[str, list[Citation]]:
    """A short answer: the span leads, cited; the citation quotes the sentence it was cut from
    and marks the span in it (``highlight``)."""
    _, citations = assemble([claim], passages)
    citation = citations[0]
    highlighted = Citation(**{**citation.__dict__, "quote": claim.sentence, "highlight": span_text})
    return f"{span_text} [1].", [highlighted]


def evidence_text(passage: Passage) -> str:
    """The passage without sentences that address the assistant: those are never evidence."""
    return " ".join(evidence_sentences(passage))


def best_sentence_support(claim: str, passage: Passage) -> float:
    """The support of the claim by the single passage sentence that supports it best (see
    ``sentence_support``); instruction-like sentences are never evidence."""
    sentences = evidence_sentences(passage)
    return max((sentence_support(claim, x) for x in sentences), default=0.0)


def ground_generated(
    draft: str, passages: list[Passage], min_support: float, keep_unverified: bool = False
) -> list[Claim]:
    """Claims from generated text: a sentence stands when one sentence of a passage supports it
    (every amount and name of it there, and ``min_support`` of its content words); it goes to
    the passage it cites when that one does, else to the best-supporting passage. Sentences
    without such support are dropped (with ``keep_unverified``, kept unverified and uncited);
    "not in the documents" sentences always are."""
    claims: list[Claim] = []
    valid = {p.number: p for p in passages}
    draft = re.sub(r"\[(\d+)$", r"[\1]", draft.strip())  # cut by the "]." stop sequence
    for sentence in split_sentences(draft):
        plain = strip_citations(sentence)
        if not plain or says_not_found(plain):
            continue
        scored = sorted(((best_sentence_support(plain, p), p.number) for p in passages), reverse=True)
        cited = [(best_sentence_support(plain, valid[n]), n) for n in cited_numbers(sentence) if n in valid]
        best_cited = max(cited, default=(0.0, 0))
        choice = best_cited if best_cited[0] >= min_support else (scored[0] if scored else (0.0, 0))
        if all(c.sentence != plain for c in claims):
            if choice[0] >= min_support:
                claims.append(Claim(plain, choice[1], is_best=not any(c.verified for c in claims)))
            elif keep_unverified:
                claims.append(Claim(plain, 0, verified=False))
    return claims
