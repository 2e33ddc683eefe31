"""Sections: a document's headings become the location of every page below them, so each chunk
carries the path of headings it sits under ("Install › Docker") and never starts under a heading
it does not carry (the chunker never crosses a page)."""

from __future__ import annotations

from dataclasses import dataclass

from qa.documents.pages import Page

SECTION_SEPARATOR = " › "
MAX_LABEL_CHARS = 80  # a heading longer than this is cut in the path (the text keeps it whole)


@dataclass(frozen=True)
class Block:
    """A run of lines: ``level`` 1-6 for a heading (``text`` is the heading as stored, ``label``
    as a reader sees it), 0 for the body below one."""

    text: str
    level: int = 0
    label: str = ""
    page: int | None = None  # the page it sits on, in paged formats (PDF)


def sectioned_pages(blocks: list[Block]) -> list[Page]:
    """A page per section: a heading and the body up to the next heading. Its location is the
    path of the headings above it and its own; text before the first heading has none. In a paged
    format a section that runs over a page break is a page per page, with the same path."""
    pages: list[Page] = []
    path: list[tuple[int, str]] = []
    lines: list[str] = []
    location = ""
    page: int | None = None

    def close() -> None:
        text = "\n".join(lines).strip("\n")
        if text.strip():
            pages.append(Page(page, text, location))
        lines.clear()

    for block in blocks:
        if block.page != page:
            close()
            page = block.page
        if block.level:
            close()
            path = [(level, label) for level, label in path if level < block.level]
            label = " ".join(block.label.split())[:MAX_LABEL_CHARS]
            if label:
                path.append((block.level, label))
            location = SECTION_SEPARATOR.join(label for _, label in path)
        lines.append(block.text)
    close()
    return pages
