"""Reader text: what a reader sees of a stored text, with every character mapped back to it.

A chunk's stored text may be raw Markdown ("```sh", "### Heading", "[Telemetry](#telemetry)");
answers and quotes must show what a reader of the rendered document sees, while citations and
the document viewer keep pointing at exact places of the stored text. ``reader_text`` returns
that reader text with ``offsets`` into the stored text; pure functions, no model, no I/O.

How: markdown-it-py (block rules only) finds the blocks and their lines: headings, paragraphs,
fenced and indented code, tables, lists, block quotes, HTML blocks. Each block's lines are read
from the stored text itself, container prefixes (``>``, list markers and their indentation) cut
off, so no position is lost; a small scanner (``_Inline``) then cleans the inline markup of those
lines and records where each character it keeps came from. markdown-it's own inline parse is not
used: its tokens carry no positions.

What the reader text is, block by block (blocks are separated by a line break, by a blank line
where the stored text has one):

- heading: its text without ``#``/underline, a line of its own (always followed by "\n");
- code (fenced, indented, HTML <pre>): the content verbatim, without fences or info string;
  recorded in ``code``;
- table: a line per row, cells joined by " | " (see ``_Markdown._table`` for why), the
  ``---|---`` row and empty cells left out;
- text: a paragraph, list item or block quote's paragraph with its markers gone, its lines
  joined by spaces (a hard break stays a line break, and so does the end of a title set on a
  line of its own without ``#``, see ``_ends_title``); each list item is its own line.

Inline: code-span backticks go (content kept), ``[text](url)`` and reference links keep their
text, ``<http://...>`` its URL, ``![alt](src)`` its alt text (nothing when empty), emphasis
markers ``*``/``_``/``~~`` go when they pair up (snake_case and "5 * 3" stay), HTML tags and
comments go (``<br>`` is a line break), entities and backslash escapes become their character.
Also: GitHub's "> [!TIP]" keeps the word as a line; MDX import/export lines go.

Markup dropped inline is credited to the kept character next to it (a link's ``[`` to its first
character, ``](url)`` to its last), so ``stored_span`` of a quote is the stored slice with its
inline markup whole ("**Note:** it") but never with a block marker ("### ", "- "): a Markdown
viewer needs those in front of a highlight to still show a heading or a list.

Fragments: a chunk may start or end inside a fence, a list or a table. A fence left open runs to
the chunk's end (markdown-it's rule); a chunk whose first fence line is more likely a closing one
(no info string, a blank line after it, code-looking lines before it) is read as starting inside
a fence. Lists and tables cut at the front read as their remaining lines.

Text whose line breaks were lost - the chunker today joins a chunk's sentences with spaces -
keeps what can still be told: a run of three or more backticks in running text is a code block
("```sh docker buildx bake base ```" -> the code "docker buildx bake base"), "### " after a
sentence starts a new line, a table's ``|---|---|`` row goes. Where such a heading ends, where a
table row ends, which code a chunk started inside of cannot be told from flat text.

Speed (timeit, CPU time, best of 7, on this shared 2-core machine under load; Python 3.11,
markdown-it-py 4.3.0): 0.44 ms per chunk of ~680 characters (about 128 tokens) cut from the
repository's and Haystack's Markdown at line ends, 0.15 ms of it markdown-it's block parse;
0.27-0.41 ms per chunk as the chunker stores them today (~840 characters, line breaks lost). Hostile
input takes linear time (20,000 "[" in 0.07 s). The "plain" path is the identity.
"""

from __future__ import annotations

import html
import logging
import re
import unicodedata
from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Literal

from markdown_it import MarkdownIt

from qa.text import STOP_WORDS

log = logging.getLogger(__name__)

Markup = Literal["markdown", "plain"]
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown", ".mdx"})


def markup_of(source: str) -> Markup:
    """ "markdown" for a file name or path ending in .md, .markdown or .mdx (any case), else "plain"."""
    return "markdown" if PurePath(source).suffix.lower() in MARKDOWN_SUFFIXES else "plain"


@dataclass(frozen=True)
class ReaderText:
    """``text`` as a reader sees it; ``offsets[i]`` is the index in the stored text of reader
    character ``i`` (``offsets[len(text)]`` is the stored text's length). A character copied from
    the stored text has ``stored[offsets[i]] == text[i]``; a character the reader text puts in
    (the line break after a heading, the space that joins two lines of a paragraph, a character
    an entity such as ``&amp;`` stands for) maps to the stored character it replaces or, when it
    replaces none, to the next one. ``offsets`` never decrease. ``code`` holds the reader-text
    ``(start, end)`` ranges of code blocks."""

    text: str
    offsets: tuple[int, ...]
    code: tuple[tuple[int, int], ...] = ()
    # Per reader character, the stored slice [lo, hi) it stands for: its own character plus the
    # inline markup credited to it; empty (lo == hi) for a character that stands for nothing.
    # Only the characters whose slice is not [offset, offset + 1) are listed.
    _extents: Mapping[int, tuple[int, int]] = field(default_factory=dict, repr=False, compare=False)
    _blocks: tuple[tuple[int, int, str], ...] | None = field(default=None, repr=False, compare=False)

    def stored_span(self, start: int, end: int) -> tuple[int, int]:
        """The stored slice ``(s, e)`` holding reader range ``[start, end)``: from the first to the
        last character of the range that stands for stored text, with the inline markup around
        them (a link's ``[``/``](url)``, emphasis markers, backticks, an entity's whole ``&amp;``)
        but no block markers (``#``, ``>``, list markers, fences). Every copied character of the
        range is inside it. A range with nothing from the stored text (empty, or only inserted
        line breaks) gives the empty slice at ``offsets[start]``. Out-of-range ends are clamped."""
        n = len(self.text)
        start = min(max(start, 0), n)
        end = min(max(end, start), n)
        offsets, extents = self.offsets, self._extents
        lo = hi = -1
        for i in range(start, end):
            a, b = extents.get(i) or (offsets[i], offsets[i] + 1)
            if b > a:
                lo, hi = (a if lo < 0 else min(lo, a)), max(hi, b)
        if hi < 0:
            return offsets[start], offsets[start]
        return lo, hi

    def blocks(self) -> list[tuple[int, int, str]]:
        """Reader-text ``(start, end, kind)`` of each block in order, kind "heading", "code",
        "table" or "text" (a paragraph, a list item, a block quote's paragraph, HTML text).
        Ranges hold the block's own characters, not the line breaks between blocks; every
        block is followed by a line break in ``text`` except possibly the last (a heading
        always is). Plain text: its paragraphs (split at blank lines) as "text"."""
        if self._blocks is not None:
            return list(self._blocks)
        return _plain_blocks(self.text, self.code)


