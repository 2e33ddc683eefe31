"""Metric functions against hand-computed cases."""

import pytest

from qa.errors import QAError
from qa.evaluation.compare import compare_summaries
from qa.evaluation.metrics import (
    citation_scores,
    exact_match,
    faithfulness,
    percentile,
    refusal_scores,
    retrieval_scores,
    token_f1,
)
from qa.evaluation.summary import EvalSummary
from qa.evaluation.testset import load_testset
from qa.types import Answer, Citation, Passage

pytestmark = pytest.mark.unit

GOLD = "The bridge was finished in 1932. It carries two lanes."


def passage(n, text, source="/d/bridge.txt"):
    return Passage(number=n, chunk_id=f"c{n}", text=text, source=source, title="", page=None, relevance=0.5)


def citation(n, text, source="/d/bridge.txt"):
    return Citation(
        number=n, source=source, title="", page=None, chunk_id=f"c{n}", quote=text, passage=text, relevance=0.5
    )


def answer(text, citations=(), refused=False, passages=()):
    return Answer(
        question="q",
        text=text,
        citations=list(citations),
        refused=refused,
        backend="t",
        search_query="q",
        passages=list(passages),
    )


def test_exact_match_and_f1_follow_squad():
    assert exact_match("The Eiffel Tower!", ["eiffel tower"]) == 1.0
    assert exact_match("Eiffel", ["eiffel tower"]) == 0.0
    # pred tokens: [eiffel], gold: [eiffel, tower] -> P=1, R=0.5, F1=2/3
    assert token_f1("Eiffel", ["eiffel tower"]) == pytest.approx(2 / 3)
    assert token_f1("in paris", ["Paris", "the city of Paris"]) == pytest.approx(2 / 3)  # best over answers
    assert token_f1("", ["paris"]) == 0.0  # empty answer
    assert exact_match("anything", []) == 0.0


def test_retrieval_hit_mrr_and_passage_recall():
    ps = [
        passage(1, "Other text.", "/d/other.txt"),
        passage(2, "The bridge was finished in 1932."),
        passage(3, "It carries two lanes."),
    ]
    s = retrieval_scores(ps, "bridge.txt", "", GOLD, k=3)
    assert s == {"hit_at_k": 1.0, "mrr": 0.5, "recall_at_k": 1.0}
    s = retrieval_scores(ps, "", "bridge", GOLD, k=2)  # doc_id is the file stem
    assert s["hit_at_k"] == 1.0 and s["mrr"] == 0.5 and s["recall_at_k"] == 0.5
    s = retrieval_scores(ps[:1], "bridge.txt", "", "", k=4)
    assert s == {"hit_at_k": 0.0, "mrr": 0.0, "recall_at_k": None}


def test_citation_precision_and_recall():
    good, bad = citation(1, "The bridge was finished in 1932."), citation(2, "Other text.", "/d/other.txt")
    s = citation_scores(answer("x [1] y [2]", [good, bad]), "bridge.txt", "", GOLD)
    assert s == {"citation_precision": 0.5, "citation_recall": 0.5}
    # without a gold passage, the gold document decides
    s = citation_scores(answer("x [1]", [bad]), "bridge.txt", "", "")
    assert s == {"citation_precision": 0.0, "citation_recall": 0.0}
    # no citations, or a refusal: undefined, not zero
    assert citation_scores(answer("x"), "bridge.txt", "", GOLD)["citation_precision"] is None
    assert citation_scores(answer("no", refused=True), "bridge.txt", "", GOLD)["citation_recall"] is None


def test_faithfulness_counts_supported_sentences():
    c = citation(1, "The bridge was finished in 1932.")
    assert faithfulness(answer("The bridge was finished in 1932 [1].", [c])) == 1.0
    # second sentence cites nothing; third has a wrong number
    text = "The bridge was finished in 1932 [1]. It is blue. The bridge was finished in 1933 [1]."
    assert faithfulness(answer(text, [c])) == pytest.approx(1 / 3)
    assert faithfulness(answer("Not here.", refused=True)) is None


def test_refusal_scores_including_all_refused():
    refused = [True, True, False, False]
    answerable = [False, True, True, False]
    assert refusal_scores(refused, answerable) == {
        "accuracy": 0.5,
        "precision": 0.5,
        "recall": 0.5,
        "false_refusal_rate": 0.5,
    }
    all_refused = refusal_scores([True, True], [True, False])
    assert all_refused == {"accuracy": 0.5, "precision": 0.5, "recall": 1.0, "false_refusal_rate": 1.0}
    none_refused = refusal_scores([False], [True])
    assert none_refused["precision"] is None and none_refused["recall"] is None


def test_percentile_interpolates():
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([1, 2, 3, 4, 5], 95) == pytest.approx(4.8)
    assert percentile([], 50) is None


def test_compare_flags_drops_beyond_tolerance_and_latency_rises():
    prev = {"answers": {"f1": 0.50}, "faithfulness": 0.9, "latency_s": {"total": {"p50": 0.2}}, "meta": {"x": 1}}
    cur = {"answers": {"f1": 0.47}, "faithfulness": 0.89, "latency_s": {"total": {"p50": 0.5}}}
    gated = ("answers.f1", "faithfulness", "latency_s.total.p50")
    rows = {
        c.metric: c for c in compare_summaries(EvalSummary.from_dict(cur), EvalSummary.from_dict(prev), gated, 0.02)
    }
    assert rows["answers.f1"].regressed and rows["answers.f1"].delta == pytest.approx(-0.03)
    assert not rows["faithfulness"].regressed
    assert rows["latency_s.total.p50"].regressed  # lower is better
    assert "meta.x" not in rows


def test_testset_loading_jsonl_csv_and_errors(tmp_path):
    j = tmp_path / "t.jsonl"
    j.write_text(
        '{"question": "Q1", "reference_answer": "a", "all_answers": ["b"]}\n\n{"question": "Q2", "answerable": false}\n'
    )
    cases = load_testset(j)
    assert cases[0].answers == ["a", "b"] and cases[0].answerable
    assert cases[1].answers == [] and not cases[1].answerable
    c = tmp_path / "t.csv"
    c.write_text("question,reference_answer,answerable,source\nQ3,x|y,yes,doc.md\n")
    (case,) = load_testset(c)
    assert case.answers == ["x|y"] and case.source == "doc.md"
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "ok"}\n{broken\n')
    with pytest.raises(QAError, match="line 2"):
        load_testset(bad)
    with pytest.raises(QAError, match="not found"):
        load_testset(tmp_path / "missing.jsonl")


def test_context_support_uses_every_retrieved_passage():
    from qa.evaluation.metrics import context_support

    ps = [passage(1, "Other text here."), passage(2, "The bridge was finished in 1932.")]
    assert context_support(answer("The bridge was finished in 1932. It is blue.", passages=ps)) == 0.5
    assert context_support(answer("no", refused=True, passages=ps)) is None
