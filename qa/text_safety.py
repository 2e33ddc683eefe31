"""Text from documents and people shown as text: the one place that escapes it for a page or
a Markdown export.

Streamlit renders Markdown (GitHub-flavoured, with bare-URL autolinks) in st.markdown, captions,
alerts, toasts, progress text, expander and button labels. A document title holding
``![t](http://host/x.png)`` would make every visitor's browser fetch that URL, and
``[Sign in again](http://host/phish)`` would be a link to another host. So every piece of
untrusted text passes through one of these functions before it reaches a renderer:

- ``md_text``: for Markdown contexts (and Markdown exports). Backslash-escapes what can start
  markup, and breaks autolink literals (``http://``, ``www.``, e-mail addresses).
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
# GFM autolink literals: a scheme's "://", "www.", and the "@" of an e-mail address.
_AUTOLINK_SCHEME = re.compile(r":(?=//)")
_AUTOLINK_WWW = re.compile(r"(?i)(?<![\w.])(www)\.")
# HTML contexts: every character HTML or Markdown could read as structure or a link, as a
# numeric character reference (one pass, so no reference is escaped twice).
_HTML_TABLE = {ord(c): f"&#{ord(c)};" for c in "&<>\"'\\`*_[]!#|~$:@{}"}


def neutralise_bidi(text: str) -> str:
    """``text`` without bidirectional control characters (they only reorder the display)."""
    return _BIDI.sub("", text)


def md_text(text: object) -> str:
    """``text`` for a Markdown renderer, shown literally: no link, image, HTML or formatting."""
    value = neutralise_bidi(str(text))
    value = _MD_SPECIAL.sub(r"\\\1", value)
    value = _AUTOLINK_SCHEME.sub(r"\\:", value)
    value = _AUTOLINK_WWW.sub(r"\1\\.", value)
    return value.replace("@", "\\@")


def html_text(text: object) -> str:
    """``text`` for an HTML context (which Markdown may parse again), shown literally."""
    return _AUTOLINK_WWW.sub(r"\1&#46;", neutralise_bidi(str(text)).translate(_HTML_TABLE))


def md_document(text: str) -> str:
    """A Markdown document's source for a Markdown renderer: headings, lists, emphasis, code and
    tables keep their formatting; raw HTML is shown as text; no link or image forms (``[`` and
    ``]`` are references, autolink literals broken), so nothing is fetched and nothing is clickable."""
    value = html.escape(neutralise_bidi(text), quote=False)
    value = value.replace("[", "&#91;").replace("]", "&#93;").replace("@", "&#64;")
    value = _AUTOLINK_SCHEME.sub("&#58;", value)
    return _AUTOLINK_WWW.sub(r"\1&#46;", value)