def _plain_blocks(text: str, code: tuple[tuple[int, int], ...]) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    cuts = [(s, e, "code") for s, e in code]
    pos = 0
    for s, e, kind in [*cuts, (len(text), len(text), "")]:
        for m in re.finditer(r"\S(?:.*\S)?(?:\n[ \t]*\S.*)*", text[pos:s]):
            a, b = pos + m.start(), pos + m.end()
            while b > a and text[b - 1].isspace():
                b -= 1
            out.append((a, b, "text"))
        if kind:
            out.append((s, e, kind))
        pos = e
    return out


def reader_text(stored: str, markup: Markup) -> ReaderText:
    """The reader text of ``stored``: for "plain", the text itself (identity offsets); for
    "markdown", the text with Markdown markup removed as described in the module docstring.
    Never raises on any input: were the Markdown reading to fail, the plain reading is returned
    (and logged)."""
    if markup != "markdown" or not stored:
        return ReaderText(stored, tuple(range(len(stored) + 1)))
    try:
        return _markdown_reader_text(stored)
    except Exception:  # pragma: no cover - a bug; the tests call _markdown_reader_text directly
        log.exception("Markdown reader text failed; the stored text is shown as it is")
        return ReaderText(stored, tuple(range(len(stored) + 1)))


# --------------------------------------------------------------------------------------------
# Block level

# Block rules only: the inline parse is ours (markdown-it's inline tokens carry no positions).
# maxNesting: markdown-it drops what is nested deeper (20 by default); 60 still stays far from
# Python's recursion limit.
_MD = (
    MarkdownIt("commonmark", {"html": True, "maxNesting": 60})
    .enable("table")
    .disable(["inline", "text_join"], ignoreInvalid=True)
)

_NEWLINE = re.compile(r"\r\n|\r|\n")
_FENCE_LINE = re.compile(r" {0,3}(`{3,}|~{3,})(.*)")
_LIST_MARKER = re.compile(r"[ \t]*(?:[-+*]|\d{1,9}[.)])")
# An MDX (Docusaurus) import or export line.
_MDX_ESM = re.compile(
    r"""(?:import\s.*\sfrom\s*["'][^"']*["']|import\s*["'][^"']*["']"""
    r"""|export\s+(?:default|const|let|var|function|class)\b.*);?[ \t]*$"""
)
_HTML_PRE = re.compile(r"[ \t]*<(?:pre|textarea)\b", re.IGNORECASE)


def _line_table(stored: str) -> list[tuple[int, int]]:
    """(start, end) of each line's content, the line terminator excluded; markdown-it splits
    lines the same way (it turns \\r\\n and \\r into \\n before parsing)."""
    lines: list[tuple[int, int]] = []
    pos = 0
    for m in _NEWLINE.finditer(stored):
        lines.append((pos, m.start()))
        pos = m.end()
    lines.append((pos, len(stored)))
    return lines


def _blank(stored: str, line: tuple[int, int]) -> bool:
    return not stored[line[0] : line[1]].strip()


def _opening_fence_for_fragment(stored: str, lines: list[tuple[int, int]]) -> str | None:
    """The fence to put in front of a chunk that starts inside a fenced code block, else None.

    Only the fence lines at the left margin are looked at. The first one, F0, opens a block when
    read from the top, and closes one when the chunk starts inside code. Each reading is scored
    (lower is likelier): a fence that stays open at the end, and more so a fence line with an info
    string ("```sh") that would have to be code; then the layout around F0 - a closing fence
    usually follows code directly and has a blank line after it, an opening one follows a blank
    line or a line ending in ":" and has code right after it."""
    fences: list[tuple[str, int, bool, int]] = []
    for index, (s, e) in enumerate(lines):
        if s == e or stored[s] not in " `~":
            continue
        m = _FENCE_LINE.fullmatch(stored, s, e)
        if m is None or (m.group(1)[0] == "`" and "`" in m.group(2)):
            continue
        fences.append((m.group(1)[0], len(m.group(1)), bool(m.group(2).strip()), index))
    if not fences or fences[0][2]:
        return None

    def cost(start_open: bool) -> int:
        open_ = (fences[0][0], fences[0][1]) if start_open else None
        total = 0
        for char, length, info, _ in fences:
            if open_ is None:
                open_ = (char, length)
            elif char == open_[0] and length >= open_[1] and not info:
                open_ = None
            elif info:
                total += 2
        return total + (open_ is not None)

    from_top, inside = cost(False), cost(True)
    index = fences[0][3]
    after = lines[index + 1] if index + 1 < len(lines) else None
    before = lines[index - 1] if index > 0 else None
    if after is None or _blank(stored, after):
        from_top += 1
    else:
        inside += 1
    if before is not None:
        if _blank(stored, before):
            inside += 2
        elif stored[before[0] : before[1]].rstrip().endswith(":"):
            inside += 1
        else:
            from_top += 1
    return fences[0][0] * fences[0][1] if inside < from_top else None


class _Item:
    """A list item: its first line, where its content starts on that line, its indent."""

    __slots__ = ("first", "content", "indent")

    def __init__(self, first: int, content: int, indent: int) -> None:
        self.first, self.content, self.indent = first, content, indent


_QUOTE = "quote"
MAX_HEADING_CHARS = 200


class _Out:
    """Reader characters of one block: chars, their stored offsets, the stored extents [lo, hi)
    of those that do not stand for just their own stored character, and code ranges."""

    __slots__ = ("chars", "offs", "ext", "code")

    def __init__(self) -> None:
        self.chars: list[str] = []
        self.offs: list[int] = []
        self.ext: dict[int, tuple[int, int]] = {}
        self.code: list[tuple[int, int]] = []

    def add(self, char: str, off: int, lo: int, hi: int) -> None:
        if lo != off or hi != off + 1:
            self.ext[len(self.chars)] = (lo, hi)
        self.chars.append(char)
        self.offs.append(off)

    def extend(self, other: _Out) -> None:
        base = len(self.chars)
        self.chars += other.chars
        self.offs += other.offs
        self.ext.update({k + base: v for k, v in other.ext.items()})
        self.code += [(s + base, e + base) for s, e in other.code]


