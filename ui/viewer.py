"""The source document dialog: the file's name and title, its text as the document shows it,
scrolled to the cited sentence."""

from __future__ import annotations

from pathlib import PurePath

import streamlit as st

from qa import Assistant, md_text
from ui.render import highlight

SCROLL_TO_HIGHLIGHT = """
<script>
(() => {
  let tries = 0;
  const scroll = () => {
    const mark = document.querySelector('[role="dialog"] mark#hl');
    if (mark) { mark.scrollIntoView({block: "center"}); return; }
    if (++tries < 40) setTimeout(scroll, 150);
  };
  setTimeout(scroll, 200);
})();
</script>
"""


@st.dialog("Source document", width="large")
def show_document(bot: Assistant, source: str, title: str, quote: str) -> None:
    name = PurePath(source).name
    st.markdown(f"**{md_text(name)}**" + (f" — {md_text(title)}" if title and title != name else ""))
    pages = bot.document_pages(source)
    markdown = PurePath(source).suffix.lower() in (".md", ".markdown")
    found = False
    for page, text in pages:
        if page:
            st.markdown(f"**Page {page}**")
        marked = highlight(text, quote, markdown=markdown, anchor=not found)
        found = found or "<mark" in marked
        st.markdown(
            f"<div class='doc'>\n\n{marked}\n\n</div>" if markdown else f"<div class='doc'>{marked}</div>",
            unsafe_allow_html=True,
        )
    if found:
        st.html(SCROLL_TO_HIGHLIGHT, unsafe_allow_javascript=True)
    else:
        st.caption("The cited passage is no longer in this file as it reads now.")
