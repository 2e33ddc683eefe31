"""Answer latency after retrieval (select, read, decide), the extractive backend, beside a busy process.

    python -m bench.answer_latency [--questions 100] [--busy 1]

Indexes the SQuAD 2.0 sample, warms the models up (the reading model's load is counted once,
at warm-up, and printed), starts ``--busy`` processes that keep one core busy each, and asks
the report half's first questions, printing the median and p95 of the time after retrieval
(``generate_s``) and of the whole answer, with commit and date."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from bench.busy import busy_cores
from qa import Assistant, Settings
from qa.evaluation import load_testset
from qa.evaluation.api import corpus_collection
from qa.evaluation.metrics import percentile
from qa.evaluation.splits import load_split

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", default=str(ROOT.parent / "shared" / "datasets"))
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--busy", type=int, default=1, help="processes keeping a core busy meanwhile")
    parser.add_argument("--out", default="bench-out/latency")
    args = parser.parse_args()
    data = Path(args.datasets) / "squad2-dev-sample"
    settings = Settings(index_dir=Path(args.out) / "index")
    bot = Assistant(settings, collection=corpus_collection(data / "docs", settings))
    bot.ingest([data / "docs"])
    started = time.perf_counter()
    bot.warm_up()
    warm = time.perf_counter() - started
    cases = load_split(ROOT / "bench" / "splits" / "squad2-dev-sample.json").select(
        load_testset(data / "qa.jsonl"), "report"
    )[: args.questions]
    with busy_cores(args.busy):
        answers = [bot.ask(case.question) for case in cases]
    after = [a.timings.get("generate_s", 0.0) for a in answers]
    total = [a.timings.get("total_s", 0.0) for a in answers]
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    print(
        f"commit {commit}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {len(answers)} report-half questions, "
        f"{args.busy} busy process(es); warm-up (tokenizer, reading model) {warm:.2f} s"
    )
    print(
        f"after retrieval: p50 {percentile(after, 50):.3f} s, p95 {percentile(after, 95):.3f} s; "
        f"whole answer: p50 {percentile(total, 50):.3f} s, p95 {percentile(total, 95):.3f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