class _Markdown:
    def __init__(self, stored: str) -> None:
        self.stored = stored
        lines = _line_table(stored)
        fence = _opening_fence_for_fragment(stored, lines)
        source = stored
        if fence:  # read as if the chunk's own first line were after an opening fence
            source = fence + "\n" + stored
            lines = [(0, 0), *lines]
        self.lines = lines
        env: dict = {}
        self.tokens = _MD.parse(source, env)
        self.refs = {_label(k) for k in env.get("references", {})}
        self.out = _Out()
        self.blocks: list[tuple[int, int, str]] = []
        self.last_line = -1  # end line (exclusive) of the last block written

    # ---- lines and containers

    def _after_containers(self, line: int, stack: list) -> int:
        stored = self.stored
        s, e = self.lines[line]
        p = s
        for c in stack:
            if c is _QUOTE:
                q = p
                while q < e and q - p < 3 and stored[q] == " ":
                    q += 1
                if q < e and stored[q] == ">":
                    p = q + 1
                    if p < e and stored[p] in " \t":
                        p += 1
            elif line == c.first:
                p = c.content
            else:
                col, q = 0, p
                while q < e and col < c.indent and stored[q] in " \t":
                    col += 4 - col % 4 if stored[q] == "\t" else 1
                    q += 1
                p = q
        return p

    def _open_item(self, line: int, stack: list) -> _Item:
        stored = self.stored
        p0 = self._after_containers(line, stack)
        e = self.lines[line][1]
        m = _LIST_MARKER.match(stored, p0, e)
        if m is None:
            return _Item(line, p0, 0)
        q = m.end()
        w = q
        while w < e and stored[w] in " \t":
            w += 1
        if w == e:
            return _Item(line, e, q - p0 + 1)
        if w - q > 4:
            return _Item(line, q + 1, q - p0 + 1)
        return _Item(line, w, w - p0)

    def _text_lines(self, first: int, end: int, stack: list) -> list[tuple[int, int]]:
        """Content ranges of lines [first, end) with containers and leading blanks cut off."""
        stored = self.stored
        ranges = []
        for line in range(first, min(end, len(self.lines))):
            p = self._after_containers(line, stack)
            e = self.lines[line][1]
            while p < e and stored[p] in " \t":
                p += 1
            ranges.append((p, e))
        return ranges

    def _source(self, ranges: list[tuple[int, int]]) -> tuple[str, list[int]]:
        """The ranges joined by "\\n" and, for each of its characters, its stored index."""
        stored = self.stored
        parts: list[str] = []
        pos: list[int] = []
        for i, (s, e) in enumerate(ranges):
            if i:
                parts.append("\n")
                pos.append(ranges[i - 1][1])
            parts.append(stored[s:e])
            pos.extend(range(s, e))
        pos.append(ranges[-1][1] if ranges else 0)
        return "".join(parts), pos

    # ---- writing blocks

    def _write(self, part: _Out, kind: str, first_line: int, end_line: int) -> None:
        if not part.chars:
            return
        out = self.out
        if out.chars:
            sep = "\n\n" if first_line > self.last_line else "\n"
            for ch in sep:
                out.add(ch, part.offs[0], part.offs[0], part.offs[0])
        base = len(out.chars)
        out.extend(part)
        if kind == "text" and part.code:  # code found in flattened text: its own blocks
            pos = 0
            for s, e in [*part.code, (len(part.chars), len(part.chars))]:
                a, b = pos, s
                while a < b and part.chars[a].isspace():
                    a += 1
                while b > a and part.chars[b - 1].isspace():
                    b -= 1
                if b > a:
                    self.blocks.append((base + a, base + b, "text"))
                if e > s:
                    self.blocks.append((base + s, base + e, "code"))
                pos = e
        else:
            self.blocks.append((base, base + len(part.chars), kind))
        self.last_line = max(self.last_line, end_line)

    def _inline_block(self, ranges: list[tuple[int, int]], mode: str) -> _Out:
        if not ranges:
            return _Out()
        src, pos = self._source(ranges)
        scanner = _Inline(src, pos, self.refs, mode)
        scanner.scan(0, len(src))
        return scanner.finish()

    def _code_block(self, ranges: list[tuple[int, int]]) -> _Out:
        """Code lines verbatim, "\\n" between them; blank lines at either end left out."""
        stored = self.stored
        while ranges and not stored[ranges[0][0] : ranges[0][1]].strip():
            ranges = ranges[1:]
        while ranges and not stored[ranges[-1][0] : ranges[-1][1]].strip():
            ranges = ranges[:-1]
        part = _Out()
        for i, (s, e) in enumerate(ranges):
            if i:
                nl = ranges[i - 1][1]
                part.add("\n", nl, nl, nl + 1)
            part.chars += stored[s:e]
            part.offs += range(s, e)
        if part.chars:
            part.code.append((0, len(part.chars)))
        return part

    def _strip_columns(self, p: int, e: int, columns: int) -> int:
        col = 0
        while p < e and col < columns and self.stored[p] in " \t":
            col += 4 - col % 4 if self.stored[p] == "\t" else 1
            p += 1
        return p

    def _heading(self, tok, stack: list) -> None:
        first, end = tok.map
        if tok.markup and tok.markup[0] == "#":
            stored = self.stored
            p = self._after_containers(first, stack)
            e = self.lines[first][1]
            while p < e and stored[p] in " \t":
                p += 1
            while p < e and stored[p] == "#":
                p += 1
            while p < e and stored[p] in " \t":
                p += 1
            while e > p and stored[e - 1] in " \t":
                e -= 1
            q = e
            while q > p and stored[q - 1] == "#":
                q -= 1
            if q < e and (q == p or stored[q - 1] in " \t"):
                e = q
            ranges = [(p, e)]
        else:  # setext: the last line is the underline
            ranges = self._text_lines(first, end - 1, stack)
        part = self._inline_block(ranges, "paragraph")
        # A heading line that runs on for sentences, or holds a code block, is text whose line
        # breaks were lost ("## Install Run pip install ... ```sh pip install x ``` ..."), not a heading.
        flat = len(part.chars) > MAX_HEADING_CHARS or part.code
        self._write(part, "text" if flat else "heading", first, end)

    def _fence(self, tok, stack: list) -> None:
        first, end = tok.map
        stored = self.stored
        e = self.lines[first][1]
        p = self._after_containers(first, stack)
        indent = 0
        while p + indent < e and stored[p + indent] == " ":
            indent += 1
        last = end - 1
        if last > first:  # closed when its last line is a fence like the opening one
            ls = self._after_containers(last, stack)
            m = _FENCE_LINE.fullmatch(stored, ls, self.lines[last][1])
            if m and not m.group(2).strip() and m.group(1)[0] == tok.markup[:1] and len(m.group(1)) >= len(tok.markup):
                end = last
        ranges = []
        for line in range(first + 1, min(end, len(self.lines))):
            p = self._after_containers(line, stack)
            ranges.append((self._strip_columns(p, self.lines[line][1], indent), self.lines[line][1]))
        self._write(self._code_block(ranges), "code", first, tok.map[1])

    def _indented_code(self, tok, stack: list) -> None:
        first, end = tok.map
        ranges = []
        for line in range(first, min(end, len(self.lines))):
            p = self._after_containers(line, stack)
            ranges.append((self._strip_columns(p, self.lines[line][1], 4), self.lines[line][1]))
        self._write(self._code_block(ranges), "code", first, end)

    def _html_block(self, tok, stack: list) -> None:
        first, end = tok.map
        ranges = self._text_lines(first, end, stack)
        if not ranges:
            return
        if _HTML_PRE.match(self.stored, ranges[0][0], ranges[0][1]):
            ranges = [
                (self._after_containers(line, stack), self.lines[line][1])
                for line in range(first, min(end, len(self.lines)))
            ]
            part = self._inline_block(ranges, "pre")
            if part.chars:
                part.code = [(0, len(part.chars))]
            self._write(part, "code", first, end)
        else:
            # Read as Markdown too: renderers leave Markdown in an HTML block as it is, but text
            # whose line breaks were lost often starts with a tag and is one "HTML block" whole.
            self._write(self._inline_block(ranges, "paragraph"), "text", first, end)

    def _table(self, rows: list[int], first: int, end: int, stack: list) -> None:
        """Each row on its own line, its cells joined by " | "; empty cells left out.

        A row quoted alone must still show where one cell ends and the next begins: joined by
        spaces, "Python 3.11 Yes" runs the cells together, and ", " is ambiguous when a cell holds
        a comma. " | " is what a reader of a rendered table sees as a column border, and its "|"
        is the row's own stored pipe, so a quoted row maps to its exact stored slice. Pairing each
        cell with its header ("Version: 3.11") would read better still but would put header text
        where the stored text has none, and offsets could no longer only go forward. An empty
        cell is left out with its border ("a |  | c" reads as a glitch when quoted); a row of
        empty cells (a header row kept blank for layout) is left out."""
        stored = self.stored
        table = _Out()
        for line in rows:
            if line >= len(self.lines):
                continue
            p = self._after_containers(line, stack)
            e = self.lines[line][1]
            src, pos = stored[p:e], list(range(p, e + 1))
            cells = _table_cells(src)
            if not cells:
                continue
            scanner = _Inline(src, pos, self.refs, "cell")
            filled = 0
            for a, b, pipe in cells:
                mark = len(scanner.chars)
                if filled:
                    at = pos[pipe]
                    scanner.put(" ", at, at, at)
                    scanner.put("|", at, at, at + 1)
                    scanner.put(" ", at + 1, at + 1, at + 1)
                scanner.scan(a, b)
                if any(
                    k not in scanner.dead and not scanner.chars[k].isspace()
                    for k in range(mark + 3 * bool(filled), len(scanner.chars))
                ):
                    filled += 1
                else:  # an empty cell: no border for it
                    scanner.dead.update(range(mark, len(scanner.chars)))
            row = scanner.finish()
            if row.chars:
                if table.chars:
                    table.add("\n", row.offs[0], row.offs[0], row.offs[0])
                table.extend(row)
        self._write(table, "table", first, end)

    def run(self) -> ReaderText:
        tokens = self.tokens
        stack: list = []
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            kind = tok.type
            if kind == "blockquote_open":
                stack.append(_QUOTE)
            elif kind == "list_item_open":
                stack.append(self._open_item(tok.map[0], stack) if tok.map else _Item(-1, 0, 0))
            elif kind in ("blockquote_close", "list_item_close"):
                if stack:
                    stack.pop()
            elif tok.map is None:
                pass
            elif kind == "heading_open":
                self._heading(tok, stack)
            elif kind == "paragraph_open":
                first, end = tok.map
                ranges = self._text_lines(first, end, stack)
                if not stack and all(_MDX_ESM.match(self.stored, s, e) for s, e in ranges):
                    pass  # MDX (Docusaurus) import/export lines: code for the site, not text
                else:
                    self._write(self._inline_block(ranges, "paragraph"), "text", first, end)
            elif kind == "fence":
                self._fence(tok, stack)
            elif kind == "code_block":
                self._indented_code(tok, stack)
            elif kind == "html_block":
                self._html_block(tok, stack)
            elif kind == "table_open":
                rows = []
                while i + 1 < len(tokens) and tokens[i + 1].type != "table_close":
                    i += 1
                    if tokens[i].type == "tr_open" and (row_map := tokens[i].map):
                        rows.append(row_map[0])
                self._table(rows, tok.map[0], tok.map[1], stack)
            i += 1
        return self._result()

    def _result(self) -> ReaderText:
        out, stored = self.out, self.stored
        if self.blocks and self.blocks[-1][2] == "heading":  # a heading always ends with a line break
            last = len(out.chars) - 1
            end = out.ext[last][1] if last in out.ext else out.offs[last] + 1
            out.add("\n", end, end, end)
        # A put-in character that happens to be the stored character at its offset (the space
        # after a table's pipe, the line break after a heading) stands for it, like a copied one.
        size = len(stored)
        for i, (lo, hi) in list(out.ext.items()):
            o = out.offs[i]
            if lo == hi and o < size and stored[o] == out.chars[i]:
                out.ext[i] = (min(lo, o), max(hi, o + 1))
        offsets = (*out.offs, size)
        return ReaderText("".join(out.chars), offsets, tuple(out.code), _extents=out.ext, _blocks=tuple(self.blocks))


