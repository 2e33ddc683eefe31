"""Incremental, crash-consistent ingest.

Per file: unchanged content costs nothing; a moved file (same content, its old path gone)
is relocated without embedding; a new or changed file's new chunks are embedded in batches
across files and made visible in one manifest transaction (see ``qa/index/manifest.py``).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from qa.documents.chunking import Chunk, TokenCounter, assign_ids, pack_located_pages
from qa.documents.loading import LoadedDocument, LoadLimits, load_document
from qa.errors import DocumentError, QAError
from qa.index.document_index import DocumentIndex, FileRecord
from qa.settings import IngestSettings
from qa.types import FileResult, FileStatus, IngestSummary

log = logging.getLogger(__name__)
ProgressCallback = Callable[[int, int, str], None]  # (done, total, current file)


def display_path(path: Path) -> str:
    """The path as text, whatever bytes the file system gave (non-UTF-8 names are escaped)."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


@dataclass
class FolderScan:
    """The files under the given paths, and what was refused while finding them."""

    files: list[Path] = field(default_factory=list)
    refused: list[FileResult] = field(default_factory=list)
    folders: list[Path] = field(default_factory=list)


def expand_paths(paths: Iterable[str | Path], follow_symlinks: bool = False) -> FolderScan:
    """Every file under the given files and folders, sorted; hidden files and folders are
    skipped, and symbolic links leading out of a folder are refused unless followed by setting."""
    scan = FolderScan()
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists():
            raise QAError(f"path not found: {raw}")
        if path.is_file():
            scan.files.append(path)
            continue
        root = path.resolve()
        scan.folders.append(root)
        for folder, dirs, names in os.walk(path, followlinks=follow_symlinks):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(names):
                if name.startswith("."):
                    continue
                child = Path(folder) / name
                if not child.is_file():
                    continue
                if child.is_symlink() and not follow_symlinks and not child.resolve().is_relative_to(root):
                    scan.refused.append(
                        FileResult(
                            display_path(child),
                            "failed",
                            error=f"symbolic link to '{display_path(child.resolve())}', outside the folder "
                            "(set QA_FOLLOW_SYMLINKS=true to index it)",
                        )
                    )
                    continue
                scan.files.append(child)
    return scan


@dataclass
class _Prepared:
    """A file whose new chunks are about to be written."""

    result_path: str
    record: FileRecord
    chunks: list[Chunk]
    fresh: list[Chunk]  # the chunks Chroma does not hold yet
    status: FileStatus


def _doc_id(index: DocumentIndex, source: str) -> str:
    """Deterministic: the same path gets the same id in any index (so a repaired index equals
    a clean ingest); salted only if another file holds that id (one moved away from this path)."""
    for salt in range(1000):
        key = f"{source}\x1f{salt}" if salt else source
        candidate = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:24]
        if not index.has_doc(candidate):
            return candidate
    raise QAError(f"{source}: cannot assign a document id")


class Ingestor:
    """One ingest run: files in, batches of chunks embedded and committed."""

    def __init__(self, index: DocumentIndex, ingest: IngestSettings, count_tokens: TokenCounter) -> None:
        self.index = index
        self.ingest = ingest
        self.count_tokens = count_tokens
        self.limits = LoadLimits.from_settings(ingest)
        self.batch: list[_Prepared] = []
        self.results: list[FileResult] = []
        self.seen: set[str] = set()  # resolved sources of this run (a link and its target are one file)

    def add(self, path: Path, loaded: Future) -> None:
        """Take one file whose loading and chunking (``prepare_file``) started ahead in a worker."""
        shown = display_path(path)
        try:
            resolved, document, packed = loaded.result()
        except DocumentError as exc:
            self.results.append(FileResult(shown, "failed", error=str(exc)))
            return
        except OSError as exc:  # names too long, loops of links, permissions
            self.results.append(FileResult(shown, "failed", error=f"cannot read file: {exc.strerror or exc}"))
            return
        source = display_path(resolved)
        raw_path = os.fsencode(resolved)
        if source in self.seen:
            self.results.append(FileResult(shown, "unchanged"))
            return
        self.seen.add(source)
        existing = self.index.record(source)
        if existing is not None and existing.content_hash == document.content_hash:
            if existing.path != raw_path:
                self.index.relocate(existing.doc_id, source, raw_path)
            self.results.append(FileResult(shown, "unchanged"))
            return
        if existing is None:
            moved = [r for r in self.index.files_with_hash(document.content_hash) if not os.path.exists(r.path)]
            if moved:
                self.index.relocate(moved[0].doc_id, source, raw_path)
                self.results.append(FileResult(shown, "moved", chunks=0))
                return
        doc_id = existing.doc_id if existing else _doc_id(self.index, source)
        if packed is None:  # the worker saw this content indexed here; another run changed that since
            packed = pack_document(document, self.ingest, self.count_tokens)
        chunks = assign_ids(doc_id, packed)
        held = set(existing.chunk_ids) if existing else set()
        record = _record(doc_id, source, raw_path, document)
        self.batch.append(
            _Prepared(
                shown, record, chunks, [c for c in chunks if c.id not in held], "updated" if existing else "added"
            )
        )
        if sum(len(p.fresh) for p in self.batch) >= self.ingest.embed_batch_size:
            self.flush()

    def flush(self) -> None:
        """Embed and write the batch's new chunks, then commit each file's new version."""
        if not self.batch:
            return
        batch, self.batch = self.batch, []
        self.index.write([(p.record, p.chunks, p.fresh) for p in batch])
        self.results.extend(FileResult(p.result_path, p.status, chunks=len(p.fresh)) for p in batch)


