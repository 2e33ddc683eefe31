"""The extractive backend: the answer is the retrieved sentences that best answer the question."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from langchain_core.embeddings import Embeddings

from qa.answer.ground import Claim, answer_sentences
from qa.answer.injection import looks_like_instruction
from qa.text import ASKS_COUNT, ASKS_YEAR, DIGITS, HAS_NUMBER, YEAR, content_words
from qa.types import Passage


def fits_question(question: str, sentence: str) -> bool:
    """Whether the sentence can answer the question's type: "how many/much" needs a number,
    "what year" a year, and every number the question names must be in the sentence."""
    if ASKS_COUNT.search(question) and not HAS_NUMBER.search(sentence):
        return False
    if ASKS_YEAR.search(question) and not YEAR.search(sentence):
        return False
    return all(n in sentence for n in DIGITS.findall(question))


# A sentence scores 0.75 * cosine(question, sentence) + 0.25 * share of the question's
# content words it holds; a second sentence is added when it scores nearly as well.
SEMANTIC_WEIGHT = 0.75
SECOND_SENTENCE_MARGIN = 0.06


def sentence_score(cosine: float, question_words: set[str], sentence: str) -> float:
    overlap = len(question_words & set(content_words(sentence))) / len(question_words) if question_words else 0.0
    return SEMANTIC_WEIGHT * cosine + (1 - SEMANTIC_WEIGHT) * overlap


class SentenceVectors:
    """Embeddings of passage sentences, kept between questions (the same chunks come back
    often), least recently used dropped first. Safe to share between threads."""

    def __init__(self, embeddings: Embeddings, max_items: int = 10_000) -> None:
        self.embeddings = embeddings
        self.max_items = max_items
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def embed_query(self, text: str) -> np.ndarray:
        return np.asarray(self.embeddings.embed_query(text))

    def __call__(self, sentences: list[str]) -> np.ndarray:
        with self._lock:
            found = {s: self._cache[s] for s in sentences if s in self._cache}
        missing = list(dict.fromkeys(s for s in sentences if s not in found))
        if missing:  # embedded outside the lock: two threads may both embed a sentence, harmlessly
            for sentence, vector in zip(missing, self.embeddings.embed_documents(missing)):
                found[sentence] = np.asarray(vector)
        with self._lock:
            for sentence in sentences:
                self._cache[sentence] = found[sentence]
                self._cache.move_to_end(sentence)
            while len(self._cache) > self.max_items:
                self._cache.popitem(last=False)
        return np.stack([found[s] for s in sentences])


def rank_sentences(question: str, passages: list[Passage], vectors: SentenceVectors) -> list[tuple[float, str, int]]:
    """Every distinct sentence of the passages as (score, sentence, passage number), best first."""
    candidates: list[tuple[str, int]] = []
    seen: set[str] = set()
    for passage in passages:
        for sentence in answer_sentences(passage):
            # Overlapping chunks repeat sentences; keep each once, from the higher-ranked passage.
            if sentence not in seen and len(content_words(sentence)) >= 3 and not looks_like_instruction(sentence):
                seen.add(sentence)
                candidates.append((sentence, passage.number))
    if not candidates:
        return []
    cosines = vectors([s for s, _ in candidates]) @ vectors.embed_query(question)
    question_words = set(content_words(question))
    scored = [(sentence_score(float(c), question_words, s), s, n) for c, (s, n) in zip(cosines, candidates)]
    return sorted(scored, key=lambda item: item[0], reverse=True)


def answering_sentences(question: str, ranked: list[tuple[float, str, int]]) -> list[tuple[float, str, int]]:
    """The ranked sentences whose content fits the question's type (see ``fits_question``)."""
    return [item for item in ranked if fits_question(question, item[1])]


@dataclass(frozen=True)
class Selection:
    """The select stage's output: the chosen sentences (document order) and the best one's score."""

    claims: list[Claim]
    best_score: float
    best_passage: int  # number of the passage holding the best sentence


def select_sentences(
    question: str, passages: list[Passage], vectors: SentenceVectors, max_sentences: int = 2
) -> Selection | None:
    """Best-scoring sentences of the passages that fit the question's type (at most
    ``max_sentences``; a second only when it scores nearly as well), or None when none fits."""
    ranked = answering_sentences(question, rank_sentences(question, passages, vectors))
    if not ranked:
        return None
    best = ranked[0][0]
    chosen = [item for item in ranked[:max_sentences] if item[0] >= best - SECOND_SENTENCE_MARGIN]
    # Document order reads better than score order; the best sentence leads a short answer.
    texts = {p.number: p.text for p in passages}
    chosen.sort(key=lambda item: (item[2], texts[item[2]].find(item[1])))
    claims = [Claim(sentence, number, is_best=sentence == ranked[0][1]) for _, sentence, number in chosen]
    return Selection(claims, best, ranked[0][2])
