"""Where users, API keys and sessions are kept: one ``AccountStore`` interface, SQLite beside
the index by default. Another implementation (a database shared by several app hosts) only has
to provide these methods; the policy (lockout, roles, tokens) lives in ``qa.accounts.accounts``."""

from __future__ import annotations

import sqlite3
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from qa.errors import AccountError, IndexDamaged
from qa.settings import Role
from qa.sqlite_transaction import ReadConnections, transaction

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'member')),
    password_hash TEXT NOT NULL,     -- Argon2id (qa.accounts.secrets)
    disabled INTEGER NOT NULL DEFAULT 0,
    failures INTEGER NOT NULL DEFAULT 0,
    locked_until REAL NOT NULL DEFAULT 0,   -- Unix time
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS api_keys (
    id TEXT PRIMARY KEY,             -- the key's public id (part of the key itself)
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    label TEXT NOT NULL,
    digest TEXT NOT NULL,            -- SHA-256 of the secret part; the key is never stored
    created_at TEXT NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at REAL NOT NULL,
    ended INTEGER NOT NULL DEFAULT 0
);
"""


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class User:
    id: str
    name: str
    role: Role
    disabled: bool
    created_at: str


@dataclass(frozen=True)
class UserRecord:
    """A user with what only the account logic reads."""

    user: User
    password_hash: str
    failures: int
    locked_until: float


@dataclass(frozen=True)
class ApiKeyInfo:
    id: str
    user_id: str
    label: str
    created_at: str
    revoked: bool


@dataclass(frozen=True)
class SessionRecord:
    id: str
    user_id: str
    expires_at: float
    ended: bool


class AccountStore(Protocol):
    def add_user(self, name: str, role: Role, password_hash: str) -> User: ...
    def user(self, *, name: str | None = None, user_id: str | None = None) -> UserRecord | None: ...
    def users(self) -> list[User]: ...
    def set_password(self, user_id: str, password_hash: str) -> None: ...
    def set_disabled(self, user_id: str, disabled: bool) -> None: ...
    def record_failure(self, user_id: str, max_failures: int, lock_until: float) -> int: ...
    def clear_failures(self, user_id: str) -> None: ...
    def add_key(self, user_id: str, key_id: str, digest: str, label: str) -> ApiKeyInfo: ...
    def key(self, key_id: str) -> tuple[ApiKeyInfo, str] | None: ...
    def keys(self, user_id: str | None = None) -> list[ApiKeyInfo]: ...
    def revoke_key(self, key_id: str) -> bool: ...
    def add_session(self, user_id: str, expires_at: float) -> SessionRecord: ...
    def session(self, session_id: str) -> SessionRecord | None: ...
    def end_sessions(self, user_id: str, session_id: str | None = None) -> None: ...


class SqliteAccountStore:
    """``AccountStore`` in one SQLite file (a connection per write, one per thread for reads: safe
    between threads and processes)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._ready = False
        # Reads (every request's key or session check) reuse a connection per thread.
        self._reads = ReadConnections(path, 30, self._prepare, self._damaged)

    def _connect(self, write: bool = True):
        if not write:
            return self._reads.read()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return transaction(self.path, 30, self._prepare, self._damaged, write)

    def _prepare(self, connection: sqlite3.Connection) -> None:
        connection.execute("PRAGMA foreign_keys = ON")
        if not self._ready:
            with self._lock:
                connection.executescript(_SCHEMA)
                self.path.chmod(0o600)  # hashes only, but nobody else needs to read them
                self._ready = True

    def _damaged(self, exc: Exception) -> IndexDamaged:
        return IndexDamaged(f"the accounts file '{self.path}' cannot be read ({exc})")

    def add_user(self, name: str, role: Role, password_hash: str) -> User:
        user = User(uuid.uuid4().hex[:16], name, role, False, now_iso())
        with self._connect() as db:  # checked in the transaction: the wrapper reports any database error as damage
            if db.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
                raise AccountError(f"a user named '{name}' already exists")
            db.execute(
                "INSERT INTO users (id, name, role, password_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                (user.id, name, role, password_hash, user.created_at),
            )
        return user

    _USER = "SELECT id, name, role, disabled, created_at, password_hash, failures, locked_until FROM users"

    def user(self, *, name: str | None = None, user_id: str | None = None) -> UserRecord | None:
        with self._connect(write=False) as db:
            if name is not None:
                row = db.execute(f"{self._USER} WHERE name = ?", (name,)).fetchone()
            else:
                row = db.execute(f"{self._USER} WHERE id = ?", (user_id,)).fetchone()
        if row is None:
            return None
        return UserRecord(User(row[0], row[1], row[2], bool(row[3]), row[4]), row[5], row[6], row[7])

    def users(self) -> list[User]:
        with self._connect(write=False) as db:
            rows = db.execute(
                "SELECT id, name, role, disabled, created_at FROM users ORDER BY created_at, rowid"
            ).fetchall()
        return [User(r[0], r[1], r[2], bool(r[3]), r[4]) for r in rows]

    def set_password(self, user_id: str, password_hash: str) -> None:
        with self._connect() as db:
            db.execute(
                "UPDATE users SET password_hash = ?, failures = 0, locked_until = 0 WHERE id = ?",
                (password_hash, user_id),
            )

    def set_disabled(self, user_id: str, disabled: bool) -> None:
        with self._connect() as db:
            db.execute("UPDATE users SET disabled = ? WHERE id = ?", (int(disabled), user_id))

    def record_failure(self, user_id: str, max_failures: int, lock_until: float) -> int:
        """Count one failed sign-in; the ``max_failures``-th in a row locks until ``lock_until``."""
        with self._connect() as db:
            db.execute(
                "UPDATE users SET failures = failures + 1, locked_until = CASE WHEN failures + 1 >= ? "
                "THEN ? ELSE locked_until END WHERE id = ?",
                (max_failures, lock_until, user_id),
            )
            row = db.execute("SELECT failures FROM users WHERE id = ?", (user_id,)).fetchone()
        return int(row[0]) if row else 0

    def clear_failures(self, user_id: str) -> None:
        with self._connect() as db:
            db.execute("UPDATE users SET failures = 0, locked_until = 0 WHERE id = ?", (user_id,))

    def add_key(self, user_id: str, key_id: str, digest: str, label: str) -> ApiKeyInfo:
        info = ApiKeyInfo(key_id, user_id, label, now_iso(), False)
        with self._connect() as db:
            db.execute(
                "INSERT INTO api_keys (id, user_id, label, digest, created_at) VALUES (?, ?, ?, ?, ?)",
                (key_id, user_id, label, digest, info.created_at),
            )
        return info

    def key(self, key_id: str) -> tuple[ApiKeyInfo, str] | None:
        with self._connect(write=False) as db:
            row = db.execute(
                "SELECT id, user_id, label, created_at, revoked, digest FROM api_keys WHERE id = ?", (key_id,)
            ).fetchone()
        return None if row is None else (ApiKeyInfo(row[0], row[1], row[2], row[3], bool(row[4])), row[5])

    def keys(self, user_id: str | None = None) -> list[ApiKeyInfo]:
        with self._connect(write=False) as db:
            rows = db.execute(
                "SELECT id, user_id, label, created_at, revoked FROM api_keys "
                "WHERE ? IS NULL OR user_id = ? ORDER BY created_at, rowid",
                (user_id, user_id),
            ).fetchall()
        return [ApiKeyInfo(r[0], r[1], r[2], r[3], bool(r[4])) for r in rows]

    def revoke_key(self, key_id: str) -> bool:
        with self._connect() as db:
            return db.execute("UPDATE api_keys SET revoked = 1 WHERE id = ? AND revoked = 0", (key_id,)).rowcount > 0

    def add_session(self, user_id: str, expires_at: float) -> SessionRecord:
        record = SessionRecord(uuid.uuid4().hex, user_id, expires_at, False)
        with self._connect() as db:
            db.execute(
                "INSERT INTO sessions (id, user_id, expires_at) VALUES (?, ?, ?)", (record.id, user_id, expires_at)
            )
        return record

    def session(self, session_id: str) -> SessionRecord | None:
        with self._connect(write=False) as db:
            row = db.execute(
                "SELECT id, user_id, expires_at, ended FROM sessions WHERE id = ?", (session_id,)
            ).fetchone()
        return None if row is None else SessionRecord(row[0], row[1], row[2], bool(row[3]))

    def end_sessions(self, user_id: str, session_id: str | None = None) -> None:
        """End one session of ``user_id``, or all of them."""
        with self._connect() as db:
            db.execute(
                "UPDATE sessions SET ended = 1 WHERE user_id = ? AND (? IS NULL OR id = ?)",
                (user_id, session_id, session_id),
            )
