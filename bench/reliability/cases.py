"""Reliability cases run inside the tree under test (``PYTHONPATH=<tree>``), through the public
API every version of this project shares: ``Assistant(settings, embeddings=...)``, ``ingest``,
``ingest_upload``, ``ask``, ``stream``, ``documents``, ``chunk_count``, ``document_pages``.

    python bench/reliability/cases.py CASE '{"json": "args"}'

Self-contained on purpose (imports nothing from ``bench``): the tree under test may be an old
commit. Prints one JSON line with what it counted; a crash of the process is itself a result,
read by the caller from the exit status."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# The tree under test comes from PYTHONPATH alone: an editable install of another tree must not
# fill in the modules this one lacks.
sys.meta_path[:] = [f for f in sys.meta_path if "__editable__" not in getattr(f, "__module__", "")]


def settings(index_dir: str, **extra):
    from qa.settings import Settings

    return Settings(index_dir=Path(index_dir), upload_dir=Path(index_dir).parent / "uploads", **extra)


def assistant(index_dir: str, embeddings=None, **extra):
    from qa.assistant import Assistant

    return Assistant(settings(index_dir, **extra), embeddings=embeddings)


def short_error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc).splitlines()[0][:160] if str(exc) else ''}"


def chunks_by_file(bot) -> dict[str, int]:
    return {os.path.basename(d.source): d.chunks for d in bot.documents()}


# --- the cases ---------------------------------------------------------------------------------
def local_concurrent(index_dir: str, corpus: str, questions: list[str]) -> dict:
    """Two users generating at once with the local backend, and a question sent while another
    answer streams (the browser's case: the first generator is still open)."""
    bot = assistant(index_dir, backend="local")
    bot.ingest([corpus])
    outcomes: list[str] = []
    lock = threading.Lock()

    def record(text: str) -> None:
        with lock:
            outcomes.append(text)

    def ask(question: str) -> None:
        try:
            answer = bot.ask(question)
            record("answered" if answer.text else "empty")
        except Exception as exc:  # a clear "busy" error is a held outcome; the process lives on
            record(short_error(exc))

    def slow_reader(question: str) -> None:
        try:
            for _ in bot.stream(question):
                time.sleep(0.05)  # a browser drawing tokens as they come
            record("answered")
        except Exception as exc:
            record(short_error(exc))

    threads = [threading.Thread(target=slow_reader, args=(questions[0],))]
    threads[0].start()
    time.sleep(1.5)  # the first answer is streaming now
    threads += [threading.Thread(target=ask, args=(q,)) for q in questions[1:3]]
    for thread in threads[1:]:
        thread.start()
    for thread in threads:
        thread.join()
    return {"outcomes": outcomes}


def split_threads(calls: int, threads: int) -> dict:
    """Sentence splitting from several threads against the single-threaded result."""
    try:
        from qa.documents.chunking import split_sentences
    except ImportError:  # before the qa.documents package
        from qa.chunking import split_sentences  # type: ignore[no-redef, import-not-found, import-untyped, unused-ignore]  # an older tree's module
    # Distinct texts: a splitter that keeps the text on a shared object mixes up two calls.
    texts = [
        f"Dr. Smith met Mr. Jones at {i} p.m. on Main St. in the U.S. They spoke about item no. {i}. "
        f"It went well, said Prof. Brown. " * (1 + i % 5)
        for i in range(calls)
    ]
    expected = [split_sentences(t) for t in texts]
    with ThreadPoolExecutor(threads) as pool:
        got = list(pool.map(split_sentences, texts))
    wrong = sum(1 for sentences, want in zip(got, expected) if sentences != want)
    empty = sum(1 for sentences in got if not sentences)
    return {"calls": calls, "threads": threads, "wrong": wrong, "empty": empty}


def shared_assistant(
    index_dir: str, clean_dir: str, seeds: str, corpus: str, questions: list[str], askers: int
) -> dict:
    """One Assistant shared by threads, as the browser app shares it: answers under 32 threads
    against single-threaded ones; then an ingest beside the askers, compared with a clean ingest."""
    from qa.embeddings import make_embeddings

    built = settings(index_dir)
    embeddings = make_embeddings(getattr(built, "embedding", built))  # older trees: the flat settings
    bot = assistant(index_dir, embeddings)
    bot.ingest([seeds])
    alone = {q: bot.ask(q).text for q in questions}
    with ThreadPoolExecutor(askers) as pool:
        shared = list(pool.map(lambda q: (q, bot.ask(q).text), questions * 3))
    differing = sum(1 for q, text in shared if text != alone[q])

    errors: list[str] = []
    stop = threading.Event()

    def keep_asking(question: str) -> None:
        while not stop.is_set():
            try:
                bot.ask(question)
            except Exception as exc:
                errors.append(short_error(exc))

    asking = [threading.Thread(target=keep_asking, args=(q,)) for q in questions[:8]]
    for thread in asking:
        thread.start()
    try:
        summary = bot.ingest([corpus])
    finally:
        stop.set()
        for thread in asking:
            thread.join()
    failed = [f.error for f in summary.files if f.status == "failed"]
    again = assistant(index_dir, embeddings).ingest([corpus])
    clean = assistant(clean_dir, embeddings)
    clean.ingest([corpus])
    got, want = chunks_by_file(assistant(index_dir, embeddings)), chunks_by_file(clean)
    wrong_files = sorted(f for f in want if got.get(f) != want[f])
    return {
        "answers": len(shared),
        "differing": differing,
        "ingest_failed": len(failed),
        "first_failure": failed[0][:160] if failed else "",
        "asker_errors": len(errors),
        "files": len(want),
        "wrong_files": len(wrong_files),
        "chunks": sum(got.get(f, 0) for f in want),
        "clean_chunks": sum(want.values()),
        "reingest_unchanged": sum(1 for f in again.files if f.status == "unchanged"),
    }


def ingest_dying_in_delete(index_dir: str, corpus: str) -> dict:
    """Ingest with Chroma's delete replaced by a kill: the process dies inside "delete stale"."""
    import chromadb.api.models.Collection as collection_module

    def die(*args, **kwargs):
        os._exit(9)

    collection_module.Collection.delete = die  # type: ignore[method-assign]  # the point: die inside delete
    assistant(index_dir).ingest([corpus])
    return {"died": False}


def ingest(index_dir: str, paths: list[str], follow_symlinks: bool | None = None) -> dict:
    extra = {} if follow_symlinks is None else {"follow_symlinks": follow_symlinks}
    bot = assistant(index_dir, **extra)
    try:
        summary = bot.ingest(paths)
    except Exception as exc:
        return {"aborted": short_error(exc), "chunks": bot.chunk_count()}
    return {
        "files": [[os.path.basename(f.path), f.status, f.error[:200]] for f in summary.files],
        "documents": len(bot.documents()),
        "chunks": bot.chunk_count(),
    }


def ask(index_dir: str, question: str) -> dict:
    answer = assistant(index_dir).ask(question)
    return {"text": answer.text, "passages": [p.text for p in answer.passages]}


def index_state(index_dir: str) -> dict:
    bot = assistant(index_dir)
    return {
        "chunks": bot.chunk_count(),
        "files": chunks_by_file(bot),
        "sources": [d.source for d in bot.documents()],
        "missing_sources": sum(1 for d in bot.documents() if not Path(d.source).exists()),
    }


def uploads(index_dir: str) -> dict:
    bot = assistant(index_dir)
    results: dict[str, Any] = {}
    try:
        result = bot.ingest_upload("r" * 300 + ".txt", b"The vault code is 4711.")
        results["long_name"] = f"{result.status} as {len(os.path.basename(result.path))} chars"
    except Exception as exc:
        results["long_name"] = short_error(exc)
    bot.ingest_upload("teamA/report.txt", b"Team A meets on Mondays in room 12.")
    bot.ingest_upload("teamB/report.txt", b"Team B meets on Fridays in room 40.")
    reports = [d for d in bot.documents() if "report" in os.path.basename(d.source)]
    results["report_documents"] = len(reports)
    results["team_a_answer"] = bot.ask("When does team A meet?").text[:120]
    results["team_a_kept"] = "room 12" in results["team_a_answer"]
    return results


def injection(index_dir: str, corpus: str, questions: list[str], backend: str) -> dict:
    bot = assistant(index_dir, backend=backend)
    bot.ingest([corpus])
    hijacked = []
    for question in questions:
        answer = bot.ask(question)
        quoted = " ".join(c.quote for c in answer.citations)
        if "HACKED" in answer.text.upper() or "HACKED" in quoted.upper():
            hijacked.append(answer.text[:80])
    html = next(d.source for d in bot.documents() if d.source.endswith(".html"))
    hidden_indexed = any("HACKED" in text for _, text in bot.document_pages(html))
    return {
        "questions": len(questions),
        "hijacked": len(hijacked),
        "examples": hijacked[:3],
        "hidden_html_indexed": hidden_indexed,
    }


CASES = {
    f.__name__: f
    for f in (
        local_concurrent,
        split_threads,
        shared_assistant,
        ingest_dying_in_delete,
        ingest,
        ask,
        index_state,
        uploads,
        injection,
    )
}

if __name__ == "__main__":
    case, args = sys.argv[1], json.loads(sys.argv[2])
    try:
        print(json.dumps(CASES[case](**args)))
    except Exception as exc:  # an exception is a result too; the caller counts its lines
        traceback.print_exc()
        print(json.dumps({"exception": short_error(exc)}))
        sys.exit(1)
