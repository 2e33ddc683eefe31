"""Fast unit tests of the answer stages: fusion, keyword terms, short answers, one-sentence
support (the planted fabrications of the local model), the confidence and the refusal curve."""

from __future__ import annotations

import pytest

from qa.answer.decide import Signals, confidence, named_terms
from qa.answer.ground import ground_generated
from qa.answer.span import Span, answer_type, short_answer, verified_span
from qa.answer.support import sentence_support
from qa.evaluation.metrics import contains_answer, refusal_curve
from qa.retrieval.fusion import reciprocal_rank_fusion, score_fusion
from qa.retrieval.keyword import match_expression
from qa.types import Passage

pytestmark = pytest.mark.unit

OPENING = (
    "On September 20, the Minister of Defense of Ukraine Rustem Umyerov together with the President of the "
    "European Commission Ursula von der Leyen opened the EU Defense Innovation Office in Kyiv."
)
COALITION = (
    "Strengthening the technological capabilities of Ukraine, the IT coalition has already attracted more than "
    "70 million euros from 13 participating countries, creating a secure IT infrastructure for the Defense Forces."
)
DRONES = (
    "With an annual production capacity of up to 3 million drones, Ukraine has established itself as a real "
    "defense and technical center."
)


def test_fusion_orders_by_weighted_reciprocal_rank():
    fused = reciprocal_rank_fusion({"dense": ["a", "b", "c"], "keyword": ["c", "a"]}, {"dense": 1.0, "keyword": 1.0})
    assert [i for i, _ in fused] == ["a", "c", "b"]
    only_dense = reciprocal_rank_fusion({"dense": ["a", "b"], "keyword": ["b"]}, {"dense": 1.0, "keyword": 0.0})
    assert [i for i, _ in only_dense] == ["a", "b"]


def test_score_fusion_scales_each_list_and_weights_them():
    fused = dict(
        score_fusion(
            {"dense": [("a", 0.8), ("b", 0.6), ("c", 0.4)], "keyword": [("c", 12.0), ("d", 2.0)]},
            {"dense": 0.4, "keyword": 0.6},
        )
    )
    assert fused == pytest.approx({"a": 0.4, "b": 0.2, "c": 0.6, "d": 0.0})
    assert [i for i, _ in score_fusion({"dense": [("x", 0.3)]}, {"dense": 1.0})] == ["x"]


def test_keyword_terms_are_quoted_so_no_question_is_an_fts_operator():
    assert match_expression('What is "NOT" OR near(x*) valves?') == '"near" OR "valves"'
    assert match_expression("the of and?") == ""


@pytest.mark.parametrize(
    "question, sentence, expected",
    [
        ("When was the EU Defense Innovation Office opened?", OPENING, "September 20"),
        ("Who opened the EU Defense Innovation Office?", OPENING, "Ukraine Rustem Umyerov"),
        # Not "EU Defense Innovation" (the front of the name the question gives) nor "Kyiv" (a place).
        ("Who opened the office?", OPENING, "President of the European Commission Ursula von der Leyen"),
        ("Who is the President of the European Commission?", OPENING, "Ursula von der Leyen"),
        ("In which city was the EU Defense Innovation Office opened?", OPENING, "Kyiv"),
        ("How much money has the IT coalition attracted?", COALITION, "more than 70 million euros"),
        ("What sum has the technology alliance raised so far?", COALITION, "more than 70 million euros"),
        ("What does the bakery sell?", "The bakery on the corner sells rye bread.", "rye bread"),
        ("Where was the office moved to?", "The office in Kyiv was moved to Lviv in 2030.", "Lviv"),
    ],
)
def test_short_answers_are_the_asked_for_phrase(question, sentence, expected):
    span = short_answer(question, sentence)
    assert span is not None and span.text == expected
    assert sentence[span.start : span.end] == span.text  # a quote, never a rewrite


