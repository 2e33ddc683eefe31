"""Retrieval alone, per search mode, on the public QA sets: gold document recall@k, MRR, latency.

    python -m bench.retrieval --k 5 --out bench-out/retrieval

Indexes each corpus with the product's own ingest (chunks, manifest, keyword index) into a
collection of its own, then runs every question's text through dense, keyword and hybrid
search in one run, so the figures compare like for like."""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from qa import AskOptions, Assistant, RetrievalMode, Settings
from qa.evaluation import load_testset
from qa.evaluation.api import corpus_collection
from qa.evaluation.metrics import is_gold_document

# (label, search mode, settings changed): the product's default hybrid and the earlier RRF one.
MODES: tuple[tuple[str, RetrievalMode, dict[str, Any] | None], ...] = (
    ("dense", "dense", {}),
    ("keyword", "keyword", {}),
    ("hybrid rrf 1:1", "hybrid", {"fusion": "rrf", "dense_weight": 1.0, "keyword_weight": 1.0}),
    ("hybrid score 0.5:0.5", "hybrid", {"fusion": "score", "dense_weight": 0.5, "keyword_weight": 0.5}),
    ("hybrid (default)", "hybrid", None),
)
DATASETS = ("squad2-dev-sample", "pubmedqa-pqal")


def documents_in_order(passages) -> list[str]:
    """Distinct sources of a ranked passage list, in rank order (document-level ranking)."""
    return list(dict.fromkeys(p.source for p in passages))


def score_dataset(assistant: Assistant, cases, k: int, modes=MODES) -> dict[str, dict[str, float]]:
    results: dict[str, dict[str, float]] = {}
    for label, mode, changes in modes:
        # Other fusion settings: another assistant on the same index, sharing the loaded model.
        searcher = (
            Assistant(
                assistant.settings.changed(**changes),
                collection=assistant.index.collection,
                embeddings=assistant.embeddings,
            )
            if changes
            else assistant
        )
        hits, reciprocal, times = [], [], []
        for case in cases:
            if not (case.source or case.doc_id):
                continue
            started = time.perf_counter()
            # Chunks, not documents, are retrieved: fetch enough chunks to rank k documents.
            passages = searcher.search(case.question, AskOptions(top_k=k * 3, retrieval=mode))
            times.append(time.perf_counter() - started)
            docs = documents_in_order(passages)[:k]
            ranks = [i for i, source in enumerate(docs, 1) if is_gold_document(source, case.source, case.doc_id)]
            hits.append(1.0 if ranks else 0.0)
            reciprocal.append(1.0 / ranks[0] if ranks else 0.0)
        if searcher is not assistant:
            searcher.close()
        times.sort()
        results[label] = {
            f"recall_at_{k}": round(statistics.fmean(hits), 4),
            "mrr": round(statistics.fmean(reciprocal), 4),
            "p50_ms": round(1000 * times[len(times) // 2], 1),
            "p95_ms": round(1000 * times[int(len(times) * 0.95)], 1),
            "questions": len(hits),
        }
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", default=str(Path(__file__).resolve().parents[1].parent / "shared" / "datasets"))
    parser.add_argument("--only", nargs="*", default=list(DATASETS), choices=DATASETS)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--limit", type=int)
    parser.add_argument("--out", default="bench-out/retrieval")
    parser.add_argument(
        "--set", nargs="*", default=[], metavar="FIELD=VALUE", help="settings to compare, e.g. embedding_precision=fp32"
    )
    args = parser.parse_args()
    out = Path(args.out)
    settings = Settings(index_dir=out / "index", **dict(item.split("=", 1) for item in args.set))
    embeddings = None
    report = {}
    print(f"| Data set | Mode | recall@{args.k} | MRR | p50 ms | p95 ms |\n|---|---|---|---|---|---|")
    for name in args.only:
        corpus = Path(args.datasets) / name / "docs"
        assistant = Assistant(settings, collection=corpus_collection(corpus, settings), embeddings=embeddings)
        embeddings = assistant.embeddings
        assistant.ingest([corpus])
        cases = load_testset(Path(args.datasets) / name / "qa.jsonl", args.limit)
        report[name] = score_dataset(assistant, cases, args.k)
        for mode, r in report[name].items():
            print(
                f"| {name} ({r['questions']}) | {mode} | {r[f'recall_at_{args.k}']:.3f} | {r['mrr']:.3f} | "
                f"{r['p50_ms']:.1f} | {r['p95_ms']:.1f} |",
                flush=True,
            )
        assistant.close()
    out.mkdir(parents=True, exist_ok=True)
    (out / "retrieval.json").write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
