"""Issue 7's nine failures, reproduced as they were found, before and after in the same run.

    python -m bench.reliability                         # before = the commit before the fixes
    python -m bench.reliability --before HEAD~3 --only 3 5

"Before" is a git worktree of ``--before`` (default: 9917913, main before issue 7's work);
"after" is this tree. Each probe runs the tree in fresh processes through the public API and
the CLI only, so both trees run the same probe. Prints what each counted and writes
results.json and report.md to --out (about 15 minutes here)."""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path

from bench.reliability.probes import PROBES, ROOT

BEFORE_ISSUE_7 = "9917913"


def worktree(ref: str, out: Path) -> Path:
    sha = subprocess.run(
        ["git", "rev-parse", "--short", ref], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    tree = out / f"tree-{sha}"
    if not (tree / "qa").is_dir():
        subprocess.run(
            ["git", "worktree", "add", "--detach", "--force", str(tree), sha], cwd=ROOT, capture_output=True, check=True
        )
    return tree


def markdown(results: dict, trees: dict[str, str]) -> str:
    lines = [f"# Issue 7 failures, before ({trees['before']}) and after ({trees['after']})", ""]
    for probe, by_tree in results.items():
        lines += [f"## {probe}", "", "| | before | after |", "|---|---|---|"]
        keys = list(dict.fromkeys(k for r in by_tree.values() for k in r))
        for key in keys:
            cells = [
                str(by_tree.get(t, {}).get(key, "")).replace("|", "/").replace("\n", " ") for t in ("before", "after")
            ]
            lines.append(f"| {key} | {cells[0]} | {cells[1]} |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", default=BEFORE_ISSUE_7, help="git ref of the tree before the fixes")
    parser.add_argument("--only", nargs="*", default=[], help="probe numbers to run (default: all)")
    parser.add_argument("--skip-before", action="store_true", help="run this tree only")
    parser.add_argument("--out", type=Path, default=ROOT / "bench-out" / "reliability")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    trees = {"after": ROOT} if args.skip_before else {"before": worktree(args.before, args.out), "after": ROOT}
    labels = {"before": args.before, "after": f"{head.strip()} (working tree)"}
    results: dict[str, dict] = {}
    for name, probe in PROBES.items():
        if args.only and name.split()[0] not in args.only:
            continue
        results[name] = {}
        for label, tree in trees.items():
            started = time.monotonic()
            with tempfile.TemporaryDirectory(prefix="reliability-") as work:
                try:
                    outcome = probe(Path(tree), Path(work))
                except Exception as exc:  # a probe that cannot run is reported, the rest go on
                    outcome = {"probe_error": f"{type(exc).__name__}: {exc}"[:300], "held": False}
            outcome["seconds"] = round(time.monotonic() - started, 1)
            results[name][label] = outcome
            print(f"{name} [{label}]: {json.dumps(outcome)}", flush=True)
    (args.out / "results.json").write_text(json.dumps({"trees": labels, "results": results}, indent=2))
    (args.out / "report.md").write_text(markdown(results, labels))
    print(f"\nwrote {args.out / 'report.md'}")
    for name, by_tree in results.items():
        print(f"{name:40} " + "  ".join(f"{t}: {'held' if r.get('held') else 'FAILED'}" for t, r in by_tree.items()))


if __name__ == "__main__":
    main()
