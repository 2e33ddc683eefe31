"""Sentence-aware chunking: whole sentences packed into token-sized chunks, with overlap."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import pysbd

TokenCounter = Callable[[str], int]


@dataclass(frozen=True)
class Chunk:
    id: str
    text: str
    source: str
    page: int | None
    index: int


@lru_cache(maxsize=1)
def _segmenter() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="en", clean=False)


_LIST_MARKER = re.compile(r"^(?:[-*•+]|\d{1,3}[.)])\s+")


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text``; a line break always ends a sentence (headings, list items),
    and list markers ("- ", "1. ") are dropped."""
    sentences: list[str] = []
    for line in text.splitlines():
        line = _LIST_MARKER.sub("", line.strip())
        if line:
            sentences.extend(s.strip() for s in _segmenter().segment(line) if s.strip())
    return sentences


def chunk_id(source: str, page: int | None, text: str) -> str:
    """Stable id: the same text from the same place always gets the same id."""
    digest = hashlib.sha256(f"{source}\x1f{page}\x1f{text}".encode()).hexdigest()
    return digest[:32]


def _split_long_sentence(sentence: str, max_tokens: int, count: TokenCounter) -> list[str]:
    pieces: list[str] = []
    words: list[str] = []
    for word in sentence.split():
        if words and count(" ".join([*words, word])) > max_tokens:
            pieces.append(" ".join(words))
            words = []
        words.append(word)
    if words:
        pieces.append(" ".join(words))
    return pieces


def pack_sentences(sentences: list[str], max_tokens: int, overlap_tokens: int, count: TokenCounter) -> list[str]:
    """Group sentences into chunks of at most ``max_tokens``; each chunk after the first
    starts with the last sentences of the one before, up to ``overlap_tokens``."""
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
            chunks.append(" ".join(s for s, _ in current))
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
        chunks.append(" ".join(s for s, _ in current))
    return chunks


def chunk_pages(
    source: str,
    pages: list[tuple[int | None, str]],
    max_tokens: int,
    overlap_tokens: int,
    count: TokenCounter,
) -> list[Chunk]:
    """Chunks of every page of one document, never crossing a page; duplicates dropped."""
    chunks: list[Chunk] = []
    seen: set[str] = set()
    for page, text in pages:
        for text_chunk in pack_sentences(split_sentences(text), max_tokens, overlap_tokens, count):
            cid = chunk_id(source, page, text_chunk)
            if cid not in seen:
                seen.add(cid)
                chunks.append(Chunk(cid, text_chunk, source, page, len(chunks)))
    return chunks
