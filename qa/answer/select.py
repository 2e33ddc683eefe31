"""The extractive backend: the answer is the retrieved sentences that best answer the question."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
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
# content words it holds, minus 0.05 per rank its passage stands below the first; a second
# sentence is added when it scores nearly as well.
SEMANTIC_WEIGHT = 0.75
SECOND_SENTENCE_MARGIN = 0.06
# Chosen on the tune halves only (python -m bench.sentence_choice --no-int8 --keep 6 --busy 0
# --priors rank:0.01 ... rank:0.08 relevance:0.1 ... relevance:0.5, 8dc3e3b): top sentence right
# 0.744 -> 0.776 (SQuAD, 125 answerable) and 0.973 -> 0.977 (PubMedQA gold abstract, 476); every
# penalty from 0.01 to 0.08 helped both, the passage's relevance as a bonus did not. Retrieval
# has read the whole passage, and a sentence alone cannot tell which abstract is about the
# question's subject.
PASSAGE_RANK_PENALTY = 0.05


def sentence_score(cosine: float, question_words: set[str], sentence: str, passage_number: int = 1) -> float:
    overlap = len(question_words & set(content_words(sentence))) / len(question_words) if question_words else 0.0
    return SEMANTIC_WEIGHT * cosine + (1 - SEMANTIC_WEIGHT) * overlap - PASSAGE_RANK_PENALTY * (passage_number - 1)


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


def rank_sentences(
    question: str, passages: list[Passage], vectors: SentenceVectors, embed_at_most: int = 0
) -> list[tuple[float, str, int]]:
    """Every distinct sentence of the passages as (score, sentence, passage number), best first.
    With ``embed_at_most`` (0: no limit), only that many candidates are embedded and ranked: those
    that fit the question's type, then those sharing most content words with it, then the
    higher-ranked passage's. Embedding is most of an answer's time (docs/benchmarks.md)."""
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
    question_words = set(content_words(question))
    if 0 < embed_at_most < len(candidates):

        def promise(sentence: str) -> tuple[bool, int]:
            return fits_question(question, sentence), len(question_words & set(content_words(sentence)))

        keys = [promise(s) for s, _ in candidates]
        order = sorted(range(len(candidates)), key=lambda i: keys[i], reverse=True)  # stable: ties keep rank
        candidates = [candidates[i] for i in sorted(order[:embed_at_most])]
    cosines = vectors([s for s, _ in candidates]) @ vectors.embed_query(question)
    scored = [(sentence_score(float(c), question_words, s, n), s, n) for c, (s, n) in zip(cosines, candidates)]
    return sorted(scored, key=lambda item: item[0], reverse=True)


def _without_rank(item: tuple[float, str, int]) -> float:
    """A ranked sentence's score without its passage's rank penalty."""
    return item[0] + PASSAGE_RANK_PENALTY * (item[2] - 1)


def answering_sentences(question: str, ranked: list[tuple[float, str, int]]) -> list[tuple[float, str, int]]:
    """The ranked sentences whose content fits the question's type (see ``fits_question``)."""
    return [item for item in ranked if fits_question(question, item[1])]


Scorer = Callable[[str, list[str]], list[float]]


@dataclass(frozen=True)
class Rerank:
    """The answerability model's part in choosing: the ``top`` sentences by score are ordered by
    score + ``weight`` x the model's probability that the sentence answers the question."""

    scorer: Scorer
    weight: float
    top: int = 8


@dataclass(frozen=True)
class Selection:
    """The select stage's output: the chosen sentences (document order), the best one's score
    and the answerability model's probability for it (0.0 without the model)."""

    claims: list[Claim]
    best_score: float
    best_passage: int  # number of the passage holding the best sentence
    answerability: float = 0.0


def rerank(
    question: str, ranked: list[tuple[float, str, int]], how: Rerank
) -> tuple[list[tuple[float, str, int]], dict[str, float]]:
    """The first ``how.top`` sentences re-ordered by score + weight x answerability (the rest
    keep their order after them), and each scored sentence's answerability."""
    head, tail = ranked[: how.top], ranked[how.top :]
    probabilities = dict(zip((s for _, s, _ in head), how.scorer(question, [s for _, s, _ in head])))
    head = sorted(head, key=lambda item: item[0] + how.weight * probabilities[item[1]], reverse=True)
    return head + tail, probabilities


def select_sentences(
    question: str,
    passages: list[Passage],
    vectors: SentenceVectors,
    max_sentences: int = 2,
    how: Rerank | None = None,
    embed_at_most: int = 0,
) -> Selection | None:
    """Best-scoring sentences of the passages that fit the question's type (at most
    ``max_sentences``; a second only when it scores nearly as well), or None when none fits.
    With ``how``, the answerability model re-orders the best few first (see ``rerank``);
    ``embed_at_most`` limits the candidates (see ``rank_sentences``)."""
    ranked = answering_sentences(question, rank_sentences(question, passages, vectors, embed_at_most))
    if not ranked:
        return None
    probabilities: dict[str, float] = {}
    if how is not None:
        ranked, probabilities = rerank(question, ranked, how)
    best = ranked[0][0]
    # The rank penalty chooses the best sentence (what it was tuned for); whether a second one
    # scores nearly as well is judged without it, as the margin was tuned: an intro sentence
    # whose command only the next passage holds is still added.
    chosen = [
        ranked[0],
        *(
            item
            for item in ranked[1:max_sentences]
            if _without_rank(item) >= _without_rank(ranked[0]) - SECOND_SENTENCE_MARGIN
        ),
    ]
    # Document order reads better than score order; the best sentence leads a short answer.
    texts = {p.number: p.text for p in passages}
    chosen.sort(key=lambda item: (item[2], texts[item[2]].find(item[1])))
    claims = [Claim(sentence, number, is_best=sentence == ranked[0][1]) for _, sentence, number in chosen]
    return Selection(claims, best, ranked[0][2], probabilities.get(ranked[0][1], 0.0))
