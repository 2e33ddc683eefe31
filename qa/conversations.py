"""Saved conversations: each question with the answer (and citations) exactly as it was
given, or the error it met, in one SQLite file. Safe to share between threads and processes
(every call opens its own connection; SQLite serialises writers).

A store that is damaged, truncated or unreadable is one ``ConversationStoreError`` line naming
the file and what to do; a deleted one is created again by the next call (the schema is
checked on every connection, not once per process)."""

from __future__ import annotations

import json
import sqlite3
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from qa.errors import ChatChanged, ConversationStoreError
from qa.sqlite_transaction import transaction
from qa.types import Answer

_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    owner TEXT NOT NULL DEFAULT 'local'  -- a user id (qa.accounts), or LOCAL_OWNER
);
CREATE TABLE IF NOT EXISTS turns (
    conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    question TEXT NOT NULL,
    answer TEXT,          -- Answer.to_dict() as JSON; NULL when the question met an error
    error TEXT,
    asked_at TEXT NOT NULL,
    PRIMARY KEY (conversation_id, position)
);
"""
TITLE_CHARS = 60
# Who owns the chats kept before accounts existed, and every chat of a server without accounts;
# ``adopt`` hands them to the first admin.
LOCAL_OWNER = "local"


def _migrate(connection: sqlite3.Connection) -> None:
    """Stores made before accounts have no owner column (every existing chat is then owned by
    ``LOCAL_OWNER``), and before stale-page checks no version column: add them (ALTER TABLE keeps
    each row; nothing is copied or lost)."""
    columns = {row[1] for row in connection.execute("PRAGMA table_info(conversations)")}
    if "owner" not in columns:
        connection.execute(f"ALTER TABLE conversations ADD COLUMN owner TEXT NOT NULL DEFAULT '{LOCAL_OWNER}'")
    if "version" not in columns:  # a store written before versions existed
        connection.execute("ALTER TABLE conversations ADD COLUMN version INTEGER NOT NULL DEFAULT 0")
    connection.execute("CREATE INDEX IF NOT EXISTS conversations_owner ON conversations (owner)")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Turn:
    """One question and what came of it: an ``Answer``, or an ``error`` message."""

    question: str
    answer: Answer | None = None
    error: str = ""
    asked_at: str = field(default_factory=_now)


@dataclass(frozen=True)
class ConversationInfo:
    id: str
    title: str
    created_at: str
    updated_at: str
    turns: int
    owner: str = LOCAL_OWNER
    version: int = 0  # goes up with every change to the turns; a page names the one it showed


@dataclass(frozen=True)
class Conversation:
    info: ConversationInfo
    turns: list[Turn]

    @property
    def history(self) -> list[tuple[str, str]]:
        """(question, answer text) of the answered turns, for follow-up questions."""
        return [(t.question, t.answer.text) for t in self.turns if t.answer is not None]


class ConversationStore:
    """Conversations kept on the server, newest first."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _connect(self):
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise self._damaged(exc) from exc
        return transaction(self.path, 30, self._prepare, self._damaged)

    @staticmethod
    def _prepare(connection: sqlite3.Connection) -> None:
        connection.execute("PRAGMA foreign_keys = ON")  # per connection: deleting a chat deletes its turns
        # Per connection, not once per process: a store deleted while the app runs comes back
        # at the next call. One lookup in sqlite_master when the tables exist.
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"conversations", "turns"} <= tables:
            connection.executescript(_SCHEMA)
        _migrate(connection)

    def _damaged(self, exc: Exception) -> ConversationStoreError:
        reason = getattr(exc, "strerror", None) or " ".join(str(exc).split())[:120] or type(exc).__name__
        return ConversationStoreError(
            f"The chat store '{self.path}' cannot be used ({reason}): move it aside or delete it and a new one "
            "is started; until then questions are answered but not saved."
        )

    def create(self, title: str = "New chat", owner: str = LOCAL_OWNER) -> ConversationInfo:
        conversation_id, now = uuid.uuid4().hex[:16], _now()
        with self._connect() as db:
            db.execute(
                "INSERT INTO conversations (id, title, created_at, updated_at, owner) VALUES (?, ?, ?, ?, ?)",
                (conversation_id, title, now, now, owner),
            )
        return ConversationInfo(conversation_id, title, now, now, 0, owner, 0)

    def list(self, owner: str | None = None) -> list[ConversationInfo]:
        """Every conversation, or only ``owner``'s."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT c.id, c.title, c.created_at, c.updated_at, COUNT(t.position), c.owner, c.version "
                "FROM conversations AS c LEFT JOIN turns AS t ON t.conversation_id = c.id WHERE ? IS NULL OR c.owner = ? "
                "GROUP BY c.id ORDER BY c.updated_at DESC, c.rowid DESC",
                (owner, owner),
            ).fetchall()
        return [ConversationInfo(*row) for row in rows]

    def load(self, conversation_id: str, owner: str | None = None) -> Conversation | None:
        """The conversation, or None when there is none of that id (owned by ``owner``, if given)."""
        with self._connect() as db:
            head = db.execute(
                "SELECT id, title, created_at, updated_at, owner, version FROM conversations WHERE id = ? "
                "AND (? IS NULL OR owner = ?)",
                (conversation_id, owner, owner),
            ).fetchone()
            if head is None:
                return None
            rows = db.execute(
                "SELECT question, answer, error, asked_at FROM turns WHERE conversation_id = ? ORDER BY position",
                (conversation_id,),
            ).fetchall()
        try:
            turns = [Turn(q, Answer.from_dict(json.loads(a)) if a else None, e or "", at) for q, a, e, at in rows]
        except (ValueError, TypeError, KeyError) as exc:  # a row changed by hand or by damage
            raise self._damaged(exc) from exc
        id_, title, created_at, updated_at, owner_, version = head
        return Conversation(ConversationInfo(id_, title, created_at, updated_at, len(turns), owner_, version), turns)

    def adopt(self, owner: str, previous: str = LOCAL_OWNER) -> int:
        """Hand every chat of ``previous`` to ``owner`` (the first admin takes the chats kept
        before accounts existed); returns how many moved."""
        with self._connect() as db:
            return db.execute("UPDATE conversations SET owner = ? WHERE owner = ?", (owner, previous)).rowcount

    def append(self, conversation_id: str, turn: Turn, seen_version: int | None = None) -> int:
        """Add a turn at the end; the first question names an untitled conversation. With
        ``seen_version`` (the version the asking page showed), a chat changed since is refused."""
        with self._connect() as db:
            position = self._check(db, conversation_id, seen_version, "a new question")
            self._write(db, conversation_id, position, turn)
            if position == 0:
                db.execute(
                    "UPDATE conversations SET title = ? WHERE id = ? AND title = 'New chat'",
                    (_title(turn.question), conversation_id),
                )
        return position

    def replace(self, conversation_id: str, position: int, turn: Turn, seen_version: int | None = None) -> None:
        """Put a new answer in place of turn ``position`` (regenerate); only an existing turn,
        so a gap can never open."""
        with self._connect() as db:
            count = self._check(db, conversation_id, seen_version, f"regenerating turn {position + 1}")
            if not 0 <= position < count:
                raise ChatChanged(
                    f"This chat changed; reload the page: it has no turn {position + 1} any more (it holds {count})."
                )
            self._write(db, conversation_id, position, turn)

    def edit(self, conversation_id: str, position: int, turn: Turn, seen_version: int | None = None) -> None:
        """Put an edited question's turn at ``position`` and drop every later turn, in one step."""
        with self._connect() as db:
            count = self._check(db, conversation_id, seen_version, f"editing turn {position + 1}")
            if not 0 <= position <= count:
                raise ChatChanged(
                    f"This chat changed; reload the page: it has no turn {position + 1} any more (it holds {count})."
                )
            db.execute("DELETE FROM turns WHERE conversation_id = ? AND position >= ?", (conversation_id, position))
            self._write(db, conversation_id, position, turn)

    def truncate(self, conversation_id: str, position: int, seen_version: int | None = None) -> None:
        """Drop the turn at ``position`` and every later one."""
        with self._connect() as db:
            self._check(db, conversation_id, seen_version, f"dropping turns from {position + 1}")
            db.execute("DELETE FROM turns WHERE conversation_id = ? AND position >= ?", (conversation_id, position))
            db.execute(
                "UPDATE conversations SET updated_at = ?, version = version + 1 WHERE id = ?", (_now(), conversation_id)
            )

    @staticmethod
    def _check(db: sqlite3.Connection, conversation_id: str, seen_version: int | None, change: str) -> int:
        """The chat's turn count, after refusing a change asked on a page that showed another version."""
        row = db.execute(
            "SELECT version, (SELECT COUNT(*) FROM turns WHERE conversation_id = ?) FROM conversations WHERE id = ?",
            (conversation_id, conversation_id),
        ).fetchone()
        if row is None:
            raise ChatChanged("This chat changed; reload the page: it was deleted.")
        version, count = row
        if seen_version is not None and seen_version != version:
            raise ChatChanged(
                f"This chat changed; reload the page. {change[0].upper()}{change[1:]} was asked on "
                f"version {seen_version} of it; it is now at version {version} with {count} turns."
            )
        return count

    def rename(self, conversation_id: str, title: str) -> None:
        title = title.strip()[:200] or "Untitled chat"
        with self._connect() as db:
            db.execute("UPDATE conversations SET title = ? WHERE id = ?", (title, conversation_id))

    def delete(self, conversation_id: str) -> None:
        with self._connect() as db:
            db.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))

    @staticmethod
    def _write(db: sqlite3.Connection, conversation_id: str, position: int, turn: Turn) -> None:
        answer = json.dumps(turn.answer.to_dict()) if turn.answer else None
        db.execute(
            "INSERT OR REPLACE INTO turns VALUES (?, ?, ?, ?, ?, ?)",
            (conversation_id, position, turn.question, answer, turn.error or None, turn.asked_at),
        )
        db.execute(
            "UPDATE conversations SET updated_at = ?, version = version + 1 WHERE id = ?", (_now(), conversation_id)
        )


def _title(question: str) -> str:
    question = " ".join(question.split())
    return question if len(question) <= TITLE_CHARS else question[: TITLE_CHARS - 1].rstrip() + "…"
