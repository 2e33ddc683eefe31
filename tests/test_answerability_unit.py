"""The answerability model's part in choosing a sentence, with a stand-in scorer (the real
model is exercised by the integration tier and measured by bench.tune / bench.before_after)."""

from __future__ import annotations

import numpy as np
import pytest

from qa.answer.answerability import Answerability
from qa.answer.calibration import Calibration
from qa.answer.select import Rerank, SentenceVectors, rerank, select_sentences

pytestmark = pytest.mark.unit

RANKED = [(0.80, "The ferry leaves at noon.", 1), (0.78, "The night ferry leaves at eleven.", 1), (0.5, "Tea.", 2)]


def answers_night(question: str, sentences: list[str]) -> list[float]:
    return [0.9 if "night" in s else 0.1 for s in sentences]


def test_weight_zero_keeps_the_score_order_and_records_probabilities():
    ordered, probabilities = rerank("When does the night ferry leave?", RANKED, Rerank(answers_night, 0.0))
    assert [s for _, s, _ in ordered] == [s for _, s, _ in RANKED]
    assert probabilities["The night ferry leaves at eleven."] == 0.9


def test_a_weighted_probability_moves_the_answering_sentence_first_and_only_the_top_few():
    ordered, _ = rerank("q", RANKED, Rerank(answers_night, 0.5))
    assert ordered[0][1] == "The night ferry leaves at eleven."
    ordered, probabilities = rerank("q", RANKED, Rerank(answers_night, 0.5, top=1))
    assert ordered == RANKED and list(probabilities) == ["The ferry leaves at noon."]


class Vectors(SentenceVectors):
    """Every sentence equally close to the question: the word overlap decides the score."""

    def __init__(self) -> None:  # no embedding model: the unit tier loads none
        pass

    def embed_query(self, text: str) -> np.ndarray:
        return np.ones(2)

    def __call__(self, sentences: list[str]) -> np.ndarray:
        return np.ones((len(sentences), 2)) / 2


def test_selection_takes_the_reranked_best_and_its_probability():
    from qa.types import Passage

    passage = Passage(
        number=1,
        chunk_id="c",
        source="f.txt",
        title="f",
        page=None,
        text="The day ferry to Tallinn leaves at noon daily. The night ferry to Helsinki leaves at eleven.",
        relevance=0.5,
        rank_score=0.5,
    )
    question = "When does the day ferry to Helsinki leave?"
    plain = select_sentences(question, [passage], Vectors())
    chosen = select_sentences(question, [passage], Vectors(), how=Rerank(answers_night, 2.0))
    assert plain is not None and chosen is not None
    assert plain.answerability == 0.0
    best = next(c for c in chosen.claims if c.is_best)
    assert "night" in best.sentence and chosen.answerability == 0.9


def test_without_the_model_scores_are_zero_and_nothing_loads():
    off = Answerability(enabled=False)
    assert off.score("q", ["a", "b"]) == [0.0, 0.0] and off._model is None


def test_the_rerank_weight_round_trips_through_the_calibration_file(tmp_path):
    saved = Calibration(rerank_weight=0.3).save(tmp_path / "c.json")
    assert Calibration.load(saved).rerank_weight == 0.3
