"""`python -m qa eval` end to end over the seed corpus: report files and the regression gate."""

from __future__ import annotations

import json

from tests.conftest import ROOT
from tests.helpers import run_cli

MINI = str(ROOT / "tests" / "data" / "mini-testset.jsonl")


def test_eval_writes_report_and_gate_fails_on_regression(tmp_path):
    env = {"QA_INDEX_DIR": str(tmp_path / "index")}
    out = tmp_path / "run1"
    result = run_cli("eval", MINI, "--corpus", str(ROOT / "seeds" / "docs"), "--out", str(out), env_extra=env)
    assert result.returncode == 0, result.stderr
    assert "Token F1" in result.stdout and "Report:" in result.stdout
    for name in ("results.jsonl", "summary.json", "report.md", "scores.png", "latency.png"):
        assert (out / name).stat().st_size > 0, name
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert len(rows) == 6 and {"f1", "faithfulness"} <= set(rows[0]["scores"])
    summary = json.loads((out / "summary.json").read_text())
    assert summary["meta"]["questions"] == 6 and summary["meta"]["answerable"] == 4
    assert summary["retrieval"]["hit_at_k"] == 1.0  # every gold document is the seed article
    assert summary["refusals"]["recall"] == 1.0  # "capital of France" and "Zelensky" are refused
    report = (out / "report.md").read_text()
    assert "| Token F1 |" in report and "![scores.png](scores.png)" in report

    # same run compared with itself passes; against a better "previous" run it fails
    same = run_cli("eval", MINI, "--corpus", str(ROOT / "seeds" / "docs"), "--out", str(tmp_path / "run2"),
                   "--compare", str(out / "summary.json"), env_extra=env)
    assert same.returncode == 0, same.stdout + same.stderr
    better = dict(summary, answers={**summary["answers"], "f1": summary["answers"]["f1"] + 0.2})
    previous = tmp_path / "better.json"
    previous.write_text(json.dumps(better))
    worse = run_cli("eval", MINI, "--corpus", str(ROOT / "seeds" / "docs"), "--out", str(tmp_path / "run3"),
                    "--compare", str(previous), env_extra=env)
    assert worse.returncode == 1
    assert "answers.f1" in worse.stdout and "REGRESSED" in worse.stdout
    assert "gated metric(s) fell" in worse.stderr
    assert "REGRESSED" in (tmp_path / "run3" / "report.md").read_text()


def test_seed_evaluation_has_not_regressed_from_the_committed_baseline(tmp_path):
    """The regression gate CI runs: the whole seed test set against tests/baselines/."""
    baseline = ROOT / "tests" / "baselines" / "seed-extractive-summary.json"
    result = run_cli("eval", str(ROOT / "seeds" / "testset.jsonl"), "--backend", "extractive",
                     "--out", str(tmp_path / "seed-eval"), "--compare", str(baseline),
                     env_extra={"QA_INDEX_DIR": str(tmp_path / "index")})
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("gate ") == 5
