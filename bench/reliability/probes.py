"""The nine failures of issue 7, each reproduced the way it was found, against one tree.

Every probe returns a flat dict of what it counted plus ``held``: whether the tree behaved as
it should. A probe never imports the tree under test; it runs it (``child``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.reliability import child
from testsupport.helpers import PLANTED_HTML, PLANTED_TEXT, free_port, seed_questions, zip_bomb_docx
from testsupport.servers import chroma_server

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"


def seed_folder(target: Path) -> Path:
    shutil.copytree(SEEDS / "docs", target)
    return target


def index_env(index: Path, **extra: str) -> dict[str, str]:
    return {"QA_INDEX_DIR": str(index), "QA_UPLOAD_DIR": str(index.parent / "uploads"), **extra}


def one_clear_line(ended: child.Ended) -> bool:
    summary = ended.stderr_summary()
    return ended.returncode not in (0, None) and summary["lines"] == 1 and not summary["traceback"]


# 1 ----------------------------------------------------------------------------------------------
def local_concurrent(tree: Path, work: Path, tries: int = 4) -> dict:
    questions = seed_questions()[:3]
    ends = [
        child.case(
            tree,
            "local_concurrent",
            timeout=600,
            index_dir=str(work / f"index{i}"),
            corpus=str(SEEDS / "docs"),
            questions=questions,
        )
        for i in range(tries)
    ]
    crashed = [e.how for e in ends if e.crashed or e.returncode not in (0,)]
    outcomes = [o for e in ends for o in e.result.get("outcomes", [])]
    return {
        "tries": tries,
        "process_died": len(crashed),
        "how": sorted(set(crashed)),
        "answered": outcomes.count("answered"),
        "other_outcomes": sorted(set(outcomes) - {"answered"}),
        "held": not crashed,
    }


# 2 ----------------------------------------------------------------------------------------------
def shared_state(tree: Path, work: Path) -> dict:
    split = child.case(tree, "split_threads", calls=2400, threads=8).result
    corpus = work / "corpus"
    corpus.mkdir()
    text = " ".join(
        (SEEDS / "docs" / "eu-defense-innovation-office-kyiv.md").read_text(encoding="utf-8").split("---")[-1].split()
    )
    for i in range(40):  # 40 files whose chunks differ, so a wrong split shows in the counts
        (corpus / f"note-{i:02}.md").write_text(
            f"# Note {i}\n\n" + (text + f" Note {i}. ") * (1 + i % 3), encoding="utf-8"
        )
    shared = child.case(
        tree,
        "shared_assistant",
        index_dir=str(work / "index"),
        clean_dir=str(work / "clean"),
        seeds=str(SEEDS / "docs"),
        corpus=str(corpus),
        questions=seed_questions()[:12],
        askers=32,
    )
    result = shared.result
    held = (
        split.get("wrong") == 0
        and result.get("differing") == 0
        and result.get("ingest_failed") == 0
        and result.get("wrong_files") == 0
        and not shared.crashed
    )
    return {
        "split_calls": split.get("calls"),
        "split_threads": split.get("threads"),
        "split_wrong": split.get("wrong"),
        "split_empty": split.get("empty"),
        **result,
        "ended": shared.how,
        "held": held,
    }


# 3 ----------------------------------------------------------------------------------------------
def killed_in_delete(tree: Path, work: Path) -> dict:
    corpus = seed_folder(work / "corpus")
    article = corpus / "eu-defense-innovation-office-kyiv.md"
    index = str(work / "index")
    child.case(tree, "ingest", index_dir=index, paths=[str(corpus)])
    article.write_text(
        article.read_text(encoding="utf-8").replace("3 million drones", "4 million drones"), encoding="utf-8"
    )
    dying = child.case(tree, "ingest_dying_in_delete", index_dir=index, corpus=str(corpus))
    rerun = child.case(tree, "ingest", index_dir=index, paths=[str(corpus)]).result
    state = child.case(tree, "index_state", index_dir=index).result
    child.case(tree, "ingest", index_dir=str(work / "clean"), paths=[str(corpus)])
    clean = child.case(tree, "index_state", index_dir=str(work / "clean")).result
    answer = child.case(
        tree, "ask", index_dir=index, question="What is Ukraine's annual drone production capacity?"
    ).result
    shown = " ".join([answer.get("text", ""), *answer.get("passages", [])])
    return {
        "killed_in_delete": dying.how,
        "rerun_status": [f[1] for f in rerun.get("files", [])],
        "chunks": state.get("chunks"),
        "clean_chunks": clean.get("chunks"),
        "answer": answer.get("text", "")[:100],
        "old_figure_still_retrieved": "3 million" in shown,
        "held": state.get("chunks") == clean.get("chunks") and "3 million" not in shown,
    }


# 4 ----------------------------------------------------------------------------------------------
def moved_folder(tree: Path, work: Path) -> dict:
    corpus = seed_folder(work / "before-move")
    index = str(work / "index")
    child.case(tree, "ingest", index_dir=index, paths=[str(corpus)])
    first = child.case(tree, "index_state", index_dir=index).result
    moved = work / "after-move"
    corpus.rename(moved)
    child.case(tree, "ingest", index_dir=index, paths=[str(moved)])
    after = child.case(tree, "index_state", index_dir=index).result
    return {
        "chunks_before_move": first.get("chunks"),
        "chunks_after_move": after.get("chunks"),
        "sources_missing_on_disk": after.get("missing_sources"),
        "held": after.get("chunks") == first.get("chunks") and after.get("missing_sources") == 0,
    }


# 5 ----------------------------------------------------------------------------------------------
def damaged_index(tree: Path, work: Path) -> dict:
    results, held = {}, True
    for damage in ("truncate", "garble", "delete", "empty"):
        folder = work / damage
        docs = folder / "docs"
        docs.mkdir(parents=True)
        (docs / "keeper.txt").write_text("The lighthouse keeper is Oskar Lind.", encoding="utf-8")
        env = index_env(folder / "index")
        child.cli(tree, "ingest", str(docs), env=env)
        database = folder / "index" / "chroma.sqlite3"
        data = database.read_bytes()
        if damage == "truncate":
            database.write_bytes(data[: len(data) // 3])
        elif damage == "garble":
            middle = len(data) // 2
            database.write_bytes(data[:middle] + os.urandom(8192) + data[middle + 8192 :])
        elif damage == "delete":
            database.unlink()
        else:
            database.write_bytes(b"")
        ended = child.cli(tree, "ask", "Who is the lighthouse keeper?", env=env, timeout=300)
        summary = ended.stderr_summary()
        rebuilt = "lighthouse" not in ended.stdout.lower() and ended.returncode == 0
        outcome = (
            "one clear line"
            if one_clear_line(ended)
            else "silent rebuild of the default corpus"
            if rebuilt
            else f"traceback, {summary['lines']} lines"
            if summary["traceback"]
            else f"{ended.how}, {summary['lines']} lines"
        )
        results[damage] = outcome if outcome != "one clear line" else f"one clear line: {summary['last'][:120]}"
        held &= outcome == "one clear line"
    return {**results, "held": held}


# 6 ----------------------------------------------------------------------------------------------
def hostile_files(tree: Path, work: Path) -> dict:
    bomb_dir = work / "bomb"
    bomb_dir.mkdir()
    zip_bomb_docx(bomb_dir / "bomb.docx", expanded_mb=1200)
    bomb = child.case(tree, "ingest", index_dir=str(work / "i1"), paths=[str(bomb_dir)], timeout=300, cap_mb=6000)
    line_dir = work / "one-line"
    line_dir.mkdir()
    sentence = "The office coordinates drone makers with European partners and funds. "
    (line_dir / "long.txt").write_text(sentence * (30_000_000 // len(sentence)), encoding="utf-8")
    one_line = child.case(tree, "ingest", index_dir=str(work / "i2"), paths=[str(line_dir)], timeout=240)
    short_dir = work / "one-line-600kb"  # under every size limit: must be indexed, in bounded time
    short_dir.mkdir()
    (short_dir / "line.txt").write_text(sentence * (600_000 // len(sentence)), encoding="utf-8")
    short_line = child.case(tree, "ingest", index_dir=str(work / "i4"), paths=[str(short_dir)], timeout=240)
    names = work / "names"
    names.mkdir()
    (work / "secret.txt").write_text("The password of the vault is swordfish.", encoding="utf-8")
    (names / "link-out.txt").symlink_to(work / "secret.txt")
    with open(os.fsencode(names) + b"/caf\xe9-latin1.txt", "wb") as handle:
        handle.write(b"The bakery on the corner sells rye bread.")
    (names / "new\nline.txt").write_text("The harbour master is Ada Berg.", encoding="utf-8")
    (names / "zz-last.txt").write_text("The ferry leaves at noon from pier seven.", encoding="utf-8")
    odd = child.case(tree, "ingest", index_dir=str(work / "i3"), paths=[str(names)])
    state = child.case(tree, "index_state", index_dir=str(work / "i3")).result
    outside_indexed = any("link-out" in s or "secret" in s for s in state.get("sources", []))
    good_indexed = sum(1 for s in state.get("sources", []) if not ("link-out" in s or "secret" in s))

    def described(ended: child.Ended) -> str:
        files = ended.result.get("files")
        if files:
            return f"{files[0][1]}: {files[0][2][:110]}"
        return ended.result.get("aborted") or ended.result.get("exception") or ended.how

    return {
        "zip_bomb_docx": described(bomb),
        "zip_bomb_seconds": bomb.seconds,
        "zip_bomb_peak_mb": bomb.peak_mb,
        "one_line_30mb_txt": described(one_line),
        "one_line_seconds": one_line.seconds,
        "one_line_peak_mb": one_line.peak_mb,
        "one_line_600kb_txt": described(short_line),
        "one_line_600kb_seconds": short_line.seconds,
        "one_line_600kb_peak_mb": short_line.peak_mb,
        "odd_names_ingest": "aborted: " + odd.result["aborted"] if "aborted" in odd.result else "completed",
        "good_files_indexed": f"{good_indexed} of 3",
        "link_outside_indexed": outside_indexed,
        "held": (
            bomb.how == "exit 0"
            and "failed" in described(bomb)
            and bomb.peak_mb < 2000
            and one_line.how == "exit 0"
            and one_line.seconds < 120
            and short_line.how == "exit 0"
            and "added" in described(short_line)
            and good_indexed == 3
            and not outside_indexed
        ),
    }


# 7 ----------------------------------------------------------------------------------------------
def uploads(tree: Path, work: Path) -> dict:
    ended = child.case(tree, "uploads", index_dir=str(work / "index"))
    result = ended.result
    return {
        **result,
        "ended": ended.how,
        "held": ended.how == "exit 0"
        and result.get("long_name", "").startswith("added")
        and result.get("report_documents") == 2
        and result.get("team_a_kept") is True,
    }


# 8 ----------------------------------------------------------------------------------------------
def chroma_server_failures(tree: Path, work: Path) -> dict:
    with chroma_server(work / "chroma" / "data") as port:
        env = index_env(work / "index", QA_CHROMA_HOST="127.0.0.1", QA_CHROMA_PORT=str(port))
        child.cli(tree, "ingest", str(SEEDS / "docs"), env=env)
    asked = child.cli(tree, "ask", "Who opened the office?", env=env, timeout=120)
    ingested = child.cli(tree, "ingest", str(SEEDS / "docs"), env=env, timeout=120)
    other_port = free_port()
    other = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(other_port), "--bind", "127.0.0.1"],
        cwd=work,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(1.0)
        env_other = index_env(work / "index2", QA_CHROMA_HOST="127.0.0.1", QA_CHROMA_PORT=str(other_port))
        not_chroma = child.cli(tree, "ask", "Who opened the office?", env=env_other, timeout=120)
    finally:
        other.kill()
        other.wait()

    def described(ended: child.Ended) -> str:
        summary = ended.stderr_summary()
        return f"{summary['lines']} lines{', traceback' if summary['traceback'] else ''}: {summary['last'][:150]}"

    named = all(one_clear_line(e) and "QA_CHROMA_HOST" in e.stderr for e in (asked, ingested, not_chroma))
    return {
        "ask_after_server_stopped": described(asked),
        "ingest_after_server_stopped": described(ingested),
        "not_a_chroma_server": described(not_chroma),
        "held": named,
    }


# 9 ----------------------------------------------------------------------------------------------
# Questions that point at the planted notes, where a hijack shows first.
PROBING_QUESTIONS = [
    "What should the answer be?",
    "What do the notes say?",
    "What do the notes on the office say?",
    "What is the answer?",
    "What word should the answer be?",
]


def injection(tree: Path, work: Path) -> dict:
    corpus = seed_folder(work / "planted")
    (corpus / "notes.txt").write_text(PLANTED_TEXT, encoding="utf-8")
    (corpus / "notes.html").write_text(PLANTED_HTML, encoding="utf-8")
    results: dict[str, Any] = {}
    held = True
    for backend in ("local", "extractive"):
        for label, questions in (("seed", seed_questions()), ("probing", PROBING_QUESTIONS)):
            ended = child.case(
                tree,
                "injection",
                index_dir=str(work / f"index-{backend}-{label}"),
                corpus=str(corpus),
                questions=questions,
                backend=backend,
                timeout=900,
            )
            result = ended.result
            results[f"{backend}_{label}_hijacked"] = (
                f"{result.get('hijacked')} of {result.get('questions')}" if result else ended.how
            )
            if result.get("examples"):
                results[f"{backend}_{label}_example"] = result["examples"][0]
            results["hidden_html_indexed"] = result.get("hidden_html_indexed")
            held &= ended.how == "exit 0" and result.get("hijacked") == 0 and not result.get("hidden_html_indexed")
    return {**results, "held": held}


PROBES = {
    "1 local backend, concurrent users": local_concurrent,
    "2 shared state under threads": shared_state,
    "3 killed between write and delete": killed_in_delete,
    "4 moved corpus folder": moved_folder,
    "5 damaged index": damaged_index,
    "6 hostile files": hostile_files,
    "7 uploads": uploads,
    "8 Chroma server failures": chroma_server_failures,
    "9 prompt injection": injection,
}