def _markdown_reader_text(stored: str) -> ReaderText:
    return _Markdown(stored).run()


def _label(label: str) -> str:
    return " ".join(label.split()).casefold()


def _table_cells(row: str) -> list[tuple[int, int, int]]:
    """(start, end, index of the pipe before it) of each cell of a table row, trimmed; the
    leading and trailing pipes are not cell borders. Pipes escaped with a backslash are text."""
    pipes = [m.start() for m in re.finditer(r"(?<!\\)\|", row)]
    lead = 0
    while lead < len(row) and row[lead] in " \t":
        lead += 1
    end = len(row)
    while end > lead and row[end - 1] in " \t":
        end -= 1
    if pipes and pipes[0] == lead:
        lead, pipes = lead + 1, pipes[1:]
    if pipes and pipes[-1] == end - 1:
        end, pipes = end - 1, pipes[:-1]
    bounds = [lead - 1, *pipes, end]
    cells = []
    for k in range(len(bounds) - 1):
        a, b = bounds[k] + 1, bounds[k + 1]
        while a < b and row[a] in " \t":
            a += 1
        while b > a and row[b - 1] in " \t":
            b -= 1
        cells.append((a, b, bounds[k]))
    return cells


# --------------------------------------------------------------------------------------------
# Inline level

_ASCII_PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
# What the scanner stops at, per mode: Markdown text, table cells, HTML <pre>.
_SPECIAL = {
    "paragraph": re.compile(r"[\\`!\[<&*_~\n#|]"),
    "cell": re.compile(r"[\\`!\[<&*_~\n]"),
    "pre": re.compile(r"[<&]"),
}
_BACKTICKS = re.compile(r"`+")
_BLANK_RUN = re.compile(r"[ \t]{2,}")
_BRACKET_TOKENS = re.compile(r"\\[\s\S]|`+|[\[\]]")
_PAREN_TOKENS = re.compile(r"\\[\s\S]|[()]")
_AUTOLINK = re.compile(
    r"<([A-Za-z][A-Za-z0-9+.\-]{1,31}:[^\s<>]*"
    r"|[A-Za-z0-9.!#$%&'*+/=?^_`{|}~\-]+@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)*)>"
)
_ATTRIBUTE = r"""(?:\s+[A-Za-z_:][A-Za-z0-9_.:\-]*(?:\s*=\s*(?:[^\s"'=<>`]+|'[^']*'|"[^"]*"))?)"""
_HTML_TAG = re.compile(
    r"<(?:(?P<open>[A-Za-z][A-Za-z0-9\-]*)" + _ATTRIBUTE + r"*\s*/?>"
    r"|/(?P<close>[A-Za-z][A-Za-z0-9\-]*)\s*>"
    r"|!---?>|!--[\s\S]*?-->|\?[\s\S]*?\?>|![A-Za-z][^>]*>|!\[CDATA\[[\s\S]*?\]\]>)"
)
_ENTITY = re.compile(r"&(?:#[xX][0-9A-Fa-f]{1,6}|#[0-9]{1,7}|[A-Za-z][A-Za-z0-9]{1,31});")
# Inside a link's (...): a destination and an optional title, nothing else.
_LINK_TAIL = re.compile(r"""\s*(?:<[^<>\n]*>|[^\s<]\S*)?(?:\s+(?:"[^"]*"|'[^']*'|\([^()]*\)))?\s*""")
# Flattened text (line breaks lost): an ATX heading marker after a sentence, a table separator row.
_FLAT_HEADING = re.compile(r"#{1,6} +(?=\S)")
_FLAT_TABLE_RULE = re.compile(r"\|(?:[ \t]*:?-{3,}:?[ \t]*\|)+")
_ALERT = re.compile(r"\[!(?:NOTE|TIP|IMPORTANT|WARNING|CAUTION)\](?=\s|$)", re.IGNORECASE)
_MAX_NESTING = 16  # links in links in ...: deeper brackets are text


