"""The manifest: one row per indexed file, the set of chunks a search may return, and the
keyword (FTS5/BM25) index of those chunks, in one SQLite file beside the index.

Chroma and SQLite cannot share a transaction, so a file's chunks change in three steps
(see ``qa/index/ingest.py``): the chunk ids about to be written are recorded as *pending*;
they are written to Chroma; then one SQLite transaction makes them the file's visible
chunks (and keyword rows) and records the ones to delete as pending. Searches only return
chunks listed here, so an interruption at any point leaves the old or the new version
visible, and ``pending`` tells the next ingest what to clean up in Chroma.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from qa.documents.chunking import Chunk
from qa.errors import IndexDamaged
from qa.sqlite_transaction import transaction

SCHEMA_VERSION = "2"
# Counts the changes of what Chroma holds (a commit, a removal, a cleanup after them), in the
# same transaction as the change: a process that sees it move reopens its Chroma client.
_BUMP_GENERATION = (
    "INSERT INTO meta VALUES ('generation', '1') ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    doc_id TEXT PRIMARY KEY,
    source TEXT NOT NULL UNIQUE,   -- resolved path, for display and lookups
    path BLOB NOT NULL,            -- the same path as the file system's bytes (names need not be UTF-8)
    title TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    chunk_ids TEXT NOT NULL,       -- JSON list, in document order
    metadata TEXT NOT NULL,        -- JSON object of the file's own metadata (front matter, ...)
    indexed_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS files_by_hash ON files (content_hash);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY,
    chunk_id TEXT NOT NULL UNIQUE,
    doc_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    page INTEGER,
    text TEXT NOT NULL,
    location TEXT NOT NULL DEFAULT ''   -- "slide 3", "sheet Budget", "Install › Docker"; '' for none
);
CREATE INDEX IF NOT EXISTS chunks_by_doc ON chunks (doc_id, position);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    text, content='chunks', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER IF NOT EXISTS chunks_ai AFTER INSERT ON chunks BEGIN
    INSERT INTO chunks_fts (rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER IF NOT EXISTS chunks_ad AFTER DELETE ON chunks BEGIN
    INSERT INTO chunks_fts (chunks_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TABLE IF NOT EXISTS pending (chunk_id TEXT PRIMARY KEY, doc_id TEXT NOT NULL);
"""


@dataclass(frozen=True)
class FileRecord:
    doc_id: str
    source: str
    path: bytes
    title: str
    content_hash: str
    chunk_ids: list[str]
    metadata: dict[str, str]
    indexed_at: str


_CHUNK_COLUMNS = (
    "chunks.chunk_id, chunks.doc_id, chunks.position, chunks.page, chunks.text, files.source, "
    "files.title, chunks.location"
)


@dataclass(frozen=True)
class StoredChunk:
    """A visible chunk as the manifest holds it."""

    chunk_id: str
    doc_id: str
    position: int
    page: int | None
    text: str
    source: str
    title: str
    location: str = ""


