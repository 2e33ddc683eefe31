"""The shipped answerability model, loaded from the product's own files (the embedding model
package plus qa/answer/answerability.safetensors), on pairs written for this test: none of them
come from SQuAD, the training data, or the project's dev sets."""

from __future__ import annotations

import pytest

from qa.answer.answerability import DELTA_PATH, Answerability

pytestmark = pytest.mark.integration

# (question, the sentence that answers it, a sentence on the same topic that does not)
PAIRS = [
    (
        "When does the night ferry to Helsinki leave?",
        "The night ferry to Helsinki leaves at eleven from pier four.",
        "The Helsinki ferry terminal was rebuilt in 2019 with a new waiting hall.",
    ),
    (
        "Who designed the town library?",
        "The town library was designed by the architect Maria Lind in 1931.",
        "The town library lends about forty thousand books a year.",
    ),
    (
        "How many beds does the new hospital wing have?",
        "The new hospital wing has 120 beds and two operating theatres.",
        "The new hospital wing was opened by the health minister in March.",
    ),
    (
        "What is the default log level?",
        "The default log level is WARNING; set QA_LOG_LEVEL to change it.",
        "Log files are rotated every night and kept for a week.",
    ),
]


@pytest.fixture(scope="module")
def model():
    assert DELTA_PATH.is_file(), "the answerability weights are part of the product"
    return Answerability()


def test_the_answering_sentence_scores_above_a_same_topic_one(model):
    for question, answering, other in PAIRS:
        yes, no = model.score(question, [answering, other])
        # Order only: the raw score is one feature of the calibrated answer model, not itself a
        # calibrated probability (it gave 0.37 for the ferry's "at eleven", 0.82-0.86 for the rest).
        assert yes > no, (question, yes, no)


def test_a_question_about_another_name_scores_below_the_original(model):
    sentence = "The town library was designed by the architect Maria Lind in 1931."
    original, changed = (
        model.score(q, [sentence])[0]
        for q in ("Who designed the town library?", "Who designed the town swimming pool?")
    )
    assert changed < original


def test_scores_are_probabilities_and_empty_input_is_fine(model):
    assert model.score("Anything?", []) == []
    scores = model.score(PAIRS[0][0], [s for _, a, b in PAIRS for s in (a, b)])
    assert all(0.0 <= s <= 1.0 for s in scores)


def test_threads_share_the_model_and_get_the_same_scores(model):
    from concurrent.futures import ThreadPoolExecutor

    question, answering, other = PAIRS[1]
    expected = model.score(question, [answering, other])
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: model.score(question, [answering, other]), range(16)))
    assert all(r == pytest.approx(expected, abs=1e-5) for r in results)
