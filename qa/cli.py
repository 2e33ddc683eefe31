"""Command line: ``python -m qa ingest|ask|chat|eval|reindex|users|serve``."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import get_args

from pydantic import ValidationError

from qa.evaluation.compare import DEFAULT_GATED
from qa.evaluation.splits import Half
from qa.settings import Backend, RetrievalMode, describe_invalid

EXIT_OK, EXIT_FILES_FAILED, EXIT_ERROR = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m qa", description="Ask questions about your documents.")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--index-dir", help="Chroma index folder (QA_INDEX_DIR)")
    common.add_argument("--collection", help="Chroma collection (QA_COLLECTION)")
    common.add_argument("--backend", choices=list(get_args(Backend)), help="answer backend (QA_BACKEND)")
    common.add_argument("--top-k", type=int, help="passages retrieved per question (QA_TOP_K)")
    common.add_argument(
        "--retrieval", choices=list(get_args(RetrievalMode)), help="how passages are found (QA_RETRIEVAL)"
    )
    asking = argparse.ArgumentParser(add_help=False)
    asking.add_argument(
        "--file",
        action="append",
        default=[],
        metavar="NAME",
        help="search only this file (a name or path tail; repeat for several)",
    )
    asking.add_argument(
        "--meta",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="search only files whose metadata (e.g. front matter) has KEY=VALUE; repeatable",
    )
    asking.add_argument(
        "--section",
        default="",
        metavar="TEXT",
        help="search only passages whose section path contains TEXT, ignoring case "
        "('docker' matches 'Install › Docker'; also 'slide 3', 'sheet Budget')",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    ingest = sub.add_parser("ingest", parents=[common], help="index files or folders")
    ingest.add_argument("paths", nargs="+", metavar="PATH")
    ingest.add_argument("--json", action="store_true", help="print the summary as JSON")
    ingest.add_argument(
        "--prune", action="store_true", help="remove indexed files that are no longer in the given folders"
    )

    reindex = sub.add_parser(
        "reindex", parents=[common], help="rebuild a damaged index: keep the old one aside, index its files again"
    )
    reindex.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="also index these (default: the files the old index listed, else QA_CORPUS_DIR)",
    )

    ask = sub.add_parser("ask", parents=[common, asking], help="answer one question with cited passages")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON")

    sub.add_parser("chat", parents=[common, asking], help="a terminal chat that keeps the conversation")

    shown = sub.add_parser(
        "settings", parents=[common], help="print every setting in effect, by group (secrets hidden)"
    )
    shown.add_argument("--markdown", action="store_true", help="print the documentation table (defaults and meanings)")

    ev = sub.add_parser("eval", parents=[common], help="score answers against a test set (JSONL or CSV)")
    ev.add_argument("testset")
    ev.add_argument("--corpus", help="index this folder into its own collection and ask about it")
    ev.add_argument("--out", help="report folder (default: eval-out/<testset>-<backend>)")
    ev.add_argument("--limit", type=int, help="only the first N questions")
    ev.add_argument(
        "--half",
        choices=list(get_args(Half)),
        help="only one half of the test set, split by document (tune: for fitting; report: for figures)",
    )
    ev.add_argument(
        "--split",
        metavar="SPLIT_JSON",
        help="committed tune/report lists (bench/splits/*.json); default: the fixed keyed hash of each row's document",
    )
    ev.add_argument(
        "--compare", metavar="PREVIOUS_SUMMARY", help="summary.json of an earlier run; exit 1 on regression"
    )
    ev.add_argument(
        "--gate", help=f"comma-separated metrics the regression gate checks (default: {','.join(DEFAULT_GATED)})"
    )
    ev.add_argument("--tolerance", type=float, default=0.02, help="allowed absolute drop of a gated metric")
    ev.add_argument(
        "--grounding",
        metavar="CLAIMS_JSONL",
        help="also score the grounding check on labelled claims (e.g. seeds/grounding.jsonl)",
    )
    from qa.cli_accounts import add_parsers

    add_parsers(sub, common)
    return parser


def _settings(args: argparse.Namespace):
    from qa.settings import load_settings

    overrides = {
        name: getattr(args, name)
        for name in ("index_dir", "collection", "backend", "top_k", "retrieval")
        if getattr(args, name, None) is not None
    }
    return load_settings(**overrides)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from qa.errors import QAError

    try:
        settings = _settings(args)
        from qa.cli_accounts import serve, users

        commands = {
            "ingest": _ingest,
            "reindex": _reindex,
            "ask": _ask,
            "chat": _chat,
            "eval": _eval,
            "settings": _settings_command,
            "users": users,
            "serve": serve,
        }
        return commands[args.command](args, settings)
    except ValidationError as exc:  # a setting changed after start-up (e.g. by a command's options)
        print(f"error: {describe_invalid(exc)}", file=sys.stderr)
    except QAError as exc:
        print(f"error: {exc}", file=sys.stderr)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
    return EXIT_ERROR


def _assistant(settings):
    from qa.assistant import Assistant

    return Assistant(settings)


def _progress_bar(disable: bool = False):
    """A tqdm bar fed by ingest progress callbacks (files done, total, current file)."""
    from tqdm import tqdm

    bar = None

    def progress(done: int, total: int, current: str) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, unit="file", desc="Indexing", file=sys.stderr, disable=disable)
        bar.n = done
        bar.set_postfix_str(os.path.basename(current), refresh=True)

    def close() -> None:
        if bar is not None:
            bar.close()

    return progress, close


def _print_summary(summary, as_json: bool) -> int:
    if as_json:
        print(json.dumps(summary.to_dict(), indent=2))
    else:
        for result in summary.files:
            if result.status in ("failed", "missing"):
                print(f"{result.status}: {result.path}: {result.error}", file=sys.stderr)
        print(summary.describe())
    return EXIT_FILES_FAILED if summary.failed else EXIT_OK


def _settings_command(args, settings) -> int:
    from qa.settings_docs import effective_settings, settings_markdown

    if args.markdown:
        print(settings_markdown(), end="")
        return 0
    for group, variable, value in effective_settings(settings):
        print(f"{group:<11} {variable:<28} {value}")
    return 0


def _reindex(args, settings) -> int:
    from qa.index.rebuild import rebuild_index

    progress, close = _progress_bar()
    try:
        rebuilt = rebuild_index(settings, args.paths, on_progress=progress)
    finally:
        close()
    if rebuilt.kept_aside:
        print(f"The old index is kept in {rebuilt.kept_aside}", file=sys.stderr)
    return _print_summary(rebuilt.summary, False)


def _ingest(args, settings) -> int:
    bot = _assistant(settings)
    progress, close = _progress_bar(disable=args.json)
    try:
        summary = bot.ingest(args.paths, on_progress=progress, prune=args.prune)
    finally:
        close()
    return _print_summary(summary, args.json)


def _ensure_corpus(bot) -> None:
    summary = bot.ensure_corpus()
    if summary is not None:
        print(f"Index was empty: indexed {bot.settings.ingest.corpus_dir}/ ({summary.describe()}).", file=sys.stderr)


def format_answer(answer) -> str:
    lines = [answer.text]
    if answer.search_query != answer.question:
        lines.append(f"(searched for: {answer.search_query})")
    for c in answer.citations:
        where = f", {c.where}" if c.where else ""
        lines.append(f"\n[{c.number}] {c.file_name}{where} (relevance {c.relevance:.2f})")
        lines.append(f'    "{c.quote}"')
        if c.highlight and not answer.short_answer:
            lines.append(f"    likely answer: {c.highlight}")
    return "\n".join(lines)


def _options(args):
    """Per-question options from ``--file``, ``--meta`` and ``--section``."""
    from qa.assistant import AskOptions
    from qa.errors import QAError
    from qa.types import SearchFilter

    metadata = {}
    for pair in args.meta:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise QAError(f"--meta {pair!r}: write it as KEY=VALUE")
        metadata[key.strip()] = value.strip()
    filters = SearchFilter(tuple(args.file), metadata, args.section.strip())
    return AskOptions(filters=filters if filters.active else None)


def _ask(args, settings) -> int:
    bot = _assistant(settings)
    _ensure_corpus(bot)
    answer = bot.ask(args.question, options=_options(args))
    print(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False) if args.json else format_answer(answer))
    return EXIT_OK


def _chat(args, settings) -> int:
    from qa.errors import QAError

    bot = _assistant(settings)
    _ensure_corpus(bot)
    history: list[tuple[str, str]] = []
    print(f"Ask about your documents ({bot.chunk_count()} chunks indexed). Empty line or Ctrl-D to quit.")
    while True:
        try:
            question = input("\n> ").strip()
        except EOFError:
            print()
            return EXIT_OK
        if not question or question in ("exit", "quit"):
            return EXIT_OK
        try:
            answer = bot.ask(question, history, options=_options(args))
        except QAError as exc:
            print(f"error: {exc}")
            continue
        print(format_answer(answer))
        history.append((question, answer.text))


def _eval(args, settings) -> int:
    from pathlib import Path

    from tqdm import tqdm

    from qa.evaluation import run_evaluation
    from qa.evaluation.report import fmt, metric_rows

    out = Path(args.out or f"eval-out/{Path(args.testset).stem}-{settings.answering.backend}")
    gated = tuple(g.strip() for g in args.gate.split(",")) if args.gate else DEFAULT_GATED
    bar = None  # made at the first question, so indexing shows its own bar first

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, unit="question", desc="Evaluating", file=sys.stderr)
        bar.n = done
        bar.refresh()

    ingest_progress, close_ingest = _progress_bar()
    try:
        result = run_evaluation(
            settings,
            args.testset,
            out,
            corpus=args.corpus,
            limit=args.limit,
            half=args.half,
            split=args.split,
            compare_to=args.compare,
            gated=gated,
            tolerance=args.tolerance,
            on_progress=progress,
            grounding=args.grounding,
            on_ingest_progress=ingest_progress,
        )
    finally:
        close_ingest()
        if bar is not None:
            bar.close()
    for label, value in metric_rows(result.run.summary):
        print(f"{label:36} {fmt(value)}")
    total = result.run.summary.latency_s.total
    print(f"{'Latency total p50 / p95 (s)':36} {fmt(total.p50)} / {fmt(total.p95)}")
    check = result.run.summary.grounding_check
    if check is not None:
        print(
            f"{'Grounding: fabrications caught':36} {fmt(check.fabrication_recall)} "
            f"(precision {fmt(check.fabrication_precision)}, true paraphrases kept {fmt(check.paraphrases_kept)})"
        )
    print(f"Report: {result.files['report']}")
    if result.comparison is not None:
        for c in result.comparison:
            if c.gated:
                delta = "n/a" if c.delta is None else f"{c.delta:+.3f}"
                print(
                    f"gate {c.metric:28} {fmt(c.previous)} -> {fmt(c.current)} ({delta}) {'REGRESSED' if c.regressed else 'ok'}"
                )
        if result.regressed:
            print(f"error: {len(result.regressed)} gated metric(s) fell by more than {args.tolerance}", file=sys.stderr)
            return EXIT_FILES_FAILED
    return EXIT_OK
