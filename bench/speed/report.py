"""Tables and the growth plot of a speed suite run."""

from __future__ import annotations

import math
from pathlib import Path


def growth_exponent(sizes: list[float], values: list[float]) -> float:
    """Least-squares slope of log(value) against log(size): the b of value ∝ size^b."""
    xs, ys = [math.log(s) for s in sizes], [math.log(max(v, 1e-9)) for v in values]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    denominator = sum((x - mean_x) ** 2 for x in xs) or 1.0
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / denominator


def _series(results: dict) -> dict[str, tuple[list[float], list[float]]]:
    rows = results["scale"]
    sizes = [r["chunks"] for r in rows]
    return {
        "hybrid retrieval p50 (ms, busy)": (sizes, [r["busy_query"]["retrieve_hybrid"]["p50_ms"] for r in rows]),
        "extractive answer p50 (ms, busy)": (sizes, [r["busy_query"]["answer_extractive"]["p50_ms"] for r in rows]),
        "sidebar p50 (ms)": (sizes, [r["query"]["sidebar"]["p50_ms"] for r in rows]),
        "query process RSS (MB)": (sizes, [r["query"]["rss_mb"] for r in rows]),
        # A corpus built with stand-in vectors has no model in the process: not comparable.
        "ingest process RSS (MB)": (
            [r["chunks"] for r in rows if not r["hash_vectors"]],
            [r["ingest_rss_mb"] for r in rows if not r["hash_vectors"]],
        ),
    }


def growth_lines(results: dict) -> list[str]:
    return [
        f"- {name}: grows as chunks^{growth_exponent(xs, ys):.2f} ({ys[0]:.0f} → {ys[-1]:.0f})"
        for name, (xs, ys) in _series(results).items()
        if len(xs) > 1
    ]


