"""Reader text of stored chunks: Markdown markup removed, offsets back to the stored text."""

from __future__ import annotations

import re
import timeit
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa.documents.chunking import pack_pages
from qa.documents.loading import _split_front_matter
from qa.documents.reader_text import ReaderText, _markdown_reader_text, markup_of, reader_text

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parent.parent
REAL_MARKDOWN = sorted({*ROOT.glob("seeds/docs/**/*.md"), ROOT / "README.md", *ROOT.glob("docs/*.md")})

DOCKER = (
    "```sh\ndocker buildx bake base\n```\n\n### Multi-Platform Builds\n\n"
    "Haystack images support multiple architectures."
)


def md(stored: str) -> ReaderText:
    result = _markdown_reader_text(stored)  # raises instead of falling back to plain
    check_invariants(stored, result)
    return result


def copied(stored: str, r: ReaderText, i: int) -> bool:
    o = r.offsets[i]
    return o < len(stored) and stored[o] == r.text[i]


def check_invariants(stored: str, r: ReaderText) -> None:
    text, offsets = r.text, r.offsets
    assert len(offsets) == len(text) + 1
    assert offsets[-1] == len(stored)
    assert all(0 <= a <= b for a, b in zip(offsets, offsets[1:])), "offsets must not decrease"
    last = -1
    for i, char in enumerate(text):
        o = offsets[i]
        if copied(stored, r, i):
            if not char.isspace():
                assert o > last, f"stored character {o} used twice"
                last = o
        else:  # put in by the reader text: a line break or space, or what an entity stands for
            assert char.isspace() or stored[o] == "&", (i, char, o, stored[o : o + 10])
    # stored_span holds every copied character of a range
    n = len(text)
    ranges = [(s, e) for s, e, _ in r.blocks()] + list(r.code) + [(0, n)]
    ranges += [(a, min(n, a + w)) for w in (1, 7, 40) for a in range(0, n, max(1, n // 25))]
    for a, b in ranges:
        s, e = r.stored_span(a, b)
        assert 0 <= s <= e <= len(stored)
        for i in range(a, b):
            if copied(stored, r, i):
                assert s <= offsets[i] < e, (a, b, i, s, e)
        # and no more: it stops short of the copied characters just outside the range
        if a > 0 and copied(stored, r, a - 1) and not text[a - 1].isspace() and e > s:
            assert s > offsets[a - 1], (a, b, s, e)
        if b < n and copied(stored, r, b) and not text[b].isspace() and e > s:
            assert e <= offsets[b], (a, b, s, e)
    # code ranges and blocks are ordered ranges of the text
    for (_s1, e1), (s2, _) in zip(r.code, r.code[1:]):
        assert e1 <= s2
    blocks = r.blocks()
    assert all(0 <= s < e <= n and kind in ("heading", "code", "table", "text") for s, e, kind in blocks)
    assert all(e1 <= s2 for (_, e1, _), (s2, _, _) in zip(blocks, blocks[1:]))
    assert {(s, e) for s, e, kind in blocks if kind == "code"} == set(r.code)
    assert all(text[e : e + 1] == "\n" for s, e, kind in blocks if kind == "heading")


def outside_code(r: ReaderText) -> str:
    pieces, pos = [], 0
    for s, e in r.code:
        pieces.append(r.text[pos:s])
        pos = e
    pieces.append(r.text[pos:])
    return "\n".join(pieces)


def prose(r: ReaderText) -> str:
    """The text of headings and text blocks, one block a line."""
    return "\n".join(r.text[s:e] for s, e, kind in r.blocks() if kind in ("heading", "text"))


# ---- the cases from Haystack's docs and the brief


def test_code_fence_then_heading_then_sentence():
    r = md(DOCKER)
    assert r.text == (
        "docker buildx bake base\n\nMulti-Platform Builds\n\nHaystack images support multiple architectures."
    )
    assert "`" not in r.text and "#" not in r.text
    assert "Multi-Platform Builds" in r.text.splitlines()
    assert [r.text[s:e] for s, e in r.code] == ["docker buildx bake base"]
    assert [(r.text[s:e], kind) for s, e, kind in r.blocks()] == [
        ("docker buildx bake base", "code"),
        ("Multi-Platform Builds", "heading"),
        ("Haystack images support multiple architectures.", "text"),
    ]
    # citations point at the stored text: the heading without its marker, the code without fences
    start = r.text.index("Multi")
    s, e = r.stored_span(start, start + len("Multi-Platform Builds"))
    assert DOCKER[s:e] == "Multi-Platform Builds" and DOCKER[s - 4 : s] == "### "
    s, e = r.stored_span(*r.code[0])
    assert DOCKER[s:e] == "docker buildx bake base"


def test_link_keeps_its_text_and_span_covers_the_whole_link():
    stored = "See [Telemetry](#telemetry) for details."
    r = md(stored)
    assert r.text == "See Telemetry for details."
    assert r.stored_span(0, len(r.text)) == (0, len(stored))
    word = r.text.index("Telemetry")
    s, e = r.stored_span(word, word + len("Telemetry"))
    assert stored[s:e] == "[Telemetry](#telemetry)"
    assert stored[r.offsets[word] : r.offsets[word] + 9] == "Telemetry"


def test_chunk_that_starts_inside_a_fence():
    stored = 'docker buildx bake base --set "*.platform=linux/arm64"\n```\n\n## License\n\nView license information.'
    r = md(stored)
    assert r.text == 'docker buildx bake base --set "*.platform=linux/arm64"\n\nLicense\n\nView license information.'
    assert [r.text[s:e] for s, e in r.code] == ['docker buildx bake base --set "*.platform=linux/arm64"']
    assert [kind for _, _, kind in r.blocks()] == ["code", "heading", "text"]


def test_chunk_that_ends_inside_a_fence():
    stored = "You can build a specific image by running:\n\n```sh\ndocker buildx bake base\nmore *stars*"
    r = md(stored)
    assert r.text == "You can build a specific image by running:\n\ndocker buildx bake base\nmore *stars*"
    assert [r.text[s:e] for s, e in r.code] == ["docker buildx bake base\nmore *stars*"]


def test_fence_opened_after_a_colon_is_read_from_the_top():
    stored = "Run:\n```\npip install haystack-ai\n```"
    r = md(stored)
    assert r.text == "Run:\npip install haystack-ai"
    assert [r.text[s:e] for s, e in r.code] == ["pip install haystack-ai"]


def test_inline_markup():
    stored = "Some **bold**, _em_, ~~old~~ and `code` text: AT&amp;T &lt;tag&gt; &copy;.<br>Next line."
    r = md(stored)
    assert r.text == "Some bold, em, old and code text: AT&T <tag> ©.\nNext line."
    # an entity maps to its "&" and its span covers the entity whole
    lt = r.text.index("<")
    assert stored[r.offsets[lt] : r.offsets[lt] + 4] == "&lt;"
    assert stored[slice(*r.stored_span(lt, lt + 1))] == "&lt;"
    bold = r.text.index("bold")
    assert stored[slice(*r.stored_span(bold, bold + 4))] == "**bold**"


def test_image_with_remote_url_keeps_alt_text_only():
    stored = "Look: ![t](http://example.invalid/x.png) and ![](http://example.invalid/y.png) done."
    r = md(stored)
    assert "example.invalid" not in r.text and "http" not in r.text
    assert r.text == "Look: t and done."


def test_badge_link_around_an_image():
    r = md("[![PyPI](https://img.shields.io/pypi/v/haystack-ai)](https://pypi.org/project/haystack-ai/) badge")
    assert r.text == "PyPI badge"


def test_autolink_reference_links_and_html():
    stored = (
        "Mail <http://example.invalid/a?b=1> or [the docs][docs] or [docs] or [docs][].\n\n"
        '[docs]: https://docs.example.invalid\n\n<div align="center"><img src="x.png" alt="logo"></div>\n\n'
        "<!-- a comment -->\n\nText with <kbd>Ctrl</kbd> and a[0][1] and [1] stays."
    )
    r = md(stored)
    assert r.text == (
        "Mail http://example.invalid/a?b=1 or the docs or docs or docs.\n\nText with Ctrl and a[0][1] and [1] stays."
    )


def test_emphasis_markers_that_are_text_stay():
    r = md("snake_case_name, 5 * 3 = 15, *args and __init__ stay; **this** goes.")
    assert r.text == "snake_case_name, 5 * 3 = 15, *args and init stay; this goes."


def test_escapes():
    stored = r"Not \*emphasis\*, a \[bracket\] and a back\\slash."
    r = md(stored)
    assert r.text == r"Not *emphasis*, a [bracket] and a back\slash."


def test_table_rows_are_lines_with_cells_joined_by_pipes():
    stored = (
        "| Name | Version |  |\n|---|:---:|---|\n| Python | **3.11** |  |\n"
        "| [Haystack](https://x.invalid) | 2.0 \\| 3.0 | yes |"
    )
    r = md(stored)
    assert r.text == "Name | Version\nPython | 3.11\nHaystack | 2.0 | 3.0 | yes"
    assert [kind for _, _, kind in r.blocks()] == ["table"]
    row = r.text.splitlines()[1]
    start = r.text.index(row)
    s, e = r.stored_span(start, start + len(row))
    assert stored[s:e] == "Python | **3.11**"


def test_nested_lists_put_each_item_on_its_own_line():
    stored = (
        "- first item\n  - nested *item*\n    continued here\n  - another\n- last\n\n"
        "1. one\n2. two\n   > quoted in a list\n\n> A quote\n> - with a list"
    )
    r = md(stored)
    assert r.text == (
        "first item\nnested item continued here\nanother\nlast\n\none\ntwo\nquoted in a list\n\nA quote\nwith a list"
    )
    assert all(kind == "text" for _, _, kind in r.blocks())
    # the list marker is not part of a quoted item's stored span
    s, e = r.stored_span(0, len("first item"))
    assert stored[s:e] == "first item"


def test_heading_followed_directly_by_a_sentence():
    r = md("## Installation\nRun pip install haystack-ai. Then import it.")
    assert r.text == "Installation\nRun pip install haystack-ai. Then import it."
    assert r.blocks()[0] == (0, len("Installation"), "heading")


def test_setext_heading_and_closing_hashes():
    r = md("Title\n=====\nBody.\n\n## Other ##\n# C#")
    assert r.text == "Title\nBody.\n\nOther\nC#\n"
    assert [kind for _, _, kind in r.blocks()] == ["heading", "text", "heading", "heading"]


def test_indented_code_and_code_in_a_list():
    stored = "Text.\n\n    indented code\n      deeper\n\n- item\n\n  ```py\n  x = 1\n  ```"
    r = md(stored)
    assert r.text == "Text.\n\nindented code\n  deeper\n\nitem\n\nx = 1"
    assert [r.text[s:e] for s, e in r.code] == ["indented code\n  deeper", "x = 1"]


def test_paragraph_lines_are_joined_by_spaces():
    r = md("A sentence that\nwraps over lines.  \nHard break.\\\nAnother.")
    assert r.text == "A sentence that wraps over lines.\nHard break.\nAnother."


def test_a_title_on_its_own_line_ends_there():
    # Articles converted to Markdown set section titles as plain lines: joined by a space, title
    # and sentence would read (and be quoted) as one sentence.
    r = md("Closing sentence.\nWhat Ukraine can offer to European partners\nOver the past 2.5 years, it grew.")
    assert r.text == "Closing sentence. What Ukraine can offer to European partners\nOver the past 2.5 years, it grew."
    # Wrapped prose stays one paragraph: a line ending on a stop word, or one as long as wrapped
    # lines run, or one followed by a lower-case word.
    for stored in (
        "Read the guide for the details of\nHaystack pipelines.",
        "Contributions of every kind are welcome here, from code to docs\nHaystack thanks you for.",
        "See the Table of Contents\nfor ways to help.",
    ):
        assert "\n" not in md(stored).text, stored


def test_github_alert_and_mdx_imports():
    r = md('import Tabs from "@theme/Tabs";\n\n> [!TIP]\n> Use the **cache**.')
    assert r.text == "TIP\nUse the cache."


def test_flattened_chunk_as_the_chunker_stores_it():
    """The chunker joins sentences with spaces, losing line breaks; fences and heading markers
    still go, the code is still code."""
    stored = (
        "```sh docker buildx bake base ``` ### Multi-Platform Builds Haystack images support multiple architectures."
    )
    r = md(stored)
    assert r.text == "docker buildx bake base\nMulti-Platform Builds Haystack images support multiple architectures."
    assert [r.text[s:e] for s, e in r.code] == ["docker buildx bake base"]
    assert [kind for _, _, kind in r.blocks()] == ["code", "text"]


def test_crlf_line_endings():
    stored = "# Title\r\n\r\nText\r\nmore.\r\n\r\n```\r\ncode\r\n```\r\n"
    r = md(stored)
    assert r.text == "Title\n\nText more.\n\ncode"


def test_html_blocks():
    stored = (
        "<pre>\nx &lt; 1\n  y\n</pre>\n\n<script>var a = 1;</script>\n\n"
        "<details><summary>More</summary>\n\nHidden *text*.\n\n</details>"
    )
    r = md(stored)
    assert r.text == "x < 1\n  y\n\nMore\n\nHidden text."
    assert [r.text[s:e] for s, e in r.code] == ["x < 1\n  y"]


def test_stored_span_clamps_and_empty_ranges():
    stored = "# Title\n\nText."
    r = md(stored)
    assert r.stored_span(-5, 100) == (2, len(stored))
    assert r.stored_span(3, 3) == (r.offsets[3], r.offsets[3])
    newline = r.text.index("\n")
    s, e = r.stored_span(newline, newline + 1)  # an inserted line break stands for nothing
    assert s == e or stored[s:e].isspace()


def test_deep_nesting_keeps_its_text():
    r = md("> " * 25 + "deep text\n\n" + "- " * 25 + "deep item")
    assert r.text == "deep text\n\ndeep item"


@pytest.mark.parametrize(
    "stored",
    [
        "[" * 20_000,
        "![" * 10_000,
        "[a](b " * 4_000,
        "<br> " * 5_000,
        "` `` " * 4_000,
        "```a " * 4_000,
        "_a* b_ " * 3_000,
        "(" * 20_000,
        "|a|b|\n|-|-|\n" + "| " * 5_000,
    ],
)
def test_hostile_input_takes_linear_time(stored):
    seconds = timeit.timeit(lambda: _markdown_reader_text(stored), number=1)
    assert seconds < 2.0


def test_a_failure_falls_back_to_the_plain_reading(monkeypatch):
    import qa.documents.reader_text as module

    def broken(stored):
        raise RuntimeError("bug")

    monkeypatch.setattr(module, "_markdown_reader_text", broken)
    r = module.reader_text("**x**", "markdown")
    assert r.text == "**x**" and r.offsets == tuple(range(6))


def test_plain_is_unchanged_with_identity_offsets():
    stored = "# Not a heading in a TXT file\n**stars** stay."
    r = reader_text(stored, "plain")
    assert r.text == stored and r.offsets == tuple(range(len(stored) + 1)) and r.code == ()
    assert r.stored_span(2, 9) == (2, 9)
    assert r.blocks() == [(0, len(stored), "text")]
    assert reader_text("", "markdown").text == ""


@pytest.mark.parametrize(
    "source, markup",
    [
        ("docs/a.md", "markdown"),
        ("A.MARKDOWN", "markdown"),
        ("x/y.mdx", "markdown"),
        ("report.pdf", "plain"),
        ("notes.txt", "plain"),
        ("page.html", "plain"),
        ("README", "plain"),
    ],
)
def test_markup_of(source, markup):
    assert markup_of(source) == markup


# ---- properties

MARKDOWNISH = st.lists(
    st.sampled_from(
        [
            "a",
            "word",
            "Two words.",
            " ",
            "  ",
            "    ",
            "\t",
            "\n",
            "\n\n",
            "\r\n",
            "#",
            "## ",
            "###### ",
            "=",
            "===",
            "-",
            "- ",
            "* ",
            "+ ",
            "1. ",
            "2) ",
            "> ",
            ">",
            "```",
            "```py",
            "~~~",
            "`",
            "``",
            "*",
            "**",
            "_",
            "__",
            "~~",
            "~",
            "[",
            "]",
            "(",
            ")",
            "[a](b)",
            "[a][r]",
            "[r]: /u",
            "![alt](http://x.invalid/i.png)",
            "![](x)",
            "<",
            ">",
            "<br>",
            "<b>",
            "</b>",
            "<div>",
            "</div>",
            "<!--",
            "-->",
            "<http://x.invalid>",
            "&amp;",
            "&#35;",
            "&bogus;",
            "&",
            "\\",
            "\\*",
            "|",
            "| a | b |",
            "|---|---|",
            "---",
            ":",
            "!",
            "[!NOTE]",
            "é",
            "🎉",
            "\x00",
            "import x from 'y'",
            "<script>",
            "</script>",
            "<pre>",
            "</pre>",
        ]
    ),
    max_size=60,
).map("".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(MARKDOWNISH)
def test_invariants_on_markdownish_text(stored):
    check_invariants(stored, _markdown_reader_text(stored))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_never_fails(stored):
    check_invariants(stored, _markdown_reader_text(stored))
    check_invariants(stored, reader_text(stored, "plain"))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="abc XYZ,?\n", max_size=120))
def test_text_without_markup_reads_the_same(stored):
    r = _markdown_reader_text(stored)
    assert r.text.split() == stored.split()


# ---- real files


def real_text(path: Path) -> str:
    text, _ = _split_front_matter(path.read_text(encoding="utf-8"))  # as the loader stores it
    return text


def words(text: str) -> int:
    return len(text.split())


@pytest.mark.parametrize("path", REAL_MARKDOWN, ids=lambda p: str(p.relative_to(ROOT)))
def test_real_markdown_files(path):
    text = real_text(path)
    whole = md(text)
    rest = outside_code(whole)
    assert "```" not in rest
    assert not re.search(r"\]\((?:https?:|#|\.{0,2}/)", rest), "link syntax left"
    assert not re.search(r"(?m)^#{1,6} ", prose(whole)), "heading marker left"
    assert not re.search(r"(?m)^\s*(?:[-*+]|\d+\.) ", prose(whole)), "list marker left"
    # fragments: every window of lines, as a chunk with line breaks might cut the file
    lines = text.splitlines(keepends=True)
    for start in range(0, len(lines), 3):
        md("".join(lines[start : start + 12]))
    # chunks as the chunker stores them today (sentences joined by spaces)
    for _, chunk in pack_pages([(None, text)], max_tokens=128, overlap_tokens=16, count=words):
        r = md(chunk)
        assert "```" not in outside_code(r)


def test_time_per_chunk():
    """A generous guard (the figure in the module docstring is the measured one)."""
    text = "".join(real_text(p) for p in REAL_MARKDOWN)
    chunks = [text[i : i + 700] for i in range(0, min(len(text), 70_000), 700)]
    seconds = timeit.timeit(lambda: [reader_text(c, "markdown") for c in chunks], number=3) / (3 * len(chunks))
    assert seconds < 0.005, f"{seconds * 1e3:.2f} ms per chunk"