def test_no_short_answer_where_a_phrase_cannot_answer():
    assert answer_type("Why did Ukraine open the office?") == "none"
    assert short_answer("Why did Ukraine open the office?", OPENING) is None
    assert short_answer("Is the office in Kyiv?", OPENING) is None
    # A date is not an amount, and a sum of money needs a currency.
    assert short_answer("How many people work at the office?", "date 2024-09-21 On September 20, it opened.") is None
    assert short_answer("How much did the office cost?", DRONES) is None
    assert verified_span("abc def", Span("abd", 0, 3, "thing")) is None


@pytest.mark.parametrize(
    "claim",
    [
        # Gemma 3 270M's fabrications from the issue: true words recombined, facts invented.
        "The IT coalition has attracted more than 70 million euros from the European Union.",
        "We have already received 13 million euros from European partners for drones.",
    ],
)
def test_recombined_or_invented_facts_get_no_support(claim):
    assert max(sentence_support(claim, s) for s in (OPENING, COALITION, DRONES)) == 0.0
    passages = [
        Passage(1, "c1", f"{OPENING} {COALITION}", "a.md", "A", None, 0.6),
        Passage(2, "c2", DRONES, "a.md", "A", None, 0.5),
    ]
    assert ground_generated(f"{claim} [1]", passages, 0.45) == []


def test_true_paraphrases_keep_their_support():
    assert (
        sentence_support("The IT coalition has attracted more than 70 million euros from 13 countries.", COALITION)
        >= 0.6
    )
    assert sentence_support("Ukraine can produce up to 3 million drones a year.", DRONES) >= 0.45
    assert sentence_support("The office opened in Kyiv on September 20.", OPENING) >= 0.6


def test_confidence_and_named_terms():
    assert named_terms("Who opened the EU office in Kyiv in 2024?") == ["eu", "kyiv", "2024"]
    assert confidence(Signals(0.9, 0.7, 1.0, 1.0)) == pytest.approx(0.7)
    assert confidence(Signals(0.9, 0.9, 1.0, 1.0, model_refused=True)) == 0.0


def test_refusal_curve_moves_with_the_threshold():
    curve = refusal_curve(
        [0.2, 0.5, 0.8, None], [True, False, False, True], [False, False, True, True], [0.3, 0.6, 0.9]
    )
    assert [(r["refusal_recall"], r["wrongly_refused"]) for r in curve] == [(0.5, 0.5), (1.0, 0.5), (1.0, 1.0)]
    assert contains_answer("It cost 70 million euros [1].", ["70 million euros"]) == 1.0
    assert contains_answer("It cost 70 million.", ["70 million euros"]) == 0.0


def test_unsupported_sentences_can_be_flagged_instead_of_dropped():
    from qa.answer.ground import UNVERIFIED_MARK, assemble

    passages = [Passage(1, "c1", COALITION, "a.md", "A", None, 0.6)]
    draft = "The IT coalition has attracted more than 70 million euros [1]. It was funded by the European Union [1]."
    claims = ground_generated(draft, passages, 0.45, keep_unverified=True)
    assert [c.verified for c in claims] == [True, False] and claims[0].is_best
    text, citations = assemble(claims, passages)
    assert (
        text
        == f"The IT coalition has attracted more than 70 million euros [1]. It was funded by the European Union {UNVERIFIED_MARK}."
    )
    assert [c.number for c in citations] == [1]
    assert [c.verified for c in ground_generated(draft, passages, 0.45)] == [True]  # dropped by default


@pytest.mark.parametrize(
    "sentence",
    [
        "The palace was built in the 17th century.",
        "About 36% of patients improved after 25m of walking.",
        "Plants release O2 at night, and sales rose in the 1990s.",
    ],
)
def test_a_sentence_always_supports_itself(sentence):
    """Ordinal and unit-suffixed amounts are whole tokens ("17th", not "17"), so a verbatim
    sentence is never dropped by the amount rule (found by the constructed grounding set)."""
    from qa.answer.support import sentence_support

    assert sentence_support(sentence, sentence) == 1.0
    assert sentence_support(sentence.replace("17th", "18th").replace("36%", "46%"), sentence) == (
        1.0 if "17th" not in sentence and "36%" not in sentence else 0.0
    )