def pack_document(document: LoadedDocument, ingest: IngestSettings, count_tokens: TokenCounter):
    return pack_located_pages(
        [(p.number, p.text, p.location) for p in document.pages],
        ingest.chunk_tokens,
        ingest.chunk_overlap_tokens,
        count_tokens,
        ingest.max_line_chars,
    )


@dataclass
class _FilePreparer:
    """Loads and chunks one file in a worker thread (sentence splitting and token counting are
    then done beside the embedding of earlier files). An unchanged file is not chunked."""

    index: DocumentIndex
    ingest: IngestSettings
    limits: LoadLimits
    count_tokens: TokenCounter

    def __call__(self, path: Path) -> tuple[Path, LoadedDocument, list | None]:
        resolved = path.resolve()
        document = load_document(resolved, self.limits)
        existing = self.index.record(display_path(resolved))
        if existing is not None and existing.content_hash == document.content_hash:
            return resolved, document, None
        return resolved, document, pack_document(document, self.ingest, self.count_tokens)


def _prepared_ahead(files: list[Path], prepare: Callable, workers: int) -> Iterator[tuple[Path, Future]]:
    """Each file with its preparation started a few files ahead in a small pool, so parsing
    and chunking overlap the embedding of the previous batch; at most ``2 * workers``
    prepared files wait in memory."""
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="qa-load") as pool:
        ahead: deque[tuple[Path, Future]] = deque()
        queue = iter(files)
        for path in queue:
            ahead.append((path, pool.submit(prepare, path)))
            if len(ahead) >= 2 * workers:
                break
        while ahead:
            yield ahead.popleft()
            for path in queue:
                ahead.append((path, pool.submit(prepare, path)))
                break


def _record(doc_id: str, source: str, raw_path: bytes, document: LoadedDocument) -> FileRecord:
    return FileRecord(
        doc_id=doc_id,
        source=source,
        path=raw_path,
        title=document.title,
        content_hash=document.content_hash,
        chunk_ids=[],
        metadata=dict(document.metadata),
        indexed_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def ingest_files(
    scan: FolderScan,
    index: DocumentIndex,
    ingest: IngestSettings,
    count_tokens: TokenCounter,
    on_progress: ProgressCallback | None = None,
    prune: bool = False,
) -> IngestSummary:
    """Index the scanned files. Files indexed from a scanned folder that are no longer in it
    are reported as ``missing``, or removed with ``prune``."""
    started = time.perf_counter()
    if len(scan.files) > ingest.max_files:
        raise QAError(f"{len(scan.files)} files to index, over the limit of {ingest.max_files} (QA_MAX_FILES)")
    summary = IngestSummary(files=list(scan.refused))
    with index.writing():
        index.repair()
        index.remember_embedding()
        count_tokens = _serialised(count_tokens)
        ingestor = Ingestor(index, ingest, count_tokens)
        total = len(scan.files)
        prepare = _FilePreparer(index, ingest, ingestor.limits, count_tokens)
        for done, (path, loaded) in enumerate(_prepared_ahead(scan.files, prepare, ingest.load_workers)):
            if on_progress:
                on_progress(done, total, display_path(path))
            ingestor.add(path, loaded)
        ingestor.flush()
        summary.files.extend(ingestor.results)
        summary.files.extend(_missing(index, scan, prune))
    if on_progress:
        on_progress(len(scan.files), len(scan.files), "")
    summary.seconds = time.perf_counter() - started
    return summary


def _serialised(count_tokens: TokenCounter) -> TokenCounter:
    """The tokenizer shared by the worker threads, one call at a time (a fast tokenizer may
    reconfigure itself on a call, which concurrent calls must not see)."""
    lock = threading.Lock()

    def count(text: str) -> int:
        with lock:
            return count_tokens(text)

    return count


def _missing(index: DocumentIndex, scan: FolderScan, prune: bool) -> list[FileResult]:
    if not scan.folders:
        return []
    results = []
    for record in index.files():
        path = Path(os.fsdecode(record.path))
        if os.path.exists(record.path) or not any(path.is_relative_to(f) for f in scan.folders):
            continue
        if prune:
            results.append(FileResult(record.source, "removed", chunks=index.drop(record.doc_id)))
        else:
            results.append(FileResult(record.source, "missing", error="no longer in the folder (--prune removes it)"))
    return results
