"""Tune and report halves: split by document, stable, committed, and tuning reads only its half."""

import json
from pathlib import Path

import numpy as np
import pytest

from qa import Settings
from qa.errors import QAError
from qa.evaluation.splits import load_split, make_split, select_half
from qa.evaluation.testset import TestCase

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parent.parent


def _cases(n=200):
    return [TestCase(id=f"q{i}", question=f"Q{i}?", doc_id=f"doc{i // 3}") for i in range(n)]


def test_halves_never_share_a_document_and_are_stable():
    cases = _cases()
    split = make_split(cases)
    tune, report = split.select(cases, "tune"), split.select(cases, "report")
    assert len(tune) + len(report) == len(cases)
    assert not {c.doc_id for c in tune} & {c.doc_id for c in report}
    assert 0.35 < len(tune) / len(cases) < 0.65
    assert make_split(list(reversed(cases))) == split  # order does not matter
    assert [c.id for c in select_half(cases, "report", None)] == [c.id for c in report]


def test_committed_lists_round_trip(tmp_path):
    from qa.evaluation.splits import write_split

    split = make_split(_cases())
    assert load_split(write_split(split, tmp_path / "s.json")) == split
    (tmp_path / "bad.json").write_text(json.dumps({"tune": ["a"], "report": ["a"]}))
    with pytest.raises(QAError, match="both halves"):
        load_split(tmp_path / "bad.json")


@pytest.mark.parametrize("name", ["squad2-dev-sample", "pubmedqa-pqal"])
def test_committed_split_files_are_disjoint(name):
    split = load_split(ROOT / "bench" / "splits" / f"{name}.json")
    assert split.tune and split.report and not split.tune & split.report


def test_tuning_reads_only_the_tune_half(tmp_path):
    """bench.tune takes its questions through the committed split: none of its rows belongs to a
    document of the report half."""
    from bench.tune import tune_cases

    data = tmp_path / "squad2-dev-sample"
    data.mkdir()
    split = load_split(ROOT / "bench" / "splits" / "squad2-dev-sample.json")
    rows = [{"id": f"t{i}", "question": "Q?", "doc_id": d} for i, d in enumerate(sorted(split.tune)[:5])]
    rows += [{"id": f"r{i}", "question": "Q?", "doc_id": d} for i, d in enumerate(sorted(split.report)[:5])]
    (data / "qa.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    assert [c.id for c in tune_cases(data)] == [f"t{i}" for i in range(5)]


def test_uncovered_rows_are_asked_without_their_gold_document():
    """bench.tune's uncovered rows: the gold document's passages are taken out and the next ones
    fill their places, in retrieval order."""
    from bench.tune import search_without_gold
    from qa.types import Passage

    found = [Passage(n, f"c{n}", "text", f"/docs/{doc}.txt", doc, None, 0.5) for n, doc in enumerate("abacdef", 1)]

    class Searcher:
        settings = Settings(top_k=3)

        def search(self, query, options):
            assert options.top_k == 9  # three times as deep as the product searches
            return found

    case = TestCase(id="q", question="Q?", doc_id="a")
    kept = search_without_gold(Searcher(), case)  # type: ignore[arg-type]
    assert [p.title for p in kept] == ["b", "c", "d"]


def _row(dataset, answerable, right, covered=True):
    from bench.tune import Row

    return Row(dataset, "g", {}, right, answerable, [], covered)


def test_the_answer_threshold_counts_uncovered_questions_as_ones_to_refuse():
    """Uncovered rows are refused like unanswerable ones and never count as wrongly refused,
    unless another document answered them (then they are not counted at all)."""
    from bench.tune import choose_answer_threshold

    rows = [_row("squad", True, True) for _ in range(20)]  # answerable, p 0.9
    rows += [_row("pubmed", True, True) for _ in range(20)]  # answerable, p 0.9
    rows += [_row("squad", False, False) for _ in range(10)]  # unanswerable, p 0.5
    rows += [_row("pubmed", True, False, covered=False) for _ in range(10)]  # uncovered, p 0.3
    rows += [_row("squad", True, True, covered=False)]  # another paragraph answered it, p 0.95
    p = np.array([0.9] * 40 + [0.5] * 10 + [0.3] * 10 + [0.95])
    threshold, fit = choose_answer_threshold(p, rows)
    assert 0.5 < threshold <= 0.9
    assert fit["refused"] == 1.0 and fit["uncovered_refused"] == 1.0
    assert fit["wrongly_refused_squad"] == 0.0 and fit["wrongly_refused_pubmed"] == 0.0
