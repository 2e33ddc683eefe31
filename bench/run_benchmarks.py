"""Benchmarks on public QA sets: each answer backend and the naive baseline, same questions.

    python -m bench.run_benchmarks [--half report] [--systems extractive] [--write-docs]

Every figure is on one half of each set, split by document (``bench/splits/*.json``): the
*report* half by default, which nothing was tuned on (``bench.tune`` fits on the tune half).
Writes one evaluation report per (dataset, system) under --out, prints a Markdown table with
the commit, date and command, and with ``--write-docs`` puts it into docs/benchmarks.md
(between the ``quality`` markers, added at the end when missing), replacing the previous table."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

from tqdm import tqdm

from bench.docs_tables import replace_table
from bench.provenance import git_commit
from qa import Assistant, Settings
from qa.answer.generate import make_generator
from qa.evaluation import load_testset
from qa.evaluation.api import corpus_collection
from qa.evaluation.report import write_report
from qa.evaluation.runner import evaluate
from qa.evaluation.splits import load_split
from qa.evaluation.summary import EvalSummary, Meta

DATASETS = {
    "squad2-dev-sample": "SQuAD 2.0 dev sample",
    "pubmedqa-pqal": "PubMedQA PQA-L",
}
SYSTEMS = ("extractive", "local", "naive-baseline")
ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "benchmarks.md"


def run(
    dataset_dir: Path, system: str, limit: int | None, out: Path, base: Settings, embeddings, half: str = "report"
) -> EvalSummary:
    cases = load_testset(dataset_dir / "qa.jsonl")
    if half != "all":
        cases = load_split(ROOT / "bench" / "splits" / f"{dataset_dir.name}.json").select(cases, half)  # type: ignore[arg-type]
    cases = cases[:limit] if limit else cases
    corpus = dataset_dir / "docs"
    meta = Meta(
        testset=f"{dataset_dir.name} ({half} half, {len(cases)})", corpus=str(corpus), backend=system, half=half
    )
    index_seconds = None
    if system == "naive-baseline":
        from langchain_community.llms import LlamaCpp

        from bench.naive_baseline import NaiveBaseline

        llm = make_generator(base.changed(**{"backend": "local", "max_answer_tokens": 96}))
        assert isinstance(llm, LlamaCpp)  # the local backend's generator
        llm.stop = ["\nQuestion:"]  # the tutorial sets no stop; cut only a runaway next turn
        baseline = NaiveBaseline(corpus, embeddings, llm, out / f"naive-{dataset_dir.name}-chroma")
        asker, index_seconds = baseline.ask, baseline.index_seconds
    else:
        settings = base.changed(**{"backend": system})
        assistant = Assistant(settings, collection=corpus_collection(corpus, settings), embeddings=embeddings)
        summary = assistant.ingest([corpus])
        index_seconds = summary.seconds if summary.chunks_written else None
        asker = assistant.ask
    bar = tqdm(total=len(cases), desc=f"{dataset_dir.name}/{system}", file=sys.stderr)
    result = evaluate(asker, cases, embeddings, base.retrieval.top_k, meta, lambda d, t: bar.update(d - bar.n))
    bar.close()
    result.summary.meta.index_seconds = index_seconds
    write_report(result, out / f"{dataset_dir.name}-{system}-{half}")
    return result.summary


def table(rows: list[tuple[str, str, EvalSummary]]) -> str:
    head = (
        "| Data set (half, questions) | System | Shown right | Answered | Right when answerable | "
        "Unanswerable refused | Answerable refused | Phrases right (shown) | Official EM / F1 | hit@4 | "
        "Gold doc cited | p50 s |"
    )
    lines = [head, "|" + "---|" * 12]

    def f(v):
        return "n/a" if v is None else f"{v:.3f}"

    for data, system, s in rows:
        shown, refusals = s.shown, s.refusals
        lines.append(
            f"| {data} ({s.meta.half or 'all'}, {s.meta.questions}) | {system} | {f(shown.right)} | "
            f"{f(shown.answered)} | {f(shown.right_when_answerable)} | {f(refusals.recall)} | "
            f"{f(refusals.false_refusal_rate)} | {f(shown.phrases_right)} ({shown.phrases_shown}) | "
            f"{f(s.official.exact)} / {f(s.official.f1)} | {f(s.retrieval.hit_at_k)} | "
            f"{f(s.citations.gold_document_cited)} | {f(s.latency_s.total.p50)} |"
        )
    return "\n".join(lines)


def provenance(command: str) -> str:
    from datetime import UTC, datetime

    commit = git_commit()
    changed = commit.endswith("+changes")
    return (
        f"Commit `{commit.removesuffix('+changes')}`{' (with uncommitted changes)' if changed else ''}, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.machine()} {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; command: `{command}`"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--datasets",
        default=str(Path(__file__).resolve().parents[1].parent / "shared" / "datasets"),
        help="folder holding the data sets (default: ../shared/datasets)",
    )
    parser.add_argument("--only", nargs="*", default=list(DATASETS), choices=list(DATASETS))
    parser.add_argument("--systems", nargs="*", default=list(SYSTEMS), choices=SYSTEMS)
    parser.add_argument("--limit", type=int, help="first N questions of each set")
    parser.add_argument("--out", default="bench-out")
    parser.add_argument(
        "--half",
        default="report",
        choices=["report", "tune", "all"],
        help="which half of each set (split by document; default: report, which nothing was tuned on)",
    )
    parser.add_argument("--write-docs", action="store_true", help="replace the quality table in docs/benchmarks.md")
    args = parser.parse_args()
    out = Path(args.out)
    base = Settings(index_dir=out / "index")
    from qa.embeddings import make_embeddings

    embeddings = make_embeddings(base.embedding)
    rows = []
    started = time.perf_counter()
    for name in args.only:
        for system in args.systems:
            summary = run(Path(args.datasets) / name, system, args.limit, out, base, embeddings, args.half)
            rows.append((DATASETS[name], system, summary))
            (out / "summaries.json").write_text(json.dumps([[d, s, x.to_dict()] for d, s, x in rows], indent=2))
    command = "python -m bench.run_benchmarks " + " ".join(sys.argv[1:])
    text = f"{provenance(command)}; {time.perf_counter() - started:.0f} s in all.\n\n{table(rows)}"
    print(text)
    if args.write_docs:
        replace_table(DOCS, "quality", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
