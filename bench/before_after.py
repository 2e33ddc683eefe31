"""An earlier commit and this tree on the same half of the public sets, in one run, scored alike.

    python -m bench.before_after --before 1cb4274 [--half report] [--out bench-out/before-after]

Each tree answers the half's questions through its own ``python -m qa eval`` (a git worktree of
the earlier commit, this checkout for the other; fresh processes, separate indexes), and both
``results.jsonl`` files are scored by *this* tree's metrics, so the figures differ only by the
answers. Prints one Markdown table (shown answers right, answered, refusals, phrases, official
SQuAD scores, gold document cited, latency) with the commits, date and command."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.docs_tables import replace_table
from qa.evaluation import metrics as m
from qa.evaluation.splits import load_split
from qa.evaluation.testset import load_testset

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ("squad2-dev-sample", "pubmedqa-pqal", "pubmedqa-uncovered")
# Questions the documents do not cover: PubMedQA's questions of the half asked of the *other*
# half's abstracts only (one abstract per question, so none holds the answer), all unanswerable.
UNCOVERED = {"pubmedqa-uncovered": "pubmedqa-pqal"}


def half_file(dataset_dir: Path, half: str, out: Path) -> Path:
    """The half's rows of the data set's qa.jsonl, as they are (the earlier tree reads them too)."""
    keep = {
        c.id
        for c in load_split(ROOT / "bench" / "splits" / f"{dataset_dir.name}.json").select(
            load_testset(dataset_dir / "qa.jsonl"),
            half,  # type: ignore[arg-type]
        )
    }
    path = out / f"{dataset_dir.name}-{half}.jsonl"
    lines = [
        line
        for line in (dataset_dir / "qa.jsonl").read_text(encoding="utf-8").split("\n")
        if line.strip() and str(json.loads(line).get("id")) in keep
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def uncovered_set(dataset_dir: Path, half: str, out: Path) -> tuple[Path, Path]:
    """The half's questions marked unanswerable, and a corpus of the other half's documents."""
    other = "tune" if half == "report" else "report"
    kept_docs = {c.doc_id for c in load_testset(half_file(dataset_dir, other, out))}
    corpus = out / f"{dataset_dir.name}-{other}-docs"
    corpus.mkdir(exist_ok=True)
    for doc in (dataset_dir / "docs").iterdir():
        if doc.stem in kept_docs and not (corpus / doc.name).exists():
            shutil.copyfile(doc, corpus / doc.name)
    rows = []
    for line in half_file(dataset_dir, half, out).read_text(encoding="utf-8").split("\n"):
        if line.strip():
            row = json.loads(line)
            row.update(answerable=False, reference_answer="", all_answers=[], gold_passage="")
            rows.append(json.dumps(row))
    path = out / f"{dataset_dir.name}-{half}-uncovered.jsonl"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path, corpus


def run_tree(tree: Path, testset: Path, corpus: Path, out: Path, index: Path) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    env.update(PYTHONPATH=str(tree), TOKENIZERS_PARALLELISM="false")
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "qa",
            "eval",
            str(testset),
            "--corpus",
            str(corpus),
            "--out",
            str(out),
            "--index-dir",
            str(index),
        ],
        cwd=tree,
        env=env,
        check=True,
    )
    return time.perf_counter() - started


def score(results: Path, gold_docs: dict[str, str]) -> dict[str, float | int | None]:
    """This tree's shown-answer metrics over another run's per-question results (``gold_docs``:
    question id -> gold doc_id)."""
    rows = [json.loads(line) for line in results.read_text(encoding="utf-8").split("\n") if line.strip()]
    right, phrases, official, gold, totals = [], [], [], [], []
    for r in rows:
        answers, answerable, refused = r["reference_answers"], r["answerable"], r["refused"]
        body = "" if refused else m.strip_citations(r["answer"])
        if not refused:
            right.append(m.shown_right(body, answers, answerable))
            # A bare phrase: the earlier tree's short answers highlight themselves in their quote.
            # This tree records the bare phrase it showed; the earlier one showed a short answer as
            # "phrase [1]." with the phrase highlighted in its quote.
            short = (
                r["short_answer"]
                if "short_answer" in r
                else next(
                    (
                        c["highlight"]
                        for c in r["citations"]
                        if c.get("highlight") and body.rstrip(".") == c["highlight"]
                    ),
                    "",
                )
            )
            if short:
                phrases.append(m.shown_right(short, answers, answerable))
        if answers or not answerable:
            official.append(m.official_scores(body, refused, answers, answerable))
        if answerable:
            gold.append(
                any(m.is_gold_document(c["source"], "", gold_docs.get(str(r["id"]), "")) for c in r["citations"])
            )
        totals.append(r["timings"].get("total_s", 0.0))
    answerable_rows = [r for r in rows if r["answerable"]]
    unanswerable_rows = [r for r in rows if not r["answerable"]]
    answered_answerable = [r for r in answerable_rows if not r["refused"]]

    def share(values) -> float | None:
        values = list(values)
        return round(sum(values) / len(values), 4) if values else None

    return {
        "questions": len(rows),
        "shown_right": share(right),
        "answered": share(not r["refused"] for r in rows),
        "right_when_answerable": share(
            m.shown_right(m.strip_citations(r["answer"]), r["reference_answers"], True) for r in answered_answerable
        ),
        "unanswerable_refused": share(r["refused"] for r in unanswerable_rows),
        "answerable_refused": share(r["refused"] for r in answerable_rows),
        "phrases_right": share(phrases),
        "phrases_shown": len(phrases),
        "official_exact": share(o["official_exact"] for o in official),
        "official_f1": share(o["official_f1"] for o in official),
        "gold_cited": share(gold),
        "p50_s": m.percentile(totals, 50),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", required=True, help="the earlier commit")
    parser.add_argument("--half", default="report", choices=["report", "tune"])
    parser.add_argument("--datasets", default=str(ROOT.parent / "shared" / "datasets"))
    parser.add_argument("--only", nargs="*", default=list(DATASETS), choices=DATASETS)
    parser.add_argument("--out", default="bench-out/before-after")
    parser.add_argument(
        "--keep-before",
        action="store_true",
        help="reuse the earlier commit's answers when OUT holds them (it is a fixed commit; this tree always runs)",
    )
    parser.add_argument(
        "--before-only",
        action="store_true",
        help="run the earlier commit only (to have its answers ready for --keep-before)",
    )
    parser.add_argument(
        "--write-docs",
        action="store_true",
        help="put the table into docs/benchmarks.md and README.md (between their markers)",
    )
    args = parser.parse_args()
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    before_tree = out / f"tree-{args.before}"
    if not before_tree.exists():
        subprocess.run(["git", "worktree", "add", "--detach", str(before_tree), args.before], cwd=ROOT, check=True)
    after = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    lines = [
        "| Data set (half, questions) | Tree | Shown right | Answered | Right when answerable | "
        "Unanswerable refused | Answerable refused | Phrases right (shown) | Official EM / F1 | Gold doc cited | p50 s |",
        "|" + "---|" * 11,
    ]

    def f(v) -> str:
        return "n/a" if v is None else f"{v:.3f}"

    for name in args.only:
        if name in UNCOVERED:
            testset, corpus = uncovered_set(Path(args.datasets) / UNCOVERED[name], args.half, out)
        else:
            dataset_dir = Path(args.datasets) / name
            testset, corpus = half_file(dataset_dir, args.half, out), dataset_dir / "docs"
        gold_docs = {c.id: c.doc_id for c in load_testset(testset)}
        for label, tree in ((f"before `{args.before}`", before_tree), (f"after `{after}`", ROOT)):
            tag = "before" if tree == before_tree else "after"
            run_out = out / f"{name}-{tag}"
            if tag == "after" and args.before_only:
                continue
            if not (tag == "before" and args.keep_before and (run_out / "results.jsonl").is_file()):
                run_tree(tree, testset, corpus, run_out, out / f"index-{tag}")
            s = score(run_out / "results.jsonl", gold_docs)
            lines.append(
                f"| {name} ({args.half}, {s['questions']}) | {label} | {f(s['shown_right'])} | "
                f"{f(s['answered'])} | {f(s['right_when_answerable'])} | {f(s['unanswerable_refused'])} | "
                f"{f(s['answerable_refused'])} | {f(s['phrases_right'])} ({s['phrases_shown']}) | "
                f"{f(s['official_exact'])} / {f(s['official_f1'])} | {f(s['gold_cited'])} | {f(s['p50_s'])} |"
            )
            (out / "table.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    stamp = f"command: `python -m bench.before_after {' '.join(sys.argv[1:])}`, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    print("\n".join(lines) + "\n\n" + stamp)
    if args.write_docs:
        for path, name in ((ROOT / "docs" / "benchmarks.md", "before-after"), (ROOT / "README.md", "shown")):
            replace_table(path, name, "\n".join(lines) + f"\n\n{stamp}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
