"""Incremental ingest: unchanged files cost nothing, changed files replace their chunks."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path

from qa.chunking import TokenCounter, chunk_pages
from qa.errors import DocumentError, QAError
from qa.loading import load_document
from qa.settings import Settings
from qa.store import DocumentIndex
from qa.types import FileResult, IngestSummary

ProgressCallback = Callable[[int, int, str], None]  # (done, total, current file)


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Every file under the given files and folders, sorted; hidden files and folders are skipped."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists():
            raise QAError(f"path not found: {raw}")
        if path.is_file():
            files.append(path)
            continue
        for child in sorted(path.rglob("*")):
            relative = child.relative_to(path)
            if child.is_file() and not any(part.startswith(".") for part in relative.parts):
                files.append(child)
    return files


def ingest_files(
    files: list[Path],
    index: DocumentIndex,
    settings: Settings,
    count_tokens: TokenCounter,
    on_progress: ProgressCallback | None = None,
) -> IngestSummary:
    started = time.perf_counter()
    summary = IngestSummary()
    for done, path in enumerate(files):
        if on_progress:
            on_progress(done, len(files), str(path))
        summary.files.append(_ingest_one(path, index, settings, count_tokens))
    if on_progress:
        on_progress(len(files), len(files), "")
    summary.seconds = time.perf_counter() - started
    return summary


def _ingest_one(path: Path, index: DocumentIndex, settings: Settings, count_tokens: TokenCounter) -> FileResult:
    source = str(path.resolve())
    try:
        document = load_document(path.resolve(), max_bytes=settings.max_file_bytes)
    except DocumentError as exc:
        return FileResult(str(path), "failed", error=str(exc))
    previous = index.stored_hash(source)
    if previous == document.content_hash:
        return FileResult(str(path), "unchanged")
    chunks = chunk_pages(
        source,
        [(p.number, p.text) for p in document.pages],
        settings.chunk_tokens,
        settings.chunk_overlap_tokens,
        count_tokens,
    )
    index.replace_file(document, chunks)
    return FileResult(str(path), "updated" if previous else "added", chunks=len(chunks))
