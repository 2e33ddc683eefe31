"""Where the Evaluate page keeps its reports and uploaded test sets: one folder under the index
(or ``QA_EVAL_DIR``), never the server's working folder, listed and removable by name."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from qa.documents.uploads import safe_file_name
from qa.errors import DocumentError, QAError

TESTSETS = "testsets"


@dataclass(frozen=True)
class StoredItem:
    name: str
    path: Path
    modified: str  # "2026-11-30 18:40" UTC


class EvaluationStore:
    """Reports (one folder per run) and uploaded test sets (files under testsets/)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def new_run(self, stamp: str) -> Path:
        return self.folder / f"ui-{stamp}"

    def runs(self) -> list[StoredItem]:
        return self._list(self.folder, dirs=True)

    def testsets(self) -> list[StoredItem]:
        return self._list(self.folder / TESTSETS, dirs=False)

    def save_testset(self, name: str, data: bytes) -> Path:
        target = self.folder / TESTSETS / safe_file_name(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        return target

    def remove_run(self, name: str) -> None:
        shutil.rmtree(self._inside(self.folder, name, dirs=True))

    def remove_testset(self, name: str) -> None:
        self._inside(self.folder / TESTSETS, name, dirs=False).unlink()

    @staticmethod
    def _inside(parent: Path, name: str, dirs: bool) -> Path:
        """``parent/name`` when it is one of the listed items; a name with a path in it, or
        anything else, is refused (so nothing outside the folder can be removed)."""
        path = parent / name
        if (
            "/" in name
            or "\\" in name
            or name in ("", ".", "..")
            or path.is_dir() != dirs
            or not path.exists()
            or (dirs and name == TESTSETS)
        ):
            raise DocumentError(f"'{name}' is not a stored evaluation {'report' if dirs else 'test set'}.")
        return path

    @staticmethod
    def _list(parent: Path, dirs: bool) -> list[StoredItem]:
        try:
            entries = [p for p in parent.iterdir() if p.is_dir() == dirs and not (dirs and p.name == TESTSETS)]
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise QAError(f"The evaluation folder '{parent}' cannot be read ({exc}).") from exc
        items = [
            StoredItem(p.name, p, datetime.fromtimestamp(p.stat().st_mtime, UTC).strftime("%Y-%m-%d %H:%M"))
            for p in entries
        ]
        return sorted(items, key=lambda item: item.modified, reverse=True)
