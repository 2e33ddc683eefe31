"""The evaluation summary as a dataclass: the JSON layout on disk, old files, and the gate."""

import json
from pathlib import Path

import pytest

from qa.errors import QAError
from qa.evaluation.compare import compare_summaries
from qa.evaluation.report import markdown_report, metric_rows
from qa.evaluation.runner import EvalRun, evaluate
from qa.evaluation.summary import EvalSummary, GroundingCheck, load_summary
from qa.evaluation.testset import TestCase
from qa.types import Answer, Citation, Passage

pytestmark = pytest.mark.unit
BASELINE = Path(__file__).parent / "baselines" / "seed-extractive-summary.json"


class FakeEmbeddings:
    """Two fixed directions: an answer with "Kyiv" points the same way as the reference."""

    def embed_documents(self, texts):
        return [[1.0, 0.0] if "Kyiv" in t else [0.0, 1.0] for t in texts]


def ask(question, history=None):
    passage = Passage(1, "c1", "The office opened in Kyiv.", "office.txt", "", None, 0.9)
    if "France" in question:
        return Answer(question, "I could not find that.", [], True, "extractive", question, {"total_s": 0.2})
    text = "The office opened in Kyiv."
    citation = Citation(1, "office.txt", "Office", None, "c1", text, text, 0.9)
    timings = {"retrieve_s": 0.1, "generate_s": 0.2, "total_s": 0.3}
    return Answer(
        question, "In Kyiv [1].", [citation], False, "extractive", question, timings, [passage], confidence=0.8
    )


def run() -> EvalRun:
    cases = [
        TestCase("1", "Where did the office open?", ["Kyiv"], source="office.txt"),
        TestCase("2", "What is the capital of France?", [], answerable=False),
    ]
    return evaluate(ask, cases, FakeEmbeddings(), k=4)  # type: ignore[arg-type]


def test_the_baseline_file_reads_back_to_the_same_json():
    data = json.loads(BASELINE.read_text())
    summary = load_summary(BASELINE)
    assert summary.to_dict() == data
    # The typed fields hold the file's values (the file changes whenever the baseline is accepted).
    assert summary.meta.questions == data["meta"]["questions"] == 80
    assert summary.shown.right == data["shown"]["right"]
    assert summary.latency_s.total.p95 == data["latency_s"]["total"]["p95"]
    assert summary.grounding_check is not None and summary.grounding_check.claims == 30
    assert summary.refusal_curve[0].threshold == 0.3 and not summary.judged


def test_a_new_run_writes_the_layout_the_files_on_disk_have():
    summary = run().summary
    written = summary.to_dict()
    baseline = json.loads(BASELINE.read_text())
    assert list(written) == [k for k in baseline if k != "grounding_check"]
    for group in ("shown", "official", "retrieval", "answers", "citations", "refusals", "latency_s"):
        assert list(written[group]) == list(baseline[group]), group
    assert set(written["meta"]) == set(baseline["meta"])
    assert summary.meta.questions == 2 and summary.meta.answerable == 1
    assert summary.shown.right == 1.0 and summary.shown.answered == 0.5 and summary.refusals.accuracy == 1.0
    assert summary.answers.semantic_similarity == 1.0 and summary.latency_s.total.p50 == pytest.approx(0.25)
    assert EvalSummary.from_dict(json.loads(json.dumps(written))) == summary


def test_an_old_file_without_some_groups_still_loads_and_gates(tmp_path):
    old = {"meta": {"questions": 3, "old_field": "kept"}, "answers": {"f1": 0.5}, "faithfulness": 0.9, "later": 1}
    path = tmp_path / "summary.json"
    path.write_text(json.dumps(old))
    previous = load_summary(path)
    assert previous.shown.right is None and previous.latency_s.total.p50 is None
    assert previous.to_dict()["meta"]["old_field"] == "kept" and previous.to_dict()["later"] == 1
    current = run().summary
    rows = {c.metric: c for c in compare_summaries(current, previous, ("answers.f1", "shown.right"), 0.02)}
    assert not rows["answers.f1"].regressed  # 0.5 then, ~0.67 now
    assert rows["shown.right"].previous is None and not rows["shown.right"].regressed  # not measured then
    worse = EvalSummary.from_dict({**current.to_dict(), "answers": {"f1": 0.1}})
    assert [c.metric for c in compare_summaries(worse, current) if c.regressed] == ["answers.f1"]


def test_unreadable_summaries_are_one_clear_line(tmp_path):
    with pytest.raises(QAError, match="not found"):
        load_summary(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(QAError, match="not a summary JSON"):
        load_summary(tmp_path / "bad.json")
    (tmp_path / "list.json").write_text("[1, 2]")
    with pytest.raises(QAError, match="not a summary JSON"):
        load_summary(tmp_path / "list.json")


def test_the_report_reads_the_typed_summary():
    result = run()
    result.summary.grounding_check = GroundingCheck(10, 0.5, 1.0, 1.0, ["fab-1 (invented): x"], [])
    result.summary.judged, result.summary.judge_faithfulness = True, 0.7
    report = markdown_report(result, [])
    assert "2 questions (1 answerable)" in report and "| total | 0.250 |" in report
    assert "- missed: fab-1 (invented): x" in report and "| 0.30 |" in report
    assert metric_rows(result.summary)[-1] == ("Faithfulness (LLM judge)", 0.7)
    assert result.summary.to_dict()["judge_faithfulness"] == 0.7
