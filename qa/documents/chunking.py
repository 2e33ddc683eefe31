"""Sentence-aware chunking: whole sentences packed into token-sized chunks, with overlap."""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pysbd
from pysbd.utils import TextSpan

from qa.settings import IngestSettings

TokenCounter = Callable[[str], int]


@dataclass(frozen=True)
class Chunk:
    id: str
    text: str
    page: int | None
    index: int
    location: str = ""  # where in the file, for citations: "slide 3", "sheet Budget", "Install › Docker"


class _Segmenter(pysbd.Segmenter):
    """pysbd's segmenter with the same results, found faster: to return each sentence as written
    (``clean=False``), pysbd locates it in the original text with a regular expression made
    from the sentence, so every sentence costs a regex compile that the cache never reuses (0.65 s
    of 2.3 s for 300 PubMedQA abstracts, a tenth of their ingest). This locates it with
    ``str.find``, keeping pysbd's rule: the first match, extended over the whitespace after it,
    that ends after the previous sentence's span, scanning as ``re.finditer`` does."""

    def sentences_with_char_spans(self, sentences: list[str]) -> list[TextSpan]:
        text = self.original_text
        spans: list[TextSpan] = []
        prior_end = 0
        for sentence in sentences:
            pos = 0
            while pos <= len(text):
                start = text.find(sentence, pos)
                if start < 0:
                    break
                end = start + len(sentence)
                while end < len(text) and text[end].isspace():  # the regex's trailing \s*
                    end += 1
                if end > prior_end:
                    spans.append(TextSpan(text[start:end], start, end))
                    prior_end = end
                    break
                pos = end if end > start else start + 1  # finditer resumes after a match
        return spans


# pysbd's Segmenter keeps the text it is splitting on the object, so one shared instance
# gives wrong results under threads: each thread gets its own.
_local = threading.local()


def _segmenter() -> pysbd.Segmenter:
    segmenter = getattr(_local, "segmenter", None)
    if segmenter is None:
        segmenter = _local.segmenter = _Segmenter(language="en", clean=False)
    return segmenter


