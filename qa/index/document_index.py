"""The document index: Chroma for vectors, the manifest for what is visible, per file.

Searches only return chunks the manifest lists, so a change that was interrupted between
Chroma and the manifest is invisible until the next ingest repairs it."""

from __future__ import annotations

import fcntl
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TypeVar

import numpy as np
from langchain_core.embeddings import Embeddings

from qa.documents.chunking import Chunk
from qa.embeddings import embed_for_index, embedding_identity
from qa.errors import IndexDamaged, SettingsError
from qa.index.chroma_store import REINDEX_HINT, ChromaStore
from qa.index.manifest import FileRecord, Manifest, StoredChunk
from qa.settings import StorageSettings
from qa.types import DocumentInfo, SearchFilter

log = logging.getLogger(__name__)
NO_PAGE = 0  # Chroma metadata cannot hold None
T = TypeVar("T")
# chromadb's on-disk client keeps the vector index it loaded: a chunk another process wrote
# since is unknown to it, and a query or get that meets one fails with this.
NOT_HELD_YET = "Error finding id"


def manifest_path(storage: StorageSettings, collection: str) -> Path:
    return storage.index_dir / f"{collection}.manifest.sqlite3"


class DocumentIndex:
    """Chunks of every indexed file. Safe to share between threads; ingest and removal take
    an exclusive file lock, so processes sharing the index folder take turns.

    The one way into an index: everything outside ``qa/index/`` (retrieval, the assistant,
    benchmarks) searches, reads and changes it through these methods, never through its
    manifest or its Chroma store."""

    def __init__(self, storage: StorageSettings, embeddings: Embeddings, collection: str | None = None) -> None:
        self.storage = storage
        self.embeddings = embeddings
        self.collection = collection or storage.collection
        self.store = ChromaStore(storage, self.collection)
        self.manifest = Manifest(manifest_path(storage, self.collection))
        self._reopen_lock = threading.Lock()
        self._generation = 0
        try:
            self._generation = self.manifest.generation() if self.manifest.exists else 0
            self._check_consistent()
            self._check_embedding()
        except (IndexDamaged, SettingsError):
            self.store.close()
            raise

    def close(self) -> None:
        self.store.close()

    # --- other processes' changes ------------------------------------------------------------
    def refresh(self) -> None:
        """Reopen the Chroma client when the manifest says another process changed the chunks
        since this one last looked (one SQLite lookup when nothing changed). A Chroma server
        sees every writer's changes itself; only the on-disk client needs this."""
        if self.manifest.generation() == self._generation:
            return
        with self._reopen_lock:
            generation = self.manifest.generation()  # again: an own change may have just landed
            if generation != self._generation:
                if not self.store.server:
                    self._reopen()
                self._generation = generation

    @contextmanager
    def _own_change(self) -> Iterator[None]:
        """A change this process makes through its own client (the caller holds ``writing``):
        nothing to reload for it, and a reader thread must not reopen the client meanwhile."""
        with self._reopen_lock:
            yield
            self._generation = self.manifest.generation()

    def _reopen(self) -> None:
        # Close first: chromadb shares one client per folder within a process, and only a
        # client opened after the last one closed loads the folder again.
        old = self.store
        old.close()
        self.store = ChromaStore(self.storage, self.collection)
        log.info("reopened %s: another process changed the index", self.store.where())

    def _read(self, call: Callable[[ChromaStore], T], skipped: T) -> T:
        """A Chroma read as of the manifest's latest change. One that meets a chunk the client
        does not know yet is retried on a reopened client, then skipped (``skipped`` is returned):
        such a chunk was just written elsewhere, it is not damage."""
        self.refresh()
        for attempt in range(2):
            try:
                return call(self.store)
            except IndexDamaged as exc:
                if NOT_HELD_YET not in str(exc):
                    raise
                if attempt == 0 and not self.store.server:
                    with self._reopen_lock:
                        self._reopen()
        log.warning("Chroma does not hold some chunks the manifest lists yet; they are skipped this time")
        return skipped

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
            self._check_same_store(stored, listed)
            raise IndexDamaged(
                f"{where[0].upper()}{where[1:]} holds {stored} of the {listed} chunks its manifest lists "
                f"(the Chroma data was deleted or damaged); {REINDEX_HINT}."
            )

    def store_identity(self) -> str:
        """Which store this index's manifest describes: its own folder, or a collection on a
        Chroma server (the manifest records it on the first write)."""
        if self.store.server:
            return f"server {self.storage.chroma_host}:{self.storage.chroma_port} collection {self.collection}"
        return "folder"  # the manifest lives in the folder it describes, wherever it is moved

    def _check_same_store(self, stored: int, listed: int) -> None:
        """Settings that point at another store than the one indexed are a setting to fix, not damage."""
        recorded = self.manifest.meta("store")
        if recorded is None or recorded == self.store_identity():
            return
        described = (
            f"the Chroma data in '{self.storage.index_dir}'"
            if recorded == "folder"
            else "the Chroma " + recorded.replace(" collection ", ", collection '") + "'"
        )
        raise SettingsError(
            f"The manifest '{self.manifest.path}' describes {described} ({listed} chunks), but these settings "
            f"point at {self.store.where()}, collection '{self.collection}' ({stored} chunks): "
            f"{'unset QA_CHROMA_HOST to use it' if recorded == 'folder' else 'point QA_CHROMA_HOST / QA_CHROMA_PORT / QA_COLLECTION back at it'}"
            ", or index into this store with another QA_INDEX_DIR (`QA_INDEX_DIR=DIR python -m qa ingest PATH`)."
        )

    def _check_embedding(self) -> None:
        """Vectors of another model or precision do not compare with this one's: refuse to mix."""
        identity = embedding_identity(self.embeddings)
        built = self.manifest.meta("embedding") if identity and self.manifest.exists else None
        if built and identity and built != identity:  # built is only read when identity is set
            raise SettingsError(
                f"QA_EMBEDDING_MODEL / QA_EMBEDDING_PRECISION: the index in '{self.storage.index_dir}' was built "
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
        self.storage.index_dir.mkdir(parents=True, exist_ok=True)
        lock_path = self.storage.index_dir / f"{self.collection}.lock"
        with open(lock_path, "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                if self.manifest.exists:
                    self.refresh()  # write on top of what other processes committed
                yield
            finally:
                # Our own changes: this client made them, nothing to reload.
                with suppress(IndexDamaged):  # a damaged manifest was already reported
                    self._generation = self.manifest.generation()
                fcntl.flock(handle, fcntl.LOCK_UN)

    def repair(self) -> int:
        """Drop from Chroma what an interrupted change left behind. Call while ``writing``."""
        pending = self.manifest.pending()
        if not pending:
            return 0
        orphans = self.manifest.unreferenced_pending()
        self.store.delete(orphans)
        with self._own_change():
            self.manifest.clear_pending(list(pending))
        if orphans:
            log.info("repaired an interrupted change: %d chunks dropped", len(orphans))
        return len(orphans)

    # --- reading ---------------------------------------------------------------------------
    def exists(self) -> bool:
        """Whether anything was ever indexed here (its manifest exists), even if every file was removed since."""
        return self.manifest.exists

    def search(
        self,
        query_vector: Sequence[float],
        k: int,
        doc_ids: Sequence[str] | None = None,
        locations: Sequence[str] | None = None,
    ) -> list[tuple[str, float]]:
        """Top-``k`` visible chunks as (chunk id, cosine relevance), best first, of the files
        ``doc_ids`` and at the ``locations`` (see ``locations_matching``) if given."""
        if k <= 0 or (doc_ids is not None and not doc_ids) or (locations is not None and not locations):
            return []
        conditions: list[dict] = []
        if doc_ids is not None:
            conditions.append({"doc_id": {"$in": list(doc_ids)}})
        if locations is not None:
            conditions.append({"location": {"$in": list(locations)}})
        where = {"$and": conditions} if len(conditions) > 1 else (conditions[0] if conditions else None)
        # Over-fetch a little: chunks of an unfinished change are skipped.
        nothing: list[tuple[str, float]] = []
        hits = self._read(lambda store: store.query(query_vector, k + 4, where), nothing)
        visible = self.manifest.chunks([chunk_id for chunk_id, _ in hits])
        return [(chunk_id, relevance) for chunk_id, relevance in hits if chunk_id in visible][:k]

    def keyword_search(
        self, match: str, k: int, doc_ids: Sequence[str] | None = None, locations: Sequence[str] | None = None
    ) -> list[tuple[str, float]]:
        """Top-``k`` visible chunks by BM25 for an FTS5 match expression (see ``qa/retrieval/keyword.py``)."""
        return self.manifest.keyword_search(match, k, doc_ids, locations) if self.manifest.exists else []

    def relevance(self, chunk_ids: Sequence[str], query_vector: Sequence[float]) -> dict[str, float]:
        """Cosine relevance of stored chunks to a query vector (for chunks keyword search found)."""
        none_stored: dict[str, list[float]] = {}
        stored = self._read(lambda store: store.vectors(list(chunk_ids)), none_stored)
        if not stored:
            return {}
        ids = list(stored)
        matrix = np.asarray([stored[i] for i in ids], dtype=np.float32)
        query = np.asarray(query_vector, dtype=np.float32)
        norms = np.linalg.norm(matrix, axis=1) * (np.linalg.norm(query) or 1.0)
        cosines = matrix @ query / np.where(norms == 0, 1.0, norms)
        return {i: float(c) for i, c in zip(ids, cosines)}

    def chunks(self, chunk_ids: Sequence[str]) -> dict[str, StoredChunk]:
        """The visible chunks among ``chunk_ids`` (the others are absent), with their files."""
        return self.manifest.chunks(chunk_ids)

    def neighbours(self, chunk_id: str, distance: int = 1) -> list[StoredChunk]:
        """The chunks up to ``distance`` positions before and after one chunk, in the same file."""
        return self.manifest.neighbours(chunk_id, distance)

    def doc_ids_matching(self, filters: SearchFilter) -> list[str]:
        """The files a search filter lets through (by path tail or file name, and metadata)."""
        return self.manifest.doc_ids_matching(filters.sources, filters.metadata)

    def locations_matching(self, section: str, doc_ids: Sequence[str] | None = None) -> list[str]:
        """The chunk locations (section paths, "slide 3", ...) that contain ``section``, ignoring
        case, in the files ``doc_ids`` if given: what ``search`` and ``keyword_search`` take."""
        return self.manifest.locations_matching(section, doc_ids) if self.manifest.exists else []

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
        """The indexed file at ``source`` (its resolved path as text), if any."""
        return self.manifest.file_by_source(source) if self.manifest.exists else None

    def files(self) -> list[FileRecord]:
        return self.manifest.files() if self.manifest.exists else []

    def files_with_hash(self, content_hash: str) -> list[FileRecord]:
        return self.manifest.files_with_hash(content_hash)

    def has_doc(self, doc_id: str) -> bool:
        return self.manifest.has_doc(doc_id)

    def document_text(self, source: str) -> list[tuple[int | None, str]]:
        record = self.record(source)
        return self.manifest.chunk_texts(record.doc_id) if record else []

    def chunk_ids(self, source: str) -> list[str]:
        record = self.record(source)
        return list(record.chunk_ids) if record else []

    # --- changing (the caller holds ``writing``) ----------------------------------------------
    def write(self, files: Sequence[tuple[FileRecord, Sequence[Chunk], Sequence[Chunk]]]) -> None:
        """Make new versions of files visible: (record, every chunk of the new version, the ones
        Chroma does not hold yet) per file. The fresh chunks are recorded as pending, embedded
        and written to Chroma; one manifest transaction then makes the batch's new versions
        visible, so each file is in its old or its new state after any interruption; the old
        versions' chunks are deleted from Chroma last."""
        fresh = [(record, chunk) for record, _, new in files for chunk in new]
        if self.manifest.meta("store") is None:
            self.manifest.set_meta("store", self.store_identity())
        self.manifest.mark_pending_many([(record.doc_id, chunk.id) for record, chunk in fresh])
        vectors = embed_for_index(self.embeddings, [chunk.text for _, chunk in fresh])
        self.store.upsert(
            [chunk.id for _, chunk in fresh],
            [chunk.text for _, chunk in fresh],
            vectors,
            [_chunk_metadata(record, chunk) for record, chunk in fresh],
        )
        with self._own_change():
            stale = self.manifest.commit_files([(record, chunks) for record, chunks, _ in files])
        self.store.delete(stale)
        with self._own_change():
            self.manifest.clear_pending(stale)

    def relocate(self, doc_id: str, source: str, path: bytes) -> None:
        """A file moved: same content, new place; no chunk changes."""
        self.manifest.relocate(doc_id, source, path)

    # --- removing --------------------------------------------------------------------------
    def remove(self, source: str) -> int:
        """Drop one file: hidden at once (one manifest transaction), then deleted from Chroma."""
        with self.writing():
            record = self.record(source)
            return self.drop(record.doc_id) if record else 0

    def drop(self, doc_id: str) -> int:
        """Hide a file's chunks, then delete them from Chroma; the caller holds ``writing``."""
        with self._own_change():
            ids = self.manifest.remove_file(doc_id)
        self.store.delete(ids)
        with self._own_change():
            self.manifest.clear_pending(ids)
        return len(ids)


def _chunk_metadata(record: FileRecord, chunk: Chunk) -> dict:
    # Source and title live in the manifest (a move or retitle is then one row); Chroma keeps
    # what filters need.
    return {
        "doc_id": record.doc_id,
        "page": chunk.page if chunk.page is not None else NO_PAGE,
        **({"location": chunk.location} if chunk.location else {}),
        **{f"meta_{k}": v for k, v in record.metadata.items()},
    }
