"""Speed and scale on this machine, against LangChain's tutorial pipeline in the same run.

    python -m bench.speed                      # the default suite (about 20 minutes here)
    python -m bench.speed --sizes 1000 10000 100000   # adds the 100k-chunk case (opt-in)
    python -m bench.speed --smoke              # a minute: every case once, tiny sizes (CI)
    python -m bench.speed --formats-only       # throughput per document format and OCR pages/s

Every case runs in a fresh process (cold loads, the case's own peak RSS). "busy" cases run
beside a second process spinning on one core, as a server answering questions while it
ingests. Prints medians, spread (min-max) and same-run ratios; writes results.json,
report.md and a growth plot to --out."""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from bench.speed.corpus import copy_files, generate_corpus, pubmedqa_files, pubmedqa_questions
from bench.speed.formats import format_rates
from bench.speed.formats import markdown_table as formats_table
from bench.speed.report import api_table, growth_plot, markdown
from qa.evaluation.metrics import percentile

ROOT = Path(__file__).resolve().parents[2]


def run_case(case: str, **args) -> dict:
    completed = subprocess.run(
        [sys.executable, "-m", "bench.speed.worker", case, json.dumps(args)], cwd=ROOT, capture_output=True, text=True
    )
    if completed.returncode != 0:
        raise SystemExit(f"bench case {case} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


@contextmanager
def machine_load(busy: bool):
    """A second process spinning on one core while the block runs, if ``busy``."""
    # The spinner stops by itself if this process dies (its parent changes).
    spin = "import os\nparent = os.getppid()\nwhile os.getppid() == parent:\n    pass\n"
    spinner = subprocess.Popen([sys.executable, "-c", spin]) if busy else None
    try:
        yield
    finally:
        if spinner:
            spinner.kill()
            spinner.wait()


def spread(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "runs": len(values)}


def say(text: str) -> None:
    print(text, flush=True)


def ingest_comparison(
    folder: Path, work: Path, repeats: int, busy: bool, label: str, settings: dict, tutorial: bool = True
) -> dict:
    """Ours and the tutorial, interleaved, each into a fresh index."""
    ours, theirs = [], []
    for run in range(repeats):
        with machine_load(busy):
            ours.append(
                run_case(
                    "ingest_ours", folder=str(folder), index_dir=str(work / f"ours-{label}-{run}"), settings=settings
                )
            )
            if tutorial:
                theirs.append(
                    run_case("ingest_tutorial", folder=str(folder), index_dir=str(work / f"tutorial-{label}-{run}"))
                )
        for side in ("ours", "tutorial"):
            shutil.rmtree(work / f"{side}-{label}-{run}", ignore_errors=True)
    row = {
        "case": label,
        "busy": busy,
        "chars": ours[0]["chars"],
        "chunks": ours[0]["chunks"],
        "seconds": spread([r["seconds"] for r in ours]),
        "rss_mb": max(r["rss_mb"] for r in ours),
    }
    row["chars_per_s"] = row["chars"] / row["seconds"]["median"]
    row["chunks_per_s"] = row["chunks"] / row["seconds"]["median"]
    if theirs:
        row["tutorial"] = {
            "seconds": spread([r["seconds"] for r in theirs]),
            "chunks": theirs[0]["chunks"],
            "rss_mb": max(r["rss_mb"] for r in theirs),
        }
        row["tutorial"]["chars_per_s"] = row["chars"] / row["tutorial"]["seconds"]["median"]
        row["ratio"] = row["chars_per_s"] / row["tutorial"]["chars_per_s"]
    versus = f", tutorial {row['tutorial']['seconds']['median']:.1f} s → ratio {row['ratio']:.2f}" if theirs else ""
    say(
        f"ingest {label}{' (busy)' if busy else ''}: {row['seconds']['median']:.1f} s "
        f"[{row['seconds']['min']:.1f}-{row['seconds']['max']:.1f}], {row['chunks']} chunks, "
        f"{row['chars_per_s'] / 1000:.1f}k chars/s{versus}"
    )
    return row


def scale_case(size: int, work: Path, args, settings: dict) -> dict:
    """Ingest a generated corpus of ``size`` chunks, update it, and query it quiet and busy."""
    folder = generate_corpus(work / f"gen-{size}", size)
    index_dir = work / f"index-{size}"
    hashed = size >= args.hash_vectors_from
    first = run_case(
        "ingest_ours", folder=str(folder), index_dir=str(index_dir), settings=settings, hash_vectors=hashed
    )
    row = {
        "size": size,
        "chunks": first["chunks"],
        "hash_vectors": hashed,
        "ingest_s": first["seconds"],
        "ingest_chunks_per_s": first["chunks"] / first["seconds"],
        "ingest_rss_mb": first["rss_mb"],
    }
    say(
        f"scale {first['chunks']} chunks{' (stand-in vectors)' if hashed else ''}: ingest {first['seconds']:.1f} s, "
        f"{row['ingest_chunks_per_s']:.0f} chunks/s, RSS {first['rss_mb']:.0f} MB"
    )
    for action, key in (("unchanged", "reingest"), ("change", "change_1pct"), ("remove", "remove_one")):
        runs = [
            run_case(
                "update",
                folder=str(folder),
                index_dir=str(index_dir),
                settings=settings,
                action=action,
                share=0.01,
                seed=11 + r,
                hash_vectors=hashed,
            )
            for r in range(args.repeats)
        ]
        row[key] = spread([r["seconds"] for r in runs])
        row[f"{key}_chunks"] = runs[0]["chunks"]
        say(
            f"  {key}: {row[key]['median']:.2f} s [{row[key]['min']:.2f}-{row[key]['max']:.2f}] "
            f"({runs[0]['chunks']} chunks{' removed' if action == 'remove' else ' written'}; "
            f"{row[key]['median'] / first['seconds'] * 100:.1f}% of the first ingest)"
        )
    questions = pubmedqa_questions(args.questions)
    for busy in (False, True):
        with machine_load(busy):
            measured = run_case(
                "query", index_dir=str(index_dir), settings=settings, questions=questions, clients=args.clients
            )
        row["busy_query" if busy else "query"] = measured
        say(
            f"  queries{' (busy)' if busy else ''}: "
            + ", ".join(
                f"{k} p50 {v['p50_ms']:.0f} / p95 {v['p95_ms']:.0f} ms"
                for k, v in measured.items()
                if isinstance(v, dict)
            )
            + f"; RSS {measured['rss_mb']:.0f} MB"
        )
    shutil.rmtree(folder, ignore_errors=True)
    shutil.rmtree(index_dir, ignore_errors=True)
    return row


def api_case(work: Path, questions: int, clients: str) -> dict:
    """The HTTP API beside the Python API in this run (``bench.api_latency`` in its own process,
    on the seed documents): added latency per request, time to the first streamed event and
    answers per second with several clients."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.api_latency",
            "--questions",
            str(questions),
            "--work-dir",
            str(work),
            "--clients",
            clients,
        ],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    raw = json.loads((work / "summary.json").read_text(encoding="utf-8"))
    return {
        name: {"p50_ms": (percentile(raw[name], 50) or 0.0) * 1000, "p95_ms": (percentile(raw[name], 95) or 0.0) * 1000}
        for name in ("python_s", "rest_s", "added_s", "v1_s", "python_first_s", "sse_first_s")
    } | {"questions": questions, "throughput": raw["throughput"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pubmed-docs", type=int, default=300, help="PubMedQA abstracts in the ingest comparison")
    parser.add_argument("--repeats", type=int, default=3, help="runs per timed case (medians and spread)")
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000], help="generated corpus sizes, in chunks")
    parser.add_argument(
        "--hash-vectors-from",
        type=int,
        default=50_000,
        help="corpora of at least this many chunks are built with stand-in vectors (model time "
        "is linear in chunks at the measured rate); queries always use the model",
    )
    parser.add_argument("--questions", type=int, default=40, help="questions per latency case")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients in the concurrency case")
    parser.add_argument("--local-questions", type=int, default=5, help="questions for the local backend (0: skip)")
    parser.add_argument("--smoke", action="store_true", help="every case once on tiny inputs (for CI)")
    parser.add_argument(
        "--formats-only",
        action="store_true",
        help="only the per-format throughput and OCR pages/s (bench/speed/formats.py)",
    )
    parser.add_argument(
        "--formats-scale",
        type=float,
        default=1.0,
        help="size of the per-format files as a share of the default (0.1: 1,000 rows, 20 slides)",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench-out" / "speed")
    parser.add_argument(
        "--set",
        nargs="*",
        default=[],
        metavar="FIELD=VALUE",
        help="settings for our pipeline, e.g. embedding_precision=fp32 ingest_threads=1",
    )
    args = parser.parse_args()
    if args.smoke:
        args.pubmed_docs, args.repeats, args.sizes, args.questions, args.clients = 12, 1, [60], 4, 2
        args.local_questions = 0
    settings = dict(item.split("=", 1) for item in args.set)
    args.out.mkdir(parents=True, exist_ok=True)
    results: dict = {
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "settings": settings,
        "command": " ".join(sys.argv),
    }
    started = time.perf_counter()
    if args.formats_only:
        with tempfile.TemporaryDirectory(prefix="qa-bench-") as tmp:
            results["formats"] = format_rates(Path(tmp), args.repeats, run_case, settings, scale=args.formats_scale)
        (args.out / "formats.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
        (args.out / "formats.md").write_text(formats_table(results["formats"]), encoding="utf-8")
        say(formats_table(results["formats"]))
        return
    with tempfile.TemporaryDirectory(prefix="qa-bench-") as tmp:
        work = Path(tmp)
        loads = [run_case("load_model", index_dir=str(work / "unused"), settings=settings) for _ in range(args.repeats)]
        results["model_load"] = {
            "cold": spread([r["cold_s"] for r in loads]),
            "warm": spread([r["warm_s"] for r in loads]),
        }
        say(
            f"embedding model load: cold {results['model_load']['cold']['median']:.2f} s, "
            f"warm {results['model_load']['warm']['median']:.2f} s"
        )
        pubmed = copy_files(pubmedqa_files(args.pubmed_docs), work / "pubmed")
        results["ingest"] = [
            ingest_comparison(pubmed, work, args.repeats, busy, f"pubmedqa-{args.pubmed_docs}", settings)
            for busy in (False, True)
        ]
        results["scale"] = [scale_case(size, work, args, settings) for size in args.sizes]
        results["formats"] = format_rates(
            work / "formats",
            1 if args.smoke else args.repeats,
            run_case,
            settings,
            ocr_pages=2 if args.smoke else 10,
            scale=0.02 if args.smoke else 1.0,
        )
        results["api"] = api_case(work / "api", 4 if args.smoke else args.questions, "1,2" if args.smoke else "1,4,16")
        say(api_table(results["api"]))
        if args.local_questions:
            index_dir = work / "pubmed-index"
            run_case("ingest_ours", folder=str(pubmed), index_dir=str(index_dir), settings=settings)
            results["local"] = run_case(
                "local", index_dir=str(index_dir), settings=settings, questions=pubmedqa_questions(args.local_questions)
            )
            local = results["local"]
            say(
                f"local backend: model load {local['load_s']:.2f} s, first token p50 "
                f"{local['first_token']['p50_ms']:.0f} ms, answer p50 {local['answer']['p50_ms']:.0f} ms"
            )
    results["minutes"] = (time.perf_counter() - started) / 60
    (args.out / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    (args.out / "report.md").write_text(markdown(results), encoding="utf-8")
    if len(args.sizes) > 1:
        growth_plot(results, args.out / "scale.png")
    say(f"done in {results['minutes']:.1f} min; report: {args.out / 'report.md'}")


if __name__ == "__main__":
    main()
