"""Saving files uploaded through the browser: safe names, size limit, nothing outside the
folder, and no upload silently replacing a different file of the same name."""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from qa.documents.loading import SUPPORTED_SUFFIXES, unsupported_message
from qa.errors import DocumentError

# Well under every file system's 255-byte limit on one name, with room for a suffix.
MAX_NAME_CHARS = 120


def safe_file_name(name: str) -> str:
    """The last path component of ``name`` with only letters, digits, '.', '-' and '_'
    (``../../x.txt`` becomes ``x.txt``), shortened to ``MAX_NAME_CHARS`` keeping the suffix."""
    base = re.split(r"[\\/]", name)[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._")
    base = base or "upload"
    if len(base) > MAX_NAME_CHARS:
        stem, suffix = os.path.splitext(base)
        suffix = suffix[:16]
        base = stem[: MAX_NAME_CHARS - len(suffix)] + suffix
    return base


@dataclass(frozen=True)
class SavedUpload:
    path: Path
    earlier: bytes | None  # what the path held before (when replaced), to restore on failure

    def restore(self) -> None:
        """Undo the save: the earlier file back, or the new one gone."""
        if self.earlier is None:
            self.path.unlink(missing_ok=True)
        else:
            self.path.write_bytes(self.earlier)


def save_upload(upload_dir: Path, name: str, data: bytes, max_bytes: int, replace: bool = False) -> SavedUpload:
    """Write an upload into ``upload_dir``; refuse what cannot be indexed. A different file
    already stored under the same name is kept: the new one gets a content-hash suffix,
    unless ``replace`` asks to overwrite it."""
    safe = safe_file_name(name)
    if Path(safe).suffix.lower() not in SUPPORTED_SUFFIXES:
        raise DocumentError(f"{name}: {unsupported_message(Path(safe).suffix.lower())}")
    if len(data) > max_bytes:
        raise DocumentError(
            f"{name}: {len(data) / 1e6:.1f} MB is over the {max_bytes / 1e6:.1f} MB upload limit (QA_MAX_UPLOAD_MB)"
        )
    upload_dir.mkdir(parents=True, exist_ok=True)
    target = (upload_dir / safe).resolve()
    if target.parent != upload_dir.resolve():  # belt and braces: the name is already one component
        raise DocumentError(f"{name}: unsafe file name")
    earlier = target.read_bytes() if target.is_file() else None
    if earlier is not None and earlier != data and not replace:
        stem, suffix = os.path.splitext(safe)
        target = target.with_name(f"{stem}-{hashlib.sha256(data).hexdigest()[:8]}{suffix}")
        earlier = target.read_bytes() if target.is_file() else None
    target.write_bytes(data)
    return SavedUpload(target, earlier)