class Manifest:
    """The SQLite manifest of one collection. Every call opens its own connection, so one
    ``Manifest`` is safe to share between threads, and SQLite's locks make it safe between
    processes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._schema_lock = threading.Lock()
        self._ready = False

    @property
    def exists(self) -> bool:
        return self.path.is_file()

    def _connect(self, write: bool = False):
        return transaction(self.path, 60, self._ensure_schema, lambda exc: IndexDamaged(self._damaged(exc)), write)

    def _damaged(self, exc: Exception) -> str:
        return f"the index manifest '{self.path}' cannot be read ({exc})"

    def _ensure_schema(self, connection: sqlite3.Connection) -> None:
        if self._ready:
            return
        with self._schema_lock:
            if self._ready:
                return
            connection.execute("PRAGMA journal_mode=WAL")
            connection.executescript(_SCHEMA)
            columns = {row[1] for row in connection.execute("PRAGMA table_info(chunks)")}
            if "location" not in columns:  # a manifest written before chunks had locations
                connection.execute("ALTER TABLE chunks ADD COLUMN location TEXT NOT NULL DEFAULT ''")
            connection.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
            self._ready = True

    # --- reading ------------------------------------------------------------------------------
    def file_by_source(self, source: str) -> FileRecord | None:
        with self._connect() as db:
            row = db.execute("SELECT * FROM files WHERE source = ?", (source,)).fetchone()
        return _record(row) if row else None

    def files_with_hash(self, content_hash: str) -> list[FileRecord]:
        with self._connect() as db:
            rows = db.execute("SELECT * FROM files WHERE content_hash = ?", (content_hash,)).fetchall()
        return [_record(r) for r in rows]

    def file_summaries(self) -> list[tuple[str, str, int, str]]:
        """(source, title, chunk count, indexed at) of every file, without reading chunk lists."""
        with self._connect() as db:
            return db.execute(
                "SELECT source, title, json_array_length(chunk_ids), indexed_at FROM files ORDER BY source"
            ).fetchall()

    def files(self) -> list[FileRecord]:
        with self._connect() as db:
            rows = db.execute("SELECT * FROM files ORDER BY source").fetchall()
        return [_record(r) for r in rows]

    def has_doc(self, doc_id: str) -> bool:
        with self._connect() as db:
            return db.execute("SELECT 1 FROM files WHERE doc_id = ?", (doc_id,)).fetchone() is not None

    def has_chunks(self) -> bool:
        with self._connect() as db:
            return db.execute("SELECT EXISTS (SELECT 1 FROM chunks)").fetchone()[0] == 1

    def chunk_count(self) -> int:
        with self._connect() as db:
            return db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]

    def chunk_texts(self, doc_id: str) -> list[tuple[int | None, str]]:
        with self._connect() as db:
            rows = db.execute("SELECT page, text FROM chunks WHERE doc_id = ? ORDER BY position", (doc_id,))
            return [(page, text) for page, text in rows]

    def chunks(self, chunk_ids: Sequence[str]) -> dict[str, StoredChunk]:
        """The visible chunks among ``chunk_ids`` (others are absent), with their files."""
        found: dict[str, StoredChunk] = {}
        ids = list(dict.fromkeys(chunk_ids))
        with self._connect() as db:
            for start in range(0, len(ids), 500):  # SQLite caps the variables of one statement
                part = ids[start : start + 500]
                rows = db.execute(
                    f"SELECT {_CHUNK_COLUMNS} FROM chunks JOIN files ON files.doc_id = chunks.doc_id "
                    f"WHERE chunks.chunk_id IN ({','.join('?' * len(part))})",
                    part,
                ).fetchall()
                found.update((row[0], StoredChunk(*row)) for row in rows)
        return found

    def neighbours(self, chunk_id: str, distance: int = 1) -> list[StoredChunk]:
        """The chunks up to ``distance`` positions before and after one chunk of the same file."""
        with self._connect() as db:
            rows = db.execute(
                f"SELECT {_CHUNK_COLUMNS} FROM chunks AS me JOIN chunks ON chunks.doc_id = me.doc_id "
                "JOIN files ON files.doc_id = chunks.doc_id WHERE me.chunk_id = ? AND chunks.chunk_id != me.chunk_id "
                "AND chunks.position BETWEEN me.position - ? AND me.position + ? ORDER BY chunks.position",
                (chunk_id, distance, distance),
            ).fetchall()
        return [StoredChunk(*row) for row in rows]

    def keyword_search(
        self, match: str, k: int, doc_ids: Sequence[str] | None = None, locations: Sequence[str] | None = None
    ) -> list[tuple[str, float]]:
        """Top-``k`` visible chunks for an FTS5 ``match`` expression, as (chunk id, BM25 score),
        best first (higher is better). ``doc_ids`` limits the search to those files, ``locations``
        to chunks at those locations."""
        if not match or k <= 0 or (doc_ids is not None and not doc_ids) or (locations is not None and not locations):
            return []
        where, params = "", [match]
        if doc_ids is not None:
            where = f" AND chunks.doc_id IN ({','.join('?' * len(doc_ids))})"
            params += list(doc_ids)
        if locations is not None:
            where += f" AND chunks.location IN ({','.join('?' * len(locations))})"
            params += list(locations)
        # SQLite's bm25() is lower-is-better; negate it so every score here reads "higher is better".
        if doc_ids is None and locations is None:
            # FTS5 ranks inside its own index ("ORDER BY rank LIMIT"); only the top k are joined.
            sql = (
                "SELECT chunks.chunk_id, -top.score FROM (SELECT rowid, rank AS score FROM chunks_fts "
                "WHERE chunks_fts MATCH ? ORDER BY rank LIMIT ?) AS top JOIN chunks ON chunks.id = top.rowid "
                "ORDER BY top.score"
            )
        else:
            sql = (
                "SELECT chunks.chunk_id, -bm25(chunks_fts) FROM chunks_fts JOIN chunks ON chunks.id = "
                f"chunks_fts.rowid WHERE chunks_fts MATCH ?{where} ORDER BY bm25(chunks_fts) LIMIT ?"
            )
        with self._connect() as db:
            rows = db.execute(sql, [*params, k]).fetchall()
        return [(chunk_id, float(score)) for chunk_id, score in rows]

    def doc_ids_matching(self, sources: Sequence[str] = (), metadata: dict[str, str] | None = None) -> list[str]:
        """Files whose path ends with one of ``sources`` (a file name or a path tail; any file
        when empty) and whose metadata holds every ``metadata`` pair."""
        rows = self.files()
        wanted = [s.replace("\\", "/").strip("/") for s in sources if s.strip()]

        def path_matches(source: str) -> bool:
            path = source.replace("\\", "/")
            return any(path == w or path.endswith("/" + w) for w in wanted)

        return [
            r.doc_id
            for r in rows
            if (not wanted or path_matches(r.source))
            and all(str(r.metadata.get(key)) == str(value) for key, value in (metadata or {}).items())
        ]

    def locations_matching(self, section: str, doc_ids: Sequence[str] | None = None) -> list[str]:
        """The distinct chunk locations (section paths) that contain ``section``, ignoring case,
        among the files ``doc_ids`` if given. Compared in Python: SQLite's lower() and LIKE fold
        ASCII only, and a section path is any language."""
        wanted = " ".join(section.split()).casefold()
        if not wanted or (doc_ids is not None and not doc_ids):
            return []
        sql, params = "SELECT DISTINCT location FROM chunks WHERE location != ''", list(doc_ids or [])
        if doc_ids is not None:
            sql += f" AND doc_id IN ({','.join('?' * len(doc_ids))})"
        with self._connect() as db:
            rows = db.execute(sql, params).fetchall()
        return sorted(location for (location,) in rows if wanted in " ".join(location.split()).casefold())

    def pending(self) -> dict[str, str]:
        """Chunk ids written to (or to be deleted from) Chroma by an unfinished change."""
        with self._connect() as db:
            return dict(db.execute("SELECT chunk_id, doc_id FROM pending").fetchall())

    # --- the change protocol -----------------------------------------------------------------
    def mark_pending_many(self, doc_chunk_ids: Iterable[tuple[str, str]]) -> None:
        """Step 1: record (doc id, chunk id) pairs about to be written to Chroma."""
        with self._connect(write=True) as db:
            db.executemany("INSERT OR IGNORE INTO pending VALUES (?, ?)", [(c, d) for d, c in doc_chunk_ids])

    def generation(self) -> int:
        """How many times the chunks in Chroma changed (0 for a manifest not written yet)."""
        if not self.exists:
            return 0
        value = self.meta("generation")
        return int(value) if value and value.isdigit() else 0

    def meta(self, key: str) -> str | None:
        with self._connect() as db:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._connect(write=True) as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def commit_file(self, record: FileRecord, chunks: Sequence[Chunk]) -> list[str]:
        """Step 2 (after Chroma holds ``chunks``): make them the file's visible version in one
        transaction. Returns the chunk ids of the previous version that Chroma should drop;
        they stay pending until ``clear_pending``."""
        return self.commit_files([(record, chunks)])

    def commit_files(self, files: Sequence[tuple[FileRecord, Sequence[Chunk]]]) -> list[str]:
        """``commit_file`` for several files in one transaction (one disk sync for a batch)."""
        with self._connect(write=True) as db:
            db.execute(_BUMP_GENERATION)
            return [c for record, chunks in files for c in self._commit(db, record, chunks)]

    @staticmethod
    def _commit(db: sqlite3.Connection, record: FileRecord, chunks: Sequence[Chunk]) -> list[str]:
        old = {r[0] for r in db.execute("SELECT chunk_id FROM chunks WHERE doc_id = ?", (record.doc_id,))}
        new_ids = [c.id for c in chunks]
        stale = sorted(old - set(new_ids))
        db.execute("DELETE FROM files WHERE source = ? AND doc_id != ?", (record.source, record.doc_id))
        db.execute(
            "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                record.doc_id,
                record.source,
                record.path,
                record.title,
                record.content_hash,
                json.dumps(new_ids),
                json.dumps(record.metadata),
                record.indexed_at,
            ),
        )
        db.executemany("DELETE FROM chunks WHERE chunk_id = ?", [(c,) for c in stale])
        kept = old & set(new_ids)
        for c in chunks:
            if c.id in kept:
                db.execute("UPDATE chunks SET position = ? WHERE chunk_id = ?", (c.index, c.id))
            else:
                db.execute(
                    "INSERT OR REPLACE INTO chunks (chunk_id, doc_id, position, page, text, location) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (c.id, record.doc_id, c.index, c.page, c.text, c.location),
                )
        db.executemany("DELETE FROM pending WHERE chunk_id = ?", [(c,) for c in new_ids])
        db.executemany("INSERT OR IGNORE INTO pending VALUES (?, ?)", [(c, record.doc_id) for c in stale])
        return stale

    def relocate(self, doc_id: str, source: str, path: bytes) -> None:
        """A file moved: same content, new place. No chunk changes."""
        with self._connect(write=True) as db:
            db.execute("DELETE FROM files WHERE source = ? AND doc_id != ?", (source, doc_id))
            db.execute("UPDATE files SET source = ?, path = ? WHERE doc_id = ?", (source, path, doc_id))

    def remove_file(self, doc_id: str) -> list[str]:
        """Hide a file's chunks and drop its row; returns its chunk ids (now pending deletion)."""
        with self._connect(write=True) as db:
            ids = [r[0] for r in db.execute("SELECT chunk_id FROM chunks WHERE doc_id = ?", (doc_id,))]
            db.execute("DELETE FROM chunks WHERE doc_id = ?", (doc_id,))
            db.execute("DELETE FROM files WHERE doc_id = ?", (doc_id,))
            db.executemany("INSERT OR IGNORE INTO pending VALUES (?, ?)", [(c, doc_id) for c in ids])
            db.execute(_BUMP_GENERATION)
        return ids

    def clear_pending(self, chunk_ids: Iterable[str]) -> None:
        """Last step: Chroma no longer holds these (or holds them as visible chunks)."""
        ids = [(c,) for c in chunk_ids]
        with self._connect(write=True) as db:
            db.executemany("DELETE FROM pending WHERE chunk_id = ?", ids)
            if ids:  # Chroma dropped them: a reader's client may still list them
                db.execute(_BUMP_GENERATION)

    def unreferenced_pending(self) -> list[str]:
        """Pending chunk ids that no visible version uses: Chroma should not hold them."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT chunk_id FROM pending WHERE chunk_id NOT IN (SELECT chunk_id FROM chunks)"
            ).fetchall()
        return [r[0] for r in rows]


def _record(row: tuple) -> FileRecord:
    doc_id, source, path, title, content_hash, chunk_ids, metadata, indexed_at = row
    return FileRecord(
        doc_id, source, bytes(path), title, content_hash, json.loads(chunk_ids), json.loads(metadata), indexed_at
    )