def _is_punct(char: str) -> bool:
    return char in _ASCII_PUNCT or unicodedata.category(char)[0] in "PS"


_TITLE_MAX_WORDS, _TITLE_MAX_CHARS = 9, 60
_INLINE_MARKS = "*_`"


def _ends_title(src: str, j: int) -> bool:
    """Whether the line ending at ``src[j]`` (a line break inside a paragraph) is a title set on
    a line of its own without ``#`` - "What Ukraine can offer to European partners" above the
    sentence it heads, as articles converted to Markdown often have. Joined by a space, the two
    would read as one sentence. A title: short (wrapped prose lines run longer), no closing
    punctuation, not ending on a stop word ("... the", "... of" end wrapped lines), and the next
    line starts with a capital."""
    line = src[src.rfind("\n", 0, j) + 1 : j].strip().rstrip(_INLINE_MARKS)
    words = line.split()
    following = src[j + 1 : j + 4].lstrip(_INLINE_MARKS + " ")
    return (
        0 < len(words) <= _TITLE_MAX_WORDS
        and len(line) <= _TITLE_MAX_CHARS
        and line[-1].isalnum()
        and words[-1].casefold() not in STOP_WORDS
        and following[:1].isupper()
    )


class _Inline:
    """The inline scanner: reads ``src`` (one block's lines joined by "\\n"; ``pos[k]`` is the
    stored index of ``src[k]``) and writes reader characters with their offsets.

    It keeps text as it is and drops markup: code-span backticks, a link's brackets and target,
    an image's ``!``, brackets and source (its alt text stays; an image without one goes),
    autolink angle brackets, HTML tags and comments (``<br>`` becomes a line break), and the
    emphasis delimiters ``*``, ``_``, ``~~`` that pair up by CommonMark's flanking rules (a
    lone ``*`` as in "5 * 3" or "*args" stays, and so does snake_case). Backslash escapes and
    entities become the character they stand for. Each dropped piece is credited to the
    neighbouring kept character (an opening piece to the one after it, a closing piece to the
    one before it), which widens that character's [lo, hi) extent. Line breaks in a paragraph
    become spaces (trailing spaces go), except hard breaks. Modes: "paragraph" (also reads the
    marks of flattened text; headings and HTML blocks too), "cell" (table cell: "<br>" is a space),
    "pre" (HTML <pre>: only tags and entities go, newlines kept).
    """

    def __init__(self, src: str, pos: list[int], refs: set[str], mode: str) -> None:
        self.src, self.pos, self.refs, self.mode = src, pos, refs, mode
        self.special = _SPECIAL[mode]
        self.markdown = mode in ("paragraph", "cell")
        self.chars: list[str] = []
        self.offs: list[int] = []
        self.ext: dict[int, tuple[int, int]] = {}  # extents other than [off, off + 1)
        self.dead: set[int] = set()
        self.ghosts: list[tuple[int, int, int, bool]] = []  # (before index, lo, hi, forward)
        self.code: list[tuple[int, int]] = []
        self._runs: dict[int, list[int]] | None = None  # backtick runs: length -> starts
        self._pairs: tuple[dict[int, int], dict[int, int]] | None = None

    # ---- writing

    def copy(self, a: int, b: int) -> None:
        self.chars += self.src[a:b]
        self.offs += self.pos[a:b]

    def put(self, char: str, off: int, lo: int, hi: int) -> None:
        if lo != off or hi != off + 1:
            self.ext[len(self.chars)] = (lo, hi)
        self.chars.append(char)
        self.offs.append(off)

    def ghost(self, a: int, b: int, forward: bool) -> None:
        """Markup src[a:b] dropped here, credited forward or backward."""
        if b > a:
            self.ghosts.append((len(self.chars), self.pos[a], self.pos[b - 1] + 1, forward))

    def _kill_trailing_blanks(self) -> None:
        """Takes the blanks written last back out (before a line break)."""
        chars = self.chars
        if not chars or chars[-1] not in " \t":
            return
        while chars and chars[-1] in " \t" and len(chars) - 1 not in self.dead:
            self.ext.pop(len(chars) - 1, None)
            chars.pop()
            self.offs.pop()
        size, ghosts = len(chars), self.ghosts
        k = len(ghosts) - 1
        while k >= 0 and ghosts[k][0] > size:  # markup dropped after those blanks: here now
            ghosts[k] = (size, *ghosts[k][1:])
            k -= 1

    def _last_live(self) -> str:
        k = len(self.chars) - 1
        while k >= 0 and k in self.dead:  # paired emphasis markers at the end
            k -= 1
        return self.chars[k] if k >= 0 else ""

    def line_break(self, at: int) -> None:
        """An inserted line break, mapped to stored index ``at`` (the next stored character)."""
        self._kill_trailing_blanks()
        if self._last_live() not in ("", "\n"):
            self.put("\n", at, at, at)

    # ---- scanning

    def scan(self, a: int, b: int, depth: int = 0) -> None:
        src = self.src
        delims: list[list] = []
        i = a
        while i < b:
            m = self.special.search(src, i, b)
            if m is None:
                self.copy(i, b)
                break
            j = m.start()
            if j > i:
                self.copy(i, j)
            c = src[j]
            if c == "\n":
                i = self._newline(j)
            elif c == "<":
                i = self._angle(j, b)
            elif c == "&":
                i = self._entity(j)
            elif c == "\\":
                i = self._escape(j, b)
            elif c == "`":
                i = self._backticks(j, b)
            elif c == "[" or (c == "!" and j + 1 < b and src[j + 1] == "["):
                i = self._link(j, b, depth)
            elif c in "*_~":
                i = self._delimiter(j, a, b, delims)
            elif c == "#":
                i = self._flat_heading(j, a, b)
            elif c == "|":
                i = self._flat_table_rule(j, b)
            else:
                self.copy(j, j + 1)
                i = j + 1
        self._pair(delims)

    def _newline(self, j: int) -> int:
        src, at = self.src, self.pos[j]
        hard = self.markdown and (src[max(j - 2, 0) : j] == "  " or (self.mode == "paragraph" and _ends_title(src, j)))
        self._kill_trailing_blanks()
        if hard:
            self.put("\n", at, at, at + 1)
        elif self._last_live() not in ("", " ", "\n"):
            self.put(" ", at, at, at + 1)
        return j + 1

    def _angle(self, j: int, b: int) -> int:
        src = self.src
        if self.markdown:
            m = _AUTOLINK.match(src, j, b)
            if m:
                self.ghost(j, j + 1, True)
                self.copy(j + 1, m.end() - 1)
                self.ghost(m.end() - 1, m.end(), False)
                return m.end()
        m = _HTML_TAG.match(src, j, b)
        if m is None:
            self.copy(j, j + 1)
            return j + 1
        name = (m.group("open") or "").lower()
        lo, hi = self.pos[j], self.pos[m.end() - 1] + 1
        if name == "br":
            self._kill_trailing_blanks()
            if self.mode == "cell":
                self.put(" ", lo, lo, hi)
            elif self._last_live() not in ("", "\n"):
                self.put("\n", lo, lo, hi)
            return m.end()
        if name in ("script", "style"):  # their content is not text: drop to the closing tag
            close = re.compile(rf"</{name}\s*>", re.IGNORECASE).search(src, m.end(), b)
            return close.end() if close else b
        if m.group("open"):
            self.ghost(j, m.end(), True)
        elif m.group("close"):
            self.ghost(j, m.end(), False)
        return m.end()

    def _entity(self, j: int) -> int:
        m = _ENTITY.match(self.src, j)
        text = html.unescape(m.group()) if m else ""
        if not m or text == m.group():
            self.copy(j, j + 1)
            return j + 1
        at, hi = self.pos[j], self.pos[m.end() - 1] + 1
        for k, char in enumerate(text):
            self.put(char, at, at, hi if k == 0 else at)
        return m.end()

    def _escape(self, j: int, b: int) -> int:
        src = self.src
        nxt = src[j + 1] if j + 1 < b else ""
        if nxt == "\n" and self.markdown:  # hard line break
            self._kill_trailing_blanks()
            at = self.pos[j + 1]
            self.put("\n", at, self.pos[j], at + 1)
            return j + 2
        if nxt and nxt in _ASCII_PUNCT:
            at = self.pos[j + 1]
            self.put(nxt, at, self.pos[j], at + 1)
            return j + 2
        self.copy(j, j + 1)
        return j + 1

    def _run(self, j: int, b: int, char: str) -> int:
        k = j
        while k < b and self.src[k] == char:
            k += 1
        return k

    def _closing_backticks(self, start: int, b: int, length: int) -> int:
        """Start of the first run of exactly ``length`` backticks in src[start:b], or -1."""
        if self._runs is None:
            self._runs = {}
            for m in _BACKTICKS.finditer(self.src):
                self._runs.setdefault(m.end() - m.start(), []).append(m.start())
        starts = self._runs.get(length)
        if starts:
            i = bisect_left(starts, start)
            if i < len(starts) and starts[i] + length <= b:
                return starts[i]
        return -1

    def _backticks(self, j: int, b: int) -> int:
        src = self.src
        k = self._run(j, b, "`")
        n = k - j
        if self.mode == "paragraph" and n >= 3:
            return self._flat_fence(j, k, b)
        close = self._closing_backticks(k, b, n)
        if close < 0:
            self.copy(j, k)
            return k
        a, e = k, close
        if e - a >= 2 and src[a] in " \n" and src[e - 1] in " \n" and src[a:e].strip(" \n"):
            a, e = a + 1, e - 1
        self.ghost(j, a, True)
        self._copy_code(a, e, " ")
        self.ghost(e, close + n, False)
        return close + n

    def _copy_code(self, a: int, e: int, newline: str) -> None:
        src = self.src
        while a < e:
            nl = src.find("\n", a, e)
            if nl < 0:
                self.copy(a, e)
                return
            self.copy(a, nl)
            at = self.pos[nl]
            self.put(newline, at, at, at + 1)
            a = nl + 1

    def _flat_fence(self, j: int, k: int, b: int) -> int:
        """``` in running text: the line breaks around a fenced block were lost. A run with an
        info string right after it ("```sh") opens a block that ends at the next run at least as
        long without one (a closing fence has no info string), or at the end. A bare run pairs
        with the next bare run, unless the next run has an info string: then it closes a block
        that began before this text, and only the run goes."""
        src = self.src
        n = k - j
        info = k
        while info < b and not src[info].isspace() and src[info] != "`":
            info += 1
        end = after = -1
        for count, m in enumerate(_BACKTICKS.finditer(src, info, b)):
            if count > 64:  # bounded: a text of fences only must not take quadratic time
                break
            if m.end() - m.start() < n:
                continue
            if m.end() >= b or src[m.end()].isspace():
                end, after = m.start(), m.end()
                break
            if info == k:  # the next run opens a block: this one closed an earlier block
                break
        if end < 0:
            if info == k:
                self.line_break(self.pos[k])
                return k
            end = after = b
        a = info
        while a < end and src[a].isspace():
            a += 1
        e = end
        while e > a and src[e - 1].isspace():
            e -= 1
        if e > a:
            self.line_break(self.pos[a])
            start = len(self.chars)
            self._copy_code(a, e, "\n")
            self.code.append((start, len(self.chars)))
            self.line_break(self.pos[after])
        return after

    def _flat_heading(self, j: int, a: int, b: int) -> int:
        """ "### Title" after a sentence in flattened text: a new line, without the marker."""
        src = self.src
        m = _FLAT_HEADING.match(src, j, b)
        k = j
        while k > a and src[k - 1] in " \t":
            k -= 1
        if m and a < k < j and (m.group().count("#") >= 2 or src[k - 1] in ".!?:`>|"):
            self.line_break(self.pos[m.end()])
            return m.end()
        self.copy(j, j + 1)
        return j + 1

    def _flat_table_rule(self, j: int, b: int) -> int:
        m = _FLAT_TABLE_RULE.match(self.src, j, b)
        if m is None:
            self.copy(j, j + 1)
            return j + 1
        self.copy(j, j + 1)  # the first pipe still ends the header row
        return m.end()

    def _matching(self) -> tuple[dict[int, int], dict[int, int]]:
        """For the whole source, found once: each "[" -> index of its "]", each "(" -> index
        after its ")". Backslash escapes are skipped, and for brackets code spans too. (Searching
        from each bracket instead takes quadratic time on text full of unclosed brackets.)"""
        if self._pairs is None:
            src = self.src
            brackets: dict[int, int] = {}
            stack: list[int] = []
            skip = 0
            for m in _BRACKET_TOKENS.finditer(src):
                i = m.start()
                if i < skip or src[i] == "\\":
                    continue
                if src[i] == "`":
                    close = self._closing_backticks(m.end(), len(src), m.end() - i)
                    if close >= 0:
                        skip = close + (m.end() - i)
                elif src[i] == "[":
                    stack.append(i)
                elif stack:
                    brackets[stack.pop()] = i
            parens: dict[int, int] = {}
            stack = []
            for m in _PAREN_TOKENS.finditer(src):
                if m.group() == "(":
                    stack.append(m.start())
                elif m.group() == ")" and stack:
                    parens[stack.pop()] = m.end()
            self._pairs = (brackets, parens)
        return self._pairs

    def _link(self, j: int, b: int, depth: int) -> int:
        """[text](url), [text][ref], [text][], [text] with a definition, and the same with "!"
        in front for images: the text (alt text) stays, the rest goes. A paragraph starting with
        GitHub's alert label "[!TIP]" keeps the word "TIP" as a line of its own."""
        src = self.src
        if j == 0 and self.mode == "paragraph":
            alert = _ALERT.match(src, 0, b)
            if alert:  # GitHub's "> [!TIP]": a label on its own line
                self.ghost(0, 2, True)
                self.copy(2, alert.end() - 1)
                self.ghost(alert.end() - 1, alert.end(), False)
                self.line_break(self.pos[alert.end()])
                return alert.end()
        image = src[j] == "!"
        bracket = j + 1 if image else j
        brackets, parens = self._matching()
        close = brackets.get(bracket, b) if depth < _MAX_NESTING else b
        close = close if close < b else -1
        end = -1
        if close >= 0:
            after = close + 1
            if after < b and src[after] == "(":
                end = parens.get(after, b + 1)
                if end > b or not _LINK_TAIL.fullmatch(src, after + 1, end - 1):
                    end = -1
            elif after < b and src[after] == "[":
                k = src.find("]", after + 1, min(b, after + 1000))
                label = _label(src[after + 1 : k]) if k >= 0 else ""
                word_start = bracket == 0 or src[bracket - 1].isspace() or _is_punct(src[bracket - 1])
                if k >= 0 and (
                    label in self.refs or (not label and _label(src[bracket + 1 : close]) in self.refs) or word_start
                ):
                    end = k + 1
            if end < 0 and _label(src[bracket + 1 : close]) in self.refs:
                end = after
        if end < 0:  # not a link: the brackets are text
            self.copy(j, bracket + 1)
            return bracket + 1
        mark, opening = len(self.chars), len(self.ghosts)
        self.ghosts.append((mark, self.pos[j], self.pos[bracket] + 1, True))
        self.scan(bracket + 1, close, depth + 1)
        if len(self.chars) <= mark:  # an image without alt text, an empty link: all of it goes
            del self.ghosts[opening]
        else:
            self.ghost(close, end, False)
        return end

    def _delimiter(self, j: int, a: int, b: int, delims: list[list]) -> int:
        src = self.src
        char = src[j]
        k = self._run(j, b, char)
        n = k - j
        if not self.markdown or (char == "~" and n != 2):
            self.copy(j, k)
            return k
        before = src[j - 1] if j > a else " "
        after = src[k] if k < b else " "
        left = not after.isspace() and (not _is_punct(after) or before.isspace() or _is_punct(before))
        right = not before.isspace() and (not _is_punct(before) or after.isspace() or _is_punct(after))
        if char == "_":
            can_open = left and (not right or _is_punct(before))
            can_close = right and (not left or _is_punct(after))
        else:
            can_open, can_close = left, right
        if can_open or can_close:
            delims.append([len(self.chars), n, char, can_open, can_close, j])
        self.copy(j, k)
        return k

    def _pair(self, delims: list[list]) -> None:
        """Pairs emphasis delimiters (nearest opener of the same character); paired runs go."""
        stack: list[list] = []
        openers = {"*": 0, "_": 0, "~": 0}  # how many of each are on the stack
        for d in delims:
            out, n, char, can_open, can_close, j = d
            matched = False
            if can_close and openers[char]:
                for s in range(len(stack) - 1, -1, -1):
                    o = stack[s]
                    if o[2] == char:
                        self.dead.update(range(o[0], o[0] + o[1]))
                        self.ghosts.append((o[0] + o[1], self.pos[o[5]], self.pos[o[5] + o[1] - 1] + 1, True))
                        self.dead.update(range(out, out + n))
                        self.ghosts.append((out, self.pos[j], self.pos[j + n - 1] + 1, False))
                        for gone in stack[s:]:
                            openers[gone[2]] -= 1
                        del stack[s:]
                        matched = True
                        break
            if not matched and can_open:
                stack.append(d)
                openers[char] += 1

    # ---- result

    def finish(self) -> _Out:
        """Drops the dead characters and the blanks at the ends and around line breaks (outside
        code; in Markdown also the second and later blanks of a run, as a browser shows them),
        and credits the dropped markup to its neighbours."""
        part = _Out()
        part.chars, part.offs, part.ext, part.code = self.chars, self.offs, self.ext, self.code
        # ghosts as (boundary, lo, hi, forward): a boundary k sits before character k
        ghosts = self.ghosts
        if self.dead:
            ghosts = _remove(part, sorted(self.dead), ghosts)
        drop = _blank_drops("".join(part.chars), self.markdown)
        if drop and part.code:
            drop = {p for p in drop if not any(s <= p < e for s, e in part.code)}
        if drop:
            ghosts = _remove(part, sorted(drop), ghosts)
        size, offs, ext = len(part.chars), part.offs, part.ext
        for at, lo, hi, forward in ghosts:
            t = at if forward else at - 1  # the first character after, the last one before
            if 0 <= t < size:
                a, b = ext.get(t) or (offs[t], offs[t] + 1)
                if b > a:
                    ext[t] = (min(a, lo), b) if forward else (a, max(b, hi))
        return part


