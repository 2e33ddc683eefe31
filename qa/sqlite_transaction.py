"""One SQLite transaction on its own connection: the pattern the manifest and the
conversation store share (a connection per call makes them safe between threads)."""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def _begun(connection: sqlite3.Connection, begin: str) -> Iterator[sqlite3.Connection]:
    """``begin``, then commit on success, roll back on any exception."""
    connection.execute(begin)
    try:
        yield connection
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


@contextmanager
def transaction(
    path: Path,
    timeout: float,
    prepare: Callable[[sqlite3.Connection], None],
    damaged: Callable[[Exception], Exception],
    write: bool = True,
) -> Iterator[sqlite3.Connection]:
    """Open ``path``, run ``prepare`` (schema), then BEGIN (IMMEDIATE when ``write``); commit on
    success, roll back on any exception. A database error other than "locked" is raised as
    ``damaged(exc)``."""
    try:
        connection = sqlite3.connect(path, timeout=timeout, isolation_level=None)
    except sqlite3.Error as exc:
        raise damaged(exc) from exc
    try:
        prepare(connection)
        with _begun(connection, "BEGIN IMMEDIATE" if write else "BEGIN"):
            yield connection
    except sqlite3.DatabaseError as exc:
        if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
            raise
        raise damaged(exc) from exc
    finally:
        connection.close()


class ReadConnections:
    """Read-only transactions on one connection per thread, kept open between calls.

    Opening a connection and reading the schema costs about half a millisecond, more than the
    lookup itself; the server checks a key on every request, so its reads reuse a connection.
    The connection is reopened when the file at ``path`` is replaced or deleted (another inode)
    and after any database error, so a recreated or repaired file is read afresh; a missing file
    goes through ``transaction`` (which creates it)."""

    def __init__(
        self,
        path: Path,
        timeout: float,
        prepare: Callable[[sqlite3.Connection], None],
        damaged: Callable[[Exception], Exception],
    ) -> None:
        self.path, self.timeout, self.prepare, self.damaged = path, timeout, prepare, damaged
        self._local = threading.local()

    def _connection(self) -> sqlite3.Connection | None:
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            self._drop()
            return None
        identity = (stat.st_dev, stat.st_ino)
        cached = getattr(self._local, "entry", None)
        if cached is not None and cached[0] == identity:
            return cached[1]
        self._drop()
        connection = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        try:
            self.prepare(connection)
        except BaseException:
            connection.close()
            raise
        self._local.entry = (identity, connection)
        return connection

    def _drop(self) -> None:
        cached = getattr(self._local, "entry", None)
        self._local.entry = None
        if cached is not None:
            cached[1].close()

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        try:
            connection = self._connection()
        except sqlite3.DatabaseError as exc:
            raise self.damaged(exc) from exc
        if connection is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with transaction(self.path, self.timeout, self.prepare, self.damaged, write=False) as fresh:
                yield fresh
            return
        try:
            with _begun(connection, "BEGIN"):
                yield connection
        except sqlite3.DatabaseError as exc:
            self._drop()
            if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
                raise
            raise self.damaged(exc) from exc
