"""The extractive backend: the answer is the retrieved sentences that best answer the question."""

from __future__ import annotations

import numpy as np
from langchain_core.embeddings import Embeddings

from qa.chunking import split_sentences
from qa.citations import Claim, Passage
from qa.support import content_words

# A sentence scores 0.75 * cosine(question, sentence) + 0.25 * share of the question's
# content words it holds; a second sentence is added when it scores nearly as well.
SEMANTIC_WEIGHT = 0.75
SECOND_SENTENCE_MARGIN = 0.06


def sentence_score(cosine: float, question_words: set[str], sentence: str) -> float:
    overlap = len(question_words & set(content_words(sentence))) / len(question_words) if question_words else 0.0
    return SEMANTIC_WEIGHT * cosine + (1 - SEMANTIC_WEIGHT) * overlap


def extract_claims(
    question: str, passages: list[Passage], embeddings: Embeddings, min_score: float, max_sentences: int = 2
) -> list[Claim]:
    """Best-scoring sentences of the passages (at most ``max_sentences``), or none when the
    best one scores under ``min_score``."""
    candidates: list[tuple[str, int]] = []
    seen: set[str] = set()
    for passage in passages:
        for sentence in split_sentences(passage.text):
            # Overlapping chunks repeat sentences; keep each once, from the higher-ranked passage.
            if sentence not in seen and len(content_words(sentence)) >= 3:
                seen.add(sentence)
                candidates.append((sentence, passage.number))
    if not candidates:
        return []
    q = np.asarray(embeddings.embed_query(question))
    vectors = np.asarray(embeddings.embed_documents([s for s, _ in candidates]))
    cosines = vectors @ q
    question_words = set(content_words(question))
    scores = [sentence_score(float(c), question_words, s) for c, (s, _) in zip(cosines, candidates)]
    order = sorted(range(len(candidates)), key=lambda i: scores[i], reverse=True)
    best = scores[order[0]]
    if best < min_score:
        return []
    chosen = [i for i in order[:max_sentences] if scores[i] >= best - SECOND_SENTENCE_MARGIN]
    # Keep document order for readability when both sentences come from one passage.
    chosen.sort(key=lambda i: (candidates[i][1], i))
    return [Claim(candidates[i][0], candidates[i][1]) for i in chosen]
