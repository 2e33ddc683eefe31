"""Benchmarks on public QA sets: each answer backend and the naive baseline, same questions.

    python -m bench.run_benchmarks --limit 200 --out bench-out

Writes one evaluation report per (dataset, system) under --out and prints a Markdown table
(paste into docs/benchmarks.md with the command, machine and date)."""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

from tqdm import tqdm

from qa import Assistant, Settings
from qa.evaluation import load_testset
from qa.evaluation.api import corpus_collection
from qa.evaluation.report import write_report
from qa.evaluation.runner import evaluate
from qa.answer.generate import make_generator

DATASETS = {
    "squad2-dev-sample": "SQuAD 2.0 dev sample",
    "pubmedqa-pqal": "PubMedQA PQA-L",
}
SYSTEMS = ("extractive", "local", "naive-baseline")


def run(dataset_dir: Path, system: str, limit: int | None, out: Path, base: Settings, embeddings) -> dict:
    cases = load_testset(dataset_dir / "qa.jsonl", limit)
    corpus = dataset_dir / "docs"
    meta = {"testset": f"{dataset_dir.name} (first {len(cases)})", "corpus": str(corpus), "backend": system}
    index_seconds = None
    if system == "naive-baseline":
        from bench.naive_baseline import NaiveBaseline

        llm = make_generator(base.model_copy(update={"backend": "local", "max_answer_tokens": 96}))
        llm.stop = ["\nQuestion:"]  # the tutorial sets no stop; cut only a runaway next turn
        baseline = NaiveBaseline(corpus, embeddings, llm, out / f"naive-{dataset_dir.name}-chroma")
        asker, index_seconds = baseline.ask, baseline.index_seconds
    else:
        settings = base.model_copy(update={"backend": system})
        assistant = Assistant(settings, collection=corpus_collection(corpus, settings), embeddings=embeddings)
        summary = assistant.ingest([corpus])
        index_seconds = summary.seconds if summary.chunks_written else None
        asker = assistant.ask
    bar = tqdm(total=len(cases), desc=f"{dataset_dir.name}/{system}", file=sys.stderr)
    result = evaluate(asker, cases, embeddings, base.top_k, meta, lambda d, t: bar.update(d - bar.n))
    bar.close()
    result.summary["meta"]["index_seconds"] = index_seconds
    write_report(result, out / f"{dataset_dir.name}-{system}")
    return result.summary


def table(rows: list[tuple[str, str, dict]]) -> str:
    head = ("| Data set | System | hit@4 | EM | F1 | Sim. | Cit. P | Cit. R | Faithful | In context | Refusal acc. | "
            "Refusal R | Wrong refusals | p50 s | p95 s |")
    lines = [head, "|" + "---|" * 15]

    def f(v):
        return "n/a" if v is None else f"{v:.3f}"

    for data, system, s in rows:
        lat = s["latency_s"]["total"]
        lines.append(
            f"| {data} | {system} | {f(s['retrieval']['hit_at_k'])} | {f(s['answers']['exact_match'])} | "
            f"{f(s['answers']['f1'])} | {f(s['answers']['semantic_similarity'])} | {f(s['citations']['precision'])} | "
            f"{f(s['citations']['recall'])} | {f(s['faithfulness'])} | {f(s['context_support'])} | {f(s['refusals']['accuracy'])} | "
            f"{f(s['refusals']['recall'])} | {f(s['refusals']['false_refusal_rate'])} | {f(lat['p50'])} | {f(lat['p95'])} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", default=str(Path(__file__).resolve().parents[1].parent / "shared" / "datasets"),
                        help="folder holding the data sets (default: ../shared/datasets)")
    parser.add_argument("--only", nargs="*", default=list(DATASETS), choices=list(DATASETS))
    parser.add_argument("--systems", nargs="*", default=list(SYSTEMS), choices=SYSTEMS)
    parser.add_argument("--limit", type=int, help="first N questions of each set")
    parser.add_argument("--out", default="bench-out")
    args = parser.parse_args()
    out = Path(args.out)
    base = Settings(index_dir=out / "index")
    from qa.embeddings import make_embeddings

    embeddings = make_embeddings(base)
    rows = []
    started = time.perf_counter()
    for name in args.only:
        for system in args.systems:
            summary = run(Path(args.datasets) / name, system, args.limit, out, base, embeddings)
            rows.append((DATASETS[name], system, summary))
            (out / "summaries.json").write_text(json.dumps([[d, s, x] for d, s, x in rows], indent=2))
    print(table(rows))
    print(f"\n{platform.machine()}, {platform.python_version()}, total {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
