"""Markup with headings: Markdown and MDX (markdown-it-py), reStructuredText (docutils), HTML
(BeautifulSoup) and EPUB (ebooklib, its chapters as HTML). Headings become section paths."""

from __future__ import annotations

import logging
import re

from qa.documents.pages import LoadLimits, Page, check_unzipped_size, first_line
from qa.documents.structure import Block, sectioned_pages
from qa.errors import DocumentError

log = logging.getLogger(__name__)
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)


def markdown_pages(text: str) -> list[Page]:
    """The stored Markdown (or MDX) split at its headings; each page keeps its raw lines, so
    the reader text and the viewer work on it as before. Headings inside code blocks are code."""
    from markdown_it import MarkdownIt

    from qa.documents.reader_text import reader_text

    lines = text.split("\n")
    # Front matter the loader could not read stays as text, not as a setext heading and a rule.
    front = _FRONT_MATTER.match(text)
    at = front.group(0).count("\n") if front else 0
    blocks: list[Block] = [Block("\n".join(lines[:at]))] if at else []
    tokens = MarkdownIt("commonmark").parse("\n".join(lines[at:]))
    for token in tokens:
        if token.map:
            token.map = [token.map[0] + at, token.map[1] + at]
    for i, token in enumerate(tokens):
        # Only top-level headings: one inside a list or block quote belongs to that item.
        if token.type != "heading_open" or token.level != 0 or not token.map:
            continue
        start, end = token.map
        if start > at:
            blocks.append(Block("\n".join(lines[at:start])))
        heading = "\n".join(lines[start:end])
        label = reader_text(f"# {tokens[i + 1].content}", "markdown").text.strip() if i + 1 < len(tokens) else ""
        blocks.append(Block(heading, int(token.tag[1]), label))
        at = end
    blocks.append(Block("\n".join(lines[at:])))
    return sectioned_pages(blocks)


# MDX: import/export statements are code, not text; JSX elements are kept as tags for the reader
# text to drop (it drops HTML tags inline and as blocks), so a component's prose stays.
_MDX_STATEMENT = re.compile(r"^(?:import|export)\s.*$", re.MULTILINE)


def mdx_pages(text: str) -> list[Page]:
    return markdown_pages(_MDX_STATEMENT.sub("", text))


def rst_pages(text: str) -> list[Page]:
    """reStructuredText read by docutils into its document tree; a page per section with its
    title path. Directives that read files or pass raw markup through are off: a document is
    data, it never reads other files of this machine."""
    from docutils import nodes
    from docutils.core import publish_doctree

    overrides = {
        "report_level": 5,
        "halt_level": 5,
        "file_insertion_enabled": False,
        "raw_enabled": False,
        "warning_stream": False,
        "input_encoding": "unicode",
        "doctitle_xform": False,
    }  # the first title stays a section, not the document's title
    try:
        tree = publish_doctree(text, settings_overrides=overrides)
    except Exception as exc:  # docutils raises many kinds on malformed input (SystemMessage, ...)
        raise DocumentError(f"not readable reStructuredText ({first_line(exc)})") from exc

    blocks: list[Block] = []

    def walk(node, level: int) -> None:
        for child in node.children:
            if isinstance(child, nodes.section):
                title = child.next_node(nodes.title)
                label = title.astext() if title is not None else ""
                blocks.append(Block(label, level + 1, label))
                walk(child, level + 1)
            elif isinstance(child, nodes.title | nodes.system_message | nodes.comment | nodes.raw):
                continue
            else:
                blocks.append(Block(child.astext()))

    walk(tree, 0)
    return sectioned_pages(blocks)


_HEADING = re.compile(r"^h[1-6]$")
# A heading's line in the extracted text (a private-use character: get_text's strip keeps it);
# removed from the document's own text first, so a page cannot fake a heading.
_MARK = "\ue000"


def html_section_pages(soup) -> list[Page]:
    """Visible text of a cleaned BeautifulSoup document, a page per heading (h1-h6)."""
    from bs4 import NavigableString

    for string in soup.find_all(string=lambda s: _MARK in s):
        string.replace_with(string.replace(_MARK, ""))
    for heading in soup.find_all(_HEADING):
        text = heading.get_text(" ", strip=True)
        heading.replace_with(NavigableString(f"{_MARK}{heading.name[1]}{_MARK}{text}"))
    body = soup.body or soup
    blocks: list[Block] = []
    for line in body.get_text("\n", strip=True).split("\n"):
        if line.startswith(_MARK):
            _, level, label = line.split(_MARK, 2)
            blocks.append(Block(label, int(level), label))
        else:
            blocks.append(Block(line))
    return sectioned_pages(blocks)


def epub_pages(path, limits: LoadLimits) -> tuple[list[Page], dict[str, str]]:
    """An EPUB's chapters in reading order, each read as HTML (hidden text dropped, headings
    kept as sections)."""
    import ebooklib
    from bs4 import BeautifulSoup
    from ebooklib import epub

    from qa.documents.loading import clean_html

    check_unzipped_size(path, limits.max_unzipped_bytes, "EPUB")
    try:
        book = epub.read_epub(str(path), options={"ignore_ncx": True})
        titles = book.get_metadata("DC", "title")
        title = str(titles[0][0]) if titles else ""
        pages: list[Page] = []
        for item_id, _ in book.spine:
            item = book.get_item_with_id(item_id)
            if item is None or item.get_type() != ebooklib.ITEM_DOCUMENT:
                continue
            soup = clean_html(BeautifulSoup(item.get_content(), "lxml"))
            pages.extend(html_section_pages(soup))
    except DocumentError:
        raise
    except Exception as exc:  # ebooklib and lxml raise many kinds on damaged books
        raise DocumentError(f"not a readable EPUB ({first_line(exc)})") from exc
    return pages, {"title": title} if title else {}
