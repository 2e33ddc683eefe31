"""Text from documents and people stays text: whatever Markdown/HTML it holds, a renderer makes
no link, image, script or formatting of it, and bidi controls cannot reorder names."""

from __future__ import annotations

import html
import re

import pytest
from markdown_it import MarkdownIt

from qa.conversations import Turn
from qa.export import conversation_markdown
from qa.text_safety import WORD_JOINER, html_text, md_document, md_text, neutralise_bidi
from qa.types import Answer, Citation
from ui.render import highlight, linked_markers

pytestmark = pytest.mark.unit

HOST = "http://127.0.0.2:8999"
PAYLOADS = [
    f"![t]({HOST}/x.png)",
    f"[Sign in again]({HOST}/phish)",
    f"<{HOST}/auto>",
    f"see {HOST}/bare and www.example.org or mail evil@example.org",
    "<script>alert(1)</script><img src=x onerror=alert(2)>",
    f"[ref][1]\n\n[1]: {HOST}/ref",
    "**bold** _it_ `code` # heading :red[colour] $x^2$ ~~s~~ | a | b |",
    "invoice\u202egnp.md \u2066isolate\u2069 \u200emark\u200f",
    "&lt;script&gt; &amp; &#91;x&#93;",
    "a\\[b\\] back\\slash",
    "_Sign_in_again_www.phish.example_u_(www.img.example)",  # as safe_file_name writes an upload's name
]
# CommonMark with GFM tables and strikethrough, HTML allowed: stricter than Streamlit needs.
RENDERER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
ACTIVE = re.compile(r"<(a|img|script|iframe|strong|em|code|h\d|del|table)\b", re.IGNORECASE)


def shown_text(rendered: str) -> str:
    """What a reader sees (the invisible word joiners that break autolinks left out)."""
    return html.unescape(re.sub(r"<[^>]+>", "", rendered)).replace(WORD_JOINER, "").strip()


@pytest.mark.parametrize("payload", PAYLOADS)
def test_md_text_renders_as_the_same_text_and_nothing_else(payload):
    rendered = RENDERER.render(md_text(payload))
    assert not ACTIVE.search(rendered), rendered
    assert shown_text(rendered).split() == neutralise_bidi(payload).split()
    # No GFM autolink literal can start (they are found after escapes are decoded).
    assert not re.search(r"://|www\.|@\w", md_text(payload) + html_text(payload) + md_document(payload))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_html_text_inside_an_html_block_that_markdown_parses_again(payload):
    for wrapped in (f"<div class='quote'>{html_text(payload)}</div>", f"<div>\n\n{html_text(payload)}\n\n</div>"):
        rendered = RENDERER.render(wrapped)
        assert not ACTIVE.search(rendered), rendered
        assert shown_text(rendered).split() == neutralise_bidi(payload).split()


def test_bidi_controls_are_removed():
    assert neutralise_bidi("invoice\u202egnp.md") == "invoicegnp.md"
    assert not re.search("[\u202a-\u202e\u2066-\u2069\u200e\u200f]", md_text(PAYLOADS[7]) + html_text(PAYLOADS[7]))


def test_a_markdown_document_keeps_its_formatting_without_links_images_or_html():
    source = "# Title\n\n- item **bold**\n\n" + "\n\n".join(PAYLOADS)
    rendered = RENDERER.render(md_document(source))
    assert "<h1>Title</h1>" in rendered and "<strong>bold</strong>" in rendered
    assert not re.search(r"<(a|img|script|iframe)\b", rendered, re.IGNORECASE), rendered
    assert "127.0.0.2" in shown_text(rendered)  # the link's address is still there, as text


def test_the_viewer_highlight_of_markdown_is_inert_too():
    text = f"Intro [Sign in again]({HOST}/phish) and ![t]({HOST}/x.png). The quote is here."
    for markdown in (False, True):
        rendered = RENDERER.render(highlight(text, "The quote is here.", markdown=markdown))
        assert "<mark>The quote is here.</mark>" in rendered
        assert not re.search(r"<(a|img)\b", rendered), rendered


def citation(quote: str, title: str = "T", source: str = "/d/a.md") -> Citation:
    return Citation(
        number=1, source=source, title=title, page=None, chunk_id="c", quote=quote, passage=quote, relevance=0.5
    )


def test_answer_markers_stay_links_and_the_rest_is_text():
    answer = Answer(
        question="q",
        text=f"See [Sign in again]({HOST}/phish) [1]. ![t]({HOST}/x.png) [2]",
        citations=[citation("q")],
        refused=False,
        backend="extractive",
        search_query="q",
    )
    rendered = RENDERER.render(f"<div class='answer'>{linked_markers(answer, 'src-0')}</div>")
    links = re.findall(r"<a [^>]*href='([^']*)'", rendered)
    assert links == ["#src-0-1"]  # the cited marker; [2] cites nothing and stays text
    assert "<img" not in rendered


def test_the_export_is_markdown_that_shows_the_text():
    answer = Answer(
        question="q",
        text=f"[Sign in again]({HOST}/phish) [1]",
        citations=[citation(f"![t]({HOST}/x.png)", title=f"![t]({HOST}/t.png)", source="/d/invoice\u202egnp.md")],
        refused=False,
        backend="extractive",
        search_query="q",
    )
    exported = conversation_markdown([Turn(f"<script>x</script> ![q]({HOST}/q.png)", answer)], f"[c]({HOST}/c)")
    rendered = RENDERER.render(exported)
    assert not re.search(r"<(a|img|script)\b", rendered), rendered
    assert "\u202e" not in exported
    assert f"[Sign in again]({HOST}/phish)" in shown_text(rendered)
