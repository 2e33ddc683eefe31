"""Tables that benchmarks write into Markdown files, between ``<!-- NAME:begin -->`` and
``<!-- NAME:end -->`` markers (appended at the end of the file when the markers are missing)."""

from __future__ import annotations

from pathlib import Path


def replace_table(path: Path, name: str, text: str) -> None:
    body = path.read_text(encoding="utf-8")
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    if begin in body and end in body:
        body = body[: body.index(begin) + len(begin)] + "\n" + text.strip() + "\n" + body[body.index(end) :]
    else:
        body = body.rstrip() + f"\n\n{begin}\n{text.strip()}\n{end}\n"
    path.write_text(body, encoding="utf-8")
