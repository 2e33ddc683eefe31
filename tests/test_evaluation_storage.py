"""Issue 19 item 11: the Evaluate page's reports and uploaded test sets live under the index (or
QA_EVAL_DIR), are listed, and can be removed by name only."""

from __future__ import annotations

import pytest

from qa.errors import DocumentError
from qa.evaluation.runs import EvaluationStore
from qa.settings import EvaluationSettings

pytestmark = pytest.mark.unit


def test_the_folder_is_under_the_index_unless_set(tmp_path, monkeypatch):
    monkeypatch.delenv("QA_EVAL_DIR", raising=False)
    assert EvaluationSettings().folder(tmp_path / "index") == tmp_path / "index" / "evaluations"
    monkeypatch.setenv("QA_EVAL_DIR", str(tmp_path / "reports"))
    assert EvaluationSettings().folder(tmp_path / "index") == tmp_path / "reports"


def test_runs_and_testsets_are_listed_and_removed_by_name_only(tmp_path):
    store = EvaluationStore(tmp_path / "evaluations")
    assert store.runs() == [] and store.testsets() == []
    run = store.new_run("20261130-184000")
    run.mkdir(parents=True)
    (run / "report.md").write_text("# report\n")
    saved = store.save_testset("../../mine.jsonl", b'{"question": "Q?"}\n')
    assert saved == tmp_path / "evaluations" / "testsets" / "mine.jsonl"  # no path from the upload's name
    assert [r.name for r in store.runs()] == ["ui-20261130-184000"]  # testsets/ is not a report
    assert [t.name for t in store.testsets()] == ["mine.jsonl"]
    outside = tmp_path / "keep.txt"
    outside.write_text("x")
    for bad in ("../keep.txt", "..", "testsets", "nothing-here", str(outside)):
        with pytest.raises(DocumentError, match="is not a stored evaluation"):
            store.remove_run(bad)
    with pytest.raises(DocumentError):
        store.remove_testset("../../keep.txt")
    assert outside.exists()
    store.remove_run("ui-20261130-184000")
    store.remove_testset("mine.jsonl")
    assert store.runs() == [] and store.testsets() == [] and outside.exists()