_LIST_MARKER = re.compile(r"^(?:[-*•+]|\d{1,3}[.)])\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
# pysbd's time grows faster than linearly with the length of a line (65 s for one 300 KB
# line); longer lines go to a plain punctuation splitter instead.
MAX_SEGMENTED_LINE_CHARS: int = IngestSettings.model_fields["max_line_chars"].default


def _hard_wrap(text: str, width: int) -> list[str]:
    """Pieces of at most ``width`` characters, cut at whitespace where there is some."""
    pieces: list[str] = []
    while len(text) > width:
        cut = text.rfind(" ", 0, width)
        cut = cut if cut > width // 2 else width
        pieces.append(text[:cut].strip())
        text = text[cut:].strip()
    if text:
        pieces.append(text)
    return pieces


def _split_long_line(line: str, width: int) -> list[str]:
    pieces: list[str] = []
    for part in _SENTENCE_END.split(line):
        pieces.extend(_hard_wrap(part, width) if len(part) > width else [part])
    return pieces


def split_sentences(text: str, max_line_chars: int = MAX_SEGMENTED_LINE_CHARS) -> list[str]:
    """Sentences of ``text``; a line break always ends a sentence (headings, list items),
    and list markers ("- ", "1. ") are dropped. Lines over ``max_line_chars`` are split at
    sentence punctuation (and at whitespace when still too long) instead of by pysbd."""
    sentences: list[str] = []
    for line in text.splitlines():
        line = _LIST_MARKER.sub("", line.strip())
        if not line:
            continue
        parts = _segmenter().segment(line) if len(line) <= max_line_chars else _split_long_line(line, max_line_chars)
        sentences.extend(s.strip() for s in parts if s.strip())
    return sentences


def chunk_id(doc_id: str, page: int | None, text: str, location: str = "") -> str:
    """Stable id: the same text at the same place of the same document always gets the same id.
    A location is part of the place (the same line under two headings is two chunks); without
    one the id is what it was before locations existed, so indexes built then stay valid."""
    place = f"{page}\x1f{location}" if location else f"{page}"
    digest = hashlib.sha256(f"{doc_id}\x1f{place}\x1f{text}".encode("utf-8", "surrogatepass")).hexdigest()
    return digest[:32]


def _split_long_sentence(sentence: str, max_tokens: int, count: TokenCounter) -> list[str]:
    """Word-wise pieces of at most ``max_tokens``. Word counts are summed, which is exact for
    WordPiece-style tokenizers (they split on whitespace first) and linear in the length."""
    pieces: list[str] = []
    words: list[str] = []
    used = 0
    for word in sentence.split():
        n = max(count(word), 1)
        if words and used + n > max_tokens:
            pieces.append(" ".join(words))
            words, used = [], 0
        words.append(word)
        used += n
    if words:
        pieces.append(" ".join(words))
    return pieces


def pack_sentences(sentences: list[str], max_tokens: int, overlap_tokens: int, count: TokenCounter) -> list[str]:
    """Group sentences into chunks of at most ``max_tokens``; each chunk after the first
    starts with the last sentences of the one before, up to ``overlap_tokens``. Sentences are
    joined by line breaks, so a Markdown heading, fence or table row stays a line of its own
    (the reader text of a chunk can then tell a heading from the sentence after it)."""
    units: list[tuple[str, int]] = []
    for sentence in sentences:
        n = count(sentence)
        if n > max_tokens:
            units.extend((piece, count(piece)) for piece in _split_long_sentence(sentence, max_tokens, count))
        else:
            units.append((sentence, n))

    chunks: list[str] = []
    current: list[tuple[str, int]] = []
    fresh = 0  # units in `current` not carried over from the previous chunk
    for unit in units:
        if current and sum(n for _, n in current) + unit[1] > max_tokens:
            chunks.append("\n".join(s for s, _ in current))
            carried: list[tuple[str, int]] = []
            for prev in reversed(current):
                kept = sum(n for _, n in carried) + prev[1]
                if kept > overlap_tokens or kept + unit[1] > max_tokens:
                    break
                carried.insert(0, prev)
            current, fresh = carried, 0
        current.append(unit)
        fresh += 1
    if current and fresh:
        chunks.append("\n".join(s for s, _ in current))
    return chunks


_FENCE = re.compile(r"^\s*(```|~~~)")


def keep_fences_whole(sentences: list[str]) -> list[str]:
    """Markdown code blocks as one unit each (fence lines and code joined by line breaks), so a
    chunk never starts or ends inside one: a chunk that began at a closing fence would read the
    prose after it as code. An unclosed fence keeps its lines apart, as before."""
    units: list[str] = []
    block: list[str] | None = None
    for sentence in sentences:
        if block is None:
            if _FENCE.match(sentence):
                block = [sentence]
            else:
                units.append(sentence)
            continue
        block.append(sentence)
        if _FENCE.match(sentence):
            units.append("\n".join(block))
            block = None
    units.extend(block or [])
    return units


def pack_pages(
    pages: list[tuple[int | None, str]],
    max_tokens: int,
    overlap_tokens: int,
    count: TokenCounter,
    max_line_chars: int = MAX_SEGMENTED_LINE_CHARS,
) -> list[tuple[int | None, str]]:
    """(page, chunk text) of every page of one document, never crossing a page. Needs no
    document id, so it can run in a worker before the file's place in the index is known."""
    return [
        (page, text_chunk)
        for page, text in pages
        for text_chunk in pack_sentences(
            keep_fences_whole(split_sentences(text, max_line_chars)), max_tokens, overlap_tokens, count
        )
    ]


def pack_located_pages(
    pages: list[tuple[int | None, str, str]],
    max_tokens: int,
    overlap_tokens: int,
    count: TokenCounter,
    max_line_chars: int = MAX_SEGMENTED_LINE_CHARS,
) -> list[tuple[int | None, str, str]]:
    """``pack_pages`` for pages that carry a location label (a slide, a sheet, a section): each
    chunk keeps its page's label, and never crosses into the next page or section."""
    return [
        (page, text_chunk, location)
        for page, text, location in pages
        for text_chunk in pack_sentences(
            keep_fences_whole(split_sentences(text, max_line_chars)), max_tokens, overlap_tokens, count
        )
    ]


def assign_ids(doc_id: str, packed: Sequence[tuple[int | None, str] | tuple[int | None, str, str]]) -> list[Chunk]:
    """Chunks with their stable ids, in document order; duplicates (same text, same place) dropped.
    ``packed`` holds (page, text) or (page, text, location) items."""
    chunks: list[Chunk] = []
    seen: set[str] = set()
    for item in packed:
        page, text_chunk = item[0], item[1]
        location = item[2] if len(item) > 2 else ""
        cid = chunk_id(doc_id, page, text_chunk, location)
        if cid not in seen:
            seen.add(cid)
            chunks.append(Chunk(cid, text_chunk, page, len(chunks), location))
    return chunks


def chunk_pages(
    doc_id: str,
    pages: list[tuple[int | None, str]],
    max_tokens: int,
    overlap_tokens: int,
    count: TokenCounter,
    max_line_chars: int = MAX_SEGMENTED_LINE_CHARS,
) -> list[Chunk]:
    """Chunks of every page of one document, never crossing a page; duplicates dropped."""
    return assign_ids(doc_id, pack_pages(pages, max_tokens, overlap_tokens, count, max_line_chars))
