"""Per-question scores as a dataclass: results.jsonl keeps the JSON it always had, and reads back."""

import json

import pytest

from qa.evaluation.runner import evaluate
from qa.evaluation.scores import SCORE_NAMES, QuestionScores
from qa.evaluation.testset import TestCase
from qa.types import Answer, Citation, Passage

pytestmark = pytest.mark.unit

PASSAGE = Passage(1, "c1", "The office opened in Kyiv.", "office.txt", "", None, 0.9)
CITATION = Citation(1, "office.txt", "Office", None, "c1", PASSAGE.text, PASSAGE.text, 0.9)
CASES = [
    TestCase("answered", "Where did the office open?", ["Kyiv"], source="office.txt"),
    TestCase("refused", "Refuse: where did the office open?", ["Kyiv"], source="office.txt"),
    TestCase("unanswerable", "Refuse: the capital of France?", [], answerable=False),
]
# What the dict-based scores wrote for these three questions (key order, null versus absent).
ANSWERED = (
    '{"answered": 1.0, "shown_right": 1.0, "phrase_right": 1.0, "official_exact": 0.0, '
    '"official_f1": 0.6666666666666666, "exact_match": 0.0, "f1": 0.6666666666666666, "contains_answer": 1.0, '
    '"evidence_contains_answer": 1.0, "hit_at_k": 1.0, "mrr": 1.0, "recall_at_k": null, '
    '"citation_precision": 1.0, "citation_recall": 1.0, "gold_cited": 1.0, "faithfulness": 1.0, '
    '"context_support": 1.0, JUDGE"semantic_similarity": 1.0}'
)
REFUSED = (
    '{"answered": 0.0, "shown_right": null, "official_exact": 0.0, "official_f1": 0.0, "exact_match": 0.0, '
    '"f1": 0.0, "contains_answer": 0.0, "evidence_contains_answer": 0.0, "hit_at_k": 1.0, "mrr": 1.0, '
    '"recall_at_k": null, "citation_precision": null, "citation_recall": null, "gold_cited": 0.0, '
    '"faithfulness": null, "context_support": null, JUDGE"semantic_similarity": 0.0}'
)
UNANSWERABLE = (
    '{"answered": 0.0, "shown_right": null, "official_exact": 1.0, "official_f1": 1.0, "faithfulness": null, '
    '"context_support": nullJUDGE}'
)


class FakeEmbeddings:
    def embed_documents(self, texts):
        return [[1.0, 0.0] if "Kyiv" in t else [0.0, 1.0] for t in texts]


def ask(question, history=None):
    if question.startswith("Refuse"):
        return Answer(question, "I could not find that.", [], True, "x", question, {"total_s": 0.1}, [PASSAGE])
    return Answer(
        question,
        "In Kyiv [1].",
        [CITATION],
        False,
        "x",
        question,
        {"total_s": 0.2},
        [PASSAGE],
        confidence=0.8,
        short_answer="Kyiv",
    )


@pytest.mark.parametrize("judged", [False, True])
def test_results_jsonl_scores_are_written_as_before(judged):
    judge = (lambda a: None if a.refused else 1.0) if judged else None
    run = evaluate(ask, CASES, FakeEmbeddings(), k=4, judge=judge)  # type: ignore[arg-type]
    written = {r.case.id: json.dumps(r.to_dict()["scores"]) for r in run.results}
    assert written == {
        "answered": ANSWERED.replace("JUDGE", '"judge_faithfulness": 1.0, ' if judged else ""),
        "refused": REFUSED.replace("JUDGE", '"judge_faithfulness": null, ' if judged else ""),
        "unanswerable": UNANSWERABLE.replace("JUDGE", ', "judge_faithfulness": null' if judged else ""),
    }
    # A judge that gave no score still marks the run as judged, as the key in the file did.
    assert run.summary.judged is judged and run.summary.judge_faithfulness == (1.0 if judged else None)
    assert run.summary.shown.phrases_shown == 1 and run.summary.shown.wrong == 0


def test_scores_read_back_from_their_json():
    for r in evaluate(ask, CASES, FakeEmbeddings(), k=4).results:  # type: ignore[arg-type]
        line = json.dumps(r.to_dict()["scores"])
        assert QuestionScores.from_dict(json.loads(line)) == r.scores
    scores = QuestionScores(answered=1.0, shown_right=None, f1=0.5, semantic_similarity=0.25)
    assert QuestionScores.from_dict(scores.to_dict(answerable=True, judged=True)) == scores
    assert scores.measured() == {"answered": 1.0, "f1": 0.5, "semantic_similarity": 0.25}


def test_an_older_or_newer_scores_object_still_loads():
    old = {"answered": 1.0, "f1": 0.5, "bleu": 0.1, "faithfulness": None}  # "bleu": a name this version lacks
    assert QuestionScores.from_dict(old) == QuestionScores(answered=1.0, f1=0.5)
    assert QuestionScores.from_dict(None) == QuestionScores() and QuestionScores.from_dict([1]) == QuestionScores()
    assert SCORE_NAMES[:2] == ("answered", "shown_right") and len(SCORE_NAMES) == len(set(SCORE_NAMES)) == 19
