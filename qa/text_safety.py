"""Text from documents and people shown as text: the one place that escapes it for a page or
a Markdown export.

Streamlit renders Markdown (GitHub-flavoured, with bare-URL autolinks) in st.markdown, captions,
alerts, toasts, progress text, expander and button labels. A document title holding
``![t](http://host/x.png)`` would make every visitor's browser fetch that URL, and
``[Sign in again](http://host/phish)`` would be a link to another host. So every piece of
untrusted text passes through one of these functions before it reaches a renderer:

- ``md_text``: for Markdown contexts (and Markdown exports). Backslash-escapes what can start
  markup; autolink literals (``http://``, ``www.``, e-mail addresses) get an invisible word joiner.
- ``html_text``: for HTML contexts (st.html, st.markdown with unsafe_allow_html). HTML-escapes,
  and writes Markdown punctuation as numeric character references, which a Markdown parser
  never reads as structure (so text in an HTML block that Markdown parses again stays text).
- ``md_document``: a .md file shown with its formatting on purpose: raw HTML escaped, and link,
  image and autolink syntax neutralised, so links are inert text and no image loads.

Each also neutralises bidirectional control characters, so "invoice\u202egnp.md" cannot pose
as "invoice…md.png".
"""

from __future__ import annotations

import html
import re

# Embeddings, overrides, isolates (U+202A-202E, U+2066-2069) and the marks U+200E/U+200F: they
# reorder how the characters around them are displayed.
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"
_BIDI = re.compile(f"[{BIDI_CONTROLS}]")

# What can start Markdown (CommonMark and GFM) or Streamlit's own extensions (:color[...], $math$).
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>!#|~$&{}()])")
# HTML contexts: every character HTML or Markdown could read as structure or a link, as a
# numeric character reference (one pass, so no reference is escaped twice).
_HTML_TABLE = {ord(c): f"&#{ord(c)};" for c in "&<>\"'\\`*_[]!#|~$:@{}"}
# GFM autolink literals ("http://…", "www.…", "a@b.org") are found in the parsed text, after
# escapes and character references are decoded, so neither stops them. An invisible word
# joiner (U+2060) inside the trigger does: the text reads the same and is no longer a URL.
WORD_JOINER = "\u2060"
_AUTOLINK = re.compile(r"(?i):(?=//)|www(?=\.)|@")  # any "www.": "_www." links too


def break_autolinks(text: str) -> str:
    """``text`` with a word joiner after each "scheme:", "www" and "@", so no renderer links it."""
    return _AUTOLINK.sub(lambda m: m.group(0) + WORD_JOINER, text)


def neutralise_bidi(text: str) -> str:
    """``text`` without bidirectional control characters (they only reorder the display)."""
    return _BIDI.sub("", text)


def md_text(text: object) -> str:
    """``text`` for a Markdown renderer, shown literally: no link, image, HTML or formatting."""
    return _MD_SPECIAL.sub(r"\\\1", break_autolinks(neutralise_bidi(str(text))))


def html_text(text: object) -> str:
    """``text`` for an HTML context (which Markdown may parse again), shown literally."""
    return break_autolinks(neutralise_bidi(str(text))).translate(_HTML_TABLE)


def md_document(text: str) -> str:
    """A Markdown document's source for a Markdown renderer: headings, lists, emphasis, code and
    tables keep their formatting; raw HTML is shown as text; no link or image forms (``[`` and
    ``]`` are references, autolink literals broken), so nothing is fetched and nothing is clickable."""
    value = html.escape(break_autolinks(neutralise_bidi(text)), quote=False)
    return value.replace("[", "&#91;").replace("]", "&#93;")