def _remove(part: _Out, removed: list[int], ghosts: list) -> list:
    """Removes the characters at the sorted indices ``removed`` from ``part``, moving its extents
    and code ranges and the ``ghosts``' boundaries with them; returns the moved ghosts."""
    chars, offs = part.chars, part.offs
    if len(removed) * 8 < len(chars):  # a few: delete in place
        chars, offs = chars[:], offs[:]
        for k in reversed(removed):
            del chars[k], offs[k]
    else:
        gone = set(removed)
        keep = [k for k in range(len(chars)) if k not in gone]
        chars = [chars[k] for k in keep]
        offs = [offs[k] for k in keep]

    def moved(k: int) -> int:  # a boundary's new place: minus the removed characters before it
        return k - bisect_left(removed, k)

    gone_set = set(removed)
    part.chars, part.offs = chars, offs
    part.ext = {moved(k): v for k, v in part.ext.items() if k not in gone_set}
    part.code = [(moved(s), moved(e)) for s, e in part.code if moved(e) > moved(s)]
    return [(moved(at), lo, hi, forward) for at, lo, hi, forward in ghosts]


def _blank_drops(text: str, markdown: bool) -> set[int]:
    """Positions of blanks to drop from ``text``: at either end and, for Markdown text (not
    <pre>), around each line break and all but the first of a run of spaces and tabs."""
    n = len(text)
    a = n - len(text.lstrip())
    z = max(len(text.rstrip()), a)
    drop = set(range(a)) | set(range(z, n)) if a or z < n else set()
    if not markdown:
        return drop
    i = text.find("\n", a, z)
    while i >= 0:
        j = i
        while j > a and text[j - 1] in " \t":
            j -= 1
            drop.add(j)
        j = i + 1
        while j < z and text[j] in " \t":
            drop.add(j)
            j += 1
        i = text.find("\n", i + 1, z)
    if "  " in text or "\t" in text:
        for m in _BLANK_RUN.finditer(text, a, z):
            drop.update(range(m.start() + 1, m.end()))
    return drop
