"""One SQLite transaction on its own connection: the pattern the manifest and the
conversation store share (a connection per call makes them safe between threads)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


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
        connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            yield connection
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
    except sqlite3.DatabaseError as exc:
        if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
            raise
        raise damaged(exc) from exc
    finally:
        connection.close()
