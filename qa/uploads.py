"""Saving files uploaded through the browser: safe names, size limit, nothing outside the folder."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from qa.errors import DocumentError
from qa.loading import SUPPORTED_SUFFIXES


def safe_file_name(name: str) -> str:
    """The last path component of ``name`` with only letters, digits, '.', '-' and '_'
    (``../../x.txt`` becomes ``x.txt``)."""
    base = re.split(r"[\\/]", name)[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode()
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._")
    return base or "upload"


def save_upload(upload_dir: Path, name: str, data: bytes, max_bytes: int) -> Path:
    """Write an upload into ``upload_dir`` and return its path; refuse what cannot be indexed."""
    safe = safe_file_name(name)
    if Path(safe).suffix.lower() not in SUPPORTED_SUFFIXES:
        raise DocumentError(f"{name}: unsupported file type (supported: {', '.join(sorted(SUPPORTED_SUFFIXES))})")
    if len(data) > max_bytes:
        raise DocumentError(f"{name}: {len(data) / 1e6:.1f} MB is over the {max_bytes / 1e6:.1f} MB upload limit")
    upload_dir.mkdir(parents=True, exist_ok=True)
    target = (upload_dir / safe).resolve()
    if target.parent != upload_dir.resolve():  # belt and braces: the name is already one component
        raise DocumentError(f"{name}: unsafe file name")
    target.write_bytes(data)
    return target