def growth_plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (latency, memory) = plt.subplots(1, 2, figsize=(11, 4))
    for name, (xs, ys) in _series(results).items():
        if len(xs) < 2:
            continue
        axis = memory if "RSS" in name else latency
        axis.plot(xs, ys, marker="o", label=f"{name}  ∝ n^{growth_exponent(xs, ys):.2f}")
    for axis, title in ((latency, "Latency against index size"), (memory, "Peak memory against index size")):
        axis.set_xscale("log")
        axis.set_xlabel("chunks in the index")
        axis.set_title(title)
        axis.grid(True, alpha=0.3)
        axis.legend(fontsize=8)
    fig.suptitle(f"{results['machine']} · {results['date']}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _seconds(spread: dict) -> str:
    return f"{spread['median']:.2f} s ({spread['min']:.2f}–{spread['max']:.2f}, {spread['runs']} runs)"


def markdown(results: dict) -> str:
    lines = [
        f"Run {results['date']} on {results['machine']}: `{results['command']}` "
        f"({results['minutes']:.1f} min); settings {results['settings'] or 'defaults'}.",
        "",
    ]
    load = results["model_load"]
    lines += [f"Embedding model load: cold {_seconds(load['cold'])}, warm {_seconds(load['warm'])}.", ""]
    lines += [
        "| Ingest | machine | ours | chars/s | chunks | tutorial | tutorial chunks | ratio (chars/s) | RSS ours / tutorial |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in results["ingest"]:
        tutorial = row.get("tutorial")
        lines.append(
            f"| {row['case']} | {'busy' if row['busy'] else 'quiet'} | {_seconds(row['seconds'])} | "
            f"{row['chars_per_s'] / 1000:.1f}k | {row['chunks']} | "
            + (
                f"{_seconds(tutorial['seconds'])} | {tutorial['chunks']} | **{row['ratio']:.2f}** | "
                f"{row['rss_mb']:.0f} / {tutorial['rss_mb']:.0f} MB |"
                if tutorial
                else "– | – | – | – |"
            )
        )
    lines += [
        "",
        "| Chunks | first ingest | chunks/s | re-ingest unchanged | 1% of files changed | remove one file | "
        "ingest RSS |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in results["scale"]:
        mark = " (stand-in vectors)" if row["hash_vectors"] else ""
        lines.append(
            f"| {row['chunks']}{mark} | {row['ingest_s']:.1f} s | {row['ingest_chunks_per_s']:.0f} | "
            f"{row['reingest']['median']:.2f} s ({row['reingest']['median'] / row['ingest_s'] * 100:.1f}%) | "
            f"{row['change_1pct']['median']:.2f} s, {row['change_1pct_chunks']} chunks "
            f"({row['change_1pct']['median'] / row['ingest_s'] * 100:.1f}%) | {row['remove_one']['median'] * 1000:.0f} ms | "
            f"{row['ingest_rss_mb']:.0f} MB |"
        )
    kinds = ("dense", "keyword", "hybrid", "extractive answer", "answer, 8 clients", "sidebar")
    lines += [
        "",
        "Latency p50 / p95 in ms, on a quiet machine and beside a busy process:",
        "",
        "| Chunks | " + " | ".join(f"{k} quiet | {k} busy" for k in kinds) + " | query RSS |",
        "|---|" + "---|---|" * len(kinds) + "---|",
    ]
    for row in results["scale"]:
        quiet, busy = row["query"], row["busy_query"]
        concurrent = next(k for k in quiet if k.endswith("_clients"))

        def cell(key: str, quiet: dict = quiet, busy: dict = busy) -> str:
            return f"{quiet[key]['p50_ms']:.0f} / {quiet[key]['p95_ms']:.0f} | {busy[key]['p50_ms']:.0f} / {busy[key]['p95_ms']:.0f}"

        lines.append(
            f"| {row['chunks']} | {cell('retrieve_dense')} | {cell('retrieve_keyword')} | "
            f"{cell('retrieve_hybrid')} | {cell('answer_extractive')} | {cell(concurrent)} | "
            f"{cell('sidebar')} | {quiet['rss_mb']:.0f} MB |"
        )
    if len(results["scale"]) > 1:
        lines += ["", "Fitted growth (log-log least squares over the sizes above):", "", *growth_lines(results)]
    if results.get("api"):
        lines += ["", api_table(results["api"])]
    if results.get("local"):
        local = results["local"]
        first = local["first_token"]
        lines += [
            "",
            f"Local backend (Gemma 3 270M, GGUF assembled): model load {local['load_s']:.2f} s, "
            f"first token p50 {first['p50_ms']:.0f} / p95 {first['p95_ms']:.0f} ms, "
            f"answer p50 {local['answer']['p50_ms']:.0f} ms, RSS {local['rss_mb']:.0f} MB.",
        ]
    return "\n".join(lines) + "\n"


API_ROWS = (
    ("python_s", "Python API ask (in process)"),
    ("rest_s", "/api/ask round trip"),
    ("added_s", "/api/ask added over the answer's own time"),
    ("v1_s", "/v1/chat/completions round trip"),
    ("python_first_s", "Python stream: first event"),
    ("sse_first_s", "/api/ask/stream: first event"),
)


def api_table(api: dict) -> str:
    """The HTTP API beside the Python API (issue 17's benchmark; goal: under 10 ms added at p50)."""
    lines = [
        f"HTTP API beside the Python API ({api['questions']} seed questions, extractive, one client):",
        "",
        "| ms | p50 | p95 |",
        "|---|---|---|",
        *(f"| {label} | {api[key]['p50_ms']:.1f} | {api[key]['p95_ms']:.1f} |" for key, label in API_ROWS),
        "",
        "| clients | questions | errors | answers differing from the Python API | answers/s |",
        "|---|---|---|---|---|",
        *(
            f"| {row['clients']} | {row['questions']} | {row['errors']} | {row['differ']} | {row['per_s']:.2f} |"
            for row in api["throughput"]
        ),
    ]
    return "\n".join(lines)
