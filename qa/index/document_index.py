"""The document index: Chroma for vectors, the manifest for what is visible, per file.

Searches only return chunks the manifest lists, so a change that was interrupted between
Chroma and the manifest is invisible until the next ingest repairs it."""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from qa.embeddings import embedding_identity
from qa.errors import IndexDamaged, SettingsError
from qa.index.chroma_store import REINDEX_HINT, ChromaStore
from qa.index.manifest import FileRecord, Manifest
from qa.settings import Settings
from qa.types import DocumentInfo

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IndexedChunk:
    """A chunk a search returned: text, where it comes from, and its cosine relevance."""

    chunk_id: str
    text: str
    source: str
    title: str
    page: int | None
    relevance: float


def manifest_path(settings: Settings, collection: str) -> Path:
    return settings.index_dir / f"{collection}.manifest.sqlite3"


class DocumentIndex:
    """Chunks of every indexed file. Safe to share between threads; ingest and removal take
    an exclusive file lock, so processes sharing the index folder take turns."""

    def __init__(self, settings: Settings, embeddings: Embeddings, collection: str | None = None) -> None:
        self.settings = settings
        self.embeddings = embeddings
        self.collection = collection or settings.collection
        self.store = ChromaStore(settings, self.collection)
        self.manifest = Manifest(manifest_path(settings, self.collection))
        try:
            self._check_consistent()
            self._check_embedding()
        except (IndexDamaged, SettingsError):
            self.store.close()
            raise

    def close(self) -> None:
        self.store.close()

    # --- integrity -------------------------------------------------------------------------
    def _check_consistent(self) -> None:
        """A manifest and a Chroma collection that disagree mean lost content: say so, never
        rebuild silently over it."""
        stored = self.store.count()
        where = self.store.where()
        if not self.manifest.exists:
            if stored:
                raise IndexDamaged(
                    f"{where[0].upper()}{where[1:]} holds {stored} chunks but no manifest "
                    f"('{self.manifest.path}': deleted, or made by an older version); {REINDEX_HINT}."
                )
            return
        listed = self.manifest.chunk_count()
        if stored < listed:
            raise IndexDamaged(
                f"{where[0].upper()}{where[1:]} holds {stored} of the {listed} chunks its manifest lists "
                f"(the Chroma data was deleted or damaged); {REINDEX_HINT}."
            )

    def _check_embedding(self) -> None:
        """Vectors of another model or precision do not compare with this one's: refuse to mix."""
        identity = embedding_identity(self.embeddings)
        built = self.manifest.meta("embedding") if identity and self.manifest.exists else None
        if built and built != identity:
            raise SettingsError(
                f"QA_EMBEDDING_MODEL / QA_EMBEDDING_PRECISION: the index in '{self.settings.index_dir}' was built "
                f"with '{built.replace('|', ' at ')}', these settings load '{identity.replace('|', ' at ')}'; "
                "use the same settings, or index into another folder (QA_INDEX_DIR)."
            )

    def remember_embedding(self) -> None:
        """Record what builds this index's vectors, on its first ingest. Call while ``writing``."""
        identity = embedding_identity(self.embeddings)
        if identity and self.manifest.meta("embedding") is None and not self.manifest.has_chunks():
            self.manifest.set_meta("embedding", identity)

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Exclusive right to change the index, across threads and processes."""
        self.settings.index_dir.mkdir(parents=True, exist_ok=True)
        lock_path = self.settings.index_dir / f"{self.collection}.lock"
        with open(lock_path, "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def repair(self) -> int:
        """Drop from Chroma what an interrupted change left behind. Call while ``writing``."""
        pending = self.manifest.pending()
        if not pending:
            return 0
        orphans = self.manifest.unreferenced_pending()
        self.store.delete(orphans)
        self.manifest.clear_pending(list(pending))
        if orphans:
            log.info("repaired an interrupted change: %d chunks dropped", len(orphans))
        return len(orphans)

    # --- reading ---------------------------------------------------------------------------
    def search(self, query_vector: Sequence[float], k: int, doc_ids: Sequence[str] | None = None) -> list[IndexedChunk]:
        """Top-``k`` visible chunks by cosine relevance, of the files ``doc_ids`` if given."""
        if k <= 0 or (doc_ids is not None and not doc_ids):
            return []
        where = {"doc_id": {"$in": list(doc_ids)}} if doc_ids is not None else None
        # Over-fetch a little: chunks of an unfinished change are skipped.
        hits = self.store.query(query_vector, k + 4, where)
        visible = self.manifest.chunks([h.chunk_id for h in hits])
        found = []
        for hit in hits:
            if hit.chunk_id in visible:
                chunk = visible[hit.chunk_id]
                found.append(IndexedChunk(hit.chunk_id, hit.text, chunk.source, chunk.title, chunk.page, hit.relevance))
        return found[:k]

    def keyword_search(self, match: str, k: int, doc_ids: Sequence[str] | None = None) -> list[tuple[str, float]]:
        """Top-``k`` visible chunks by BM25 for an FTS5 match expression (see ``qa/retrieval/keyword.py``)."""
        return self.manifest.keyword_search(match, k, doc_ids) if self.manifest.exists else []

    def relevance(self, chunk_ids: Sequence[str], query_vector: Sequence[float]) -> dict[str, float]:
        """Cosine relevance of stored chunks to a query vector (for chunks keyword search found)."""
        stored = self.store.vectors(list(chunk_ids))
        if not stored:
            return {}
        ids = list(stored)
        matrix = np.asarray([stored[i] for i in ids], dtype=np.float32)
        query = np.asarray(query_vector, dtype=np.float32)
        norms = np.linalg.norm(matrix, axis=1) * (np.linalg.norm(query) or 1.0)
        cosines = matrix @ query / np.where(norms == 0, 1.0, norms)
        return {i: float(c) for i, c in zip(ids, cosines)}

    def is_empty(self) -> bool:
        """Whether no chunk is visible (one indexed lookup, unlike counting every chunk)."""
        return not (self.manifest.exists and self.manifest.has_chunks())

    def chunk_count(self) -> int:
        return self.manifest.chunk_count() if self.manifest.exists else 0

    def documents(self) -> list[DocumentInfo]:
        if not self.manifest.exists:
            return []
        return [DocumentInfo(*row) for row in self.manifest.file_summaries()]

    def record(self, source: str) -> FileRecord | None:
        return self.manifest.file_by_source(source) if self.manifest.exists else None

    def document_text(self, source: str) -> list[tuple[int | None, str]]:
        record = self.record(source)
        return self.manifest.chunk_texts(record.doc_id) if record else []

    def chunk_ids(self, source: str) -> list[str]:
        record = self.record(source)
        return list(record.chunk_ids) if record else []

    # --- removing --------------------------------------------------------------------------
    def remove(self, source: str) -> int:
        """Drop one file: hidden at once (one manifest transaction), then deleted from Chroma."""
        with self.writing():
            record = self.record(source)
            return self.drop(record.doc_id) if record else 0

    def drop(self, doc_id: str) -> int:
        """Hide a file's chunks, then delete them from Chroma; the caller holds ``writing``."""
        ids = self.manifest.remove_file(doc_id)
        self.store.delete(ids)
        self.manifest.clear_pending(ids)
        return len(ids)

