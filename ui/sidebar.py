"""The sidebar: saved chats, the indexed documents (add, remove), and answering options."""

from __future__ import annotations

import hashlib
import math
from datetime import datetime
from pathlib import PurePath
from typing import get_args

import streamlit as st

from qa import (
    BACKENDS,
    SUPPORTED_SUFFIXES,
    Assistant,
    Backend,
    Conversation,
    ConversationInfo,
    ConversationStoreError,
    DocumentInfo,
    RetrievalMode,
    conversation_markdown,
    export_file_name,
    md_text,
    neutralise_bidi,
)
from ui import signin

UPLOAD_TYPES = sorted(s.lstrip(".") for s in SUPPORTED_SUFFIXES)
RECENT_CHATS = 30


def open_chat(chat_id: str | None) -> None:
    if chat_id:
        st.query_params["chat"] = chat_id
        st.session_state["chat_id"] = chat_id
    else:
        st.query_params.pop("chat", None)
        st.session_state.pop("chat_id", None)
    st.session_state.pop("editing", None)
    st.session_state.pop("unsaved_turns", None)  # answers the store could not keep belong to the chat shown


def chat_labels(chats: list[ConversationInfo]) -> dict[str, str]:
    """A distinct title per chat: a title that repeats gets a number, in the order the chats were
    started ("Who opened the office?", "Who opened the office? (2)")."""
    seen: dict[str, int] = {}
    labels = {}
    for info in sorted(chats, key=lambda c: (c.created_at, c.id)):
        seen[info.title] = seen.get(info.title, 0) + 1
        labels[info.id] = info.title if seen[info.title] == 1 else f"{info.title} ({seen[info.title]})"
    return labels


def short_date(stamp: str) -> str:
    """ "2026-11-30T18:40:12+00:00" → "30 Nov 18:40" (UTC, as stored)."""
    try:
        return datetime.fromisoformat(stamp).strftime("%d %b %H:%M")
    except ValueError:
        return stamp[:16]


def chats_section(bot: Assistant, conversation: Conversation | None) -> None:
    st.header("Chats")
    st.button(
        "New chat",
        icon=":material/add:",
        on_click=open_chat,
        args=(None,),
        disabled=conversation is None,
        use_container_width=True,
    )
    current = conversation.info.id if conversation else None
    try:
        chats = bot.conversations.list(signin.current().owner)  # only this person's
    except ConversationStoreError:
        st.caption("Saved chats cannot be shown: the chat store cannot be read (see the page).")
        chats = []
    labels = chat_labels(chats)
    query = (
        st.text_input("Search chats", key="chat_search", placeholder="Search by title", label_visibility="collapsed")
        if len(chats) > 1
        else ""
    )
    if query.strip():
        chats = [c for c in chats if query.strip().casefold() in labels[c.id].casefold()]
        if not chats:
            st.caption("No chat title holds that.")
    with st.container(key="chat-list"):  # its buttons are styled as a left-aligned list (ui/app.py)
        for info in chats[:RECENT_CHATS]:
            count = f"{info.turns} question{'s' if info.turns != 1 else ''}"
            st.button(
                f"{md_text(labels[info.id])}  \n{short_date(info.updated_at)} · {count}",
                key=f"chat-{info.id}",
                on_click=open_chat,
                args=(info.id,),
                type="primary" if info.id == current else "secondary",
                use_container_width=True,
                help=f"Open this chat (last changed {info.updated_at[:16]} UTC)",
            )
    if len(chats) > RECENT_CHATS:
        st.caption(f"and {len(chats) - RECENT_CHATS} older chats: search by title to find them")
    if conversation is None:
        return
    with st.expander("This chat"):
        # A keyed widget keeps its first value: the key follows the stored title, so the field shows
        # the title the first question gave the chat, not the "New chat" it had when first drawn.
        named = hashlib.sha1(conversation.info.title.encode()).hexdigest()[:10]
        title = st.text_input("Name", value=conversation.info.title, key=f"title-{current}-{named}")
        if st.button("Rename", key="rename", disabled=title.strip() == conversation.info.title):
            bot.conversations.rename(conversation.info.id, title)
            st.rerun()
        st.download_button(
            "Download as Markdown",
            conversation_markdown(conversation.turns, conversation.info.title),
            file_name=export_file_name(conversation.info.title, conversation.info.updated_at),
            mime="text/markdown",
            disabled=not conversation.turns,
        )
        if st.checkbox("Delete this chat", key=f"delete-check-{current}") and st.button(
            "Delete for good", type="primary", key="delete-chat"
        ):
            bot.conversations.delete(conversation.info.id)
            open_chat(None)
            st.rerun()


def documents_section(bot: Assistant, docs: list[DocumentInfo]) -> None:
    st.header("Documents")
    col1, col2 = st.columns(2)
    col1.metric("Documents", len(docs))
    col2.metric("Chunks", bot.chunk_count())
    if docs:
        st.caption(f"Last indexed {max(d.indexed_at for d in docs).replace('T', ' ')}")
        with st.expander("Indexed files"):
            for d in docs[:200]:
                st.markdown(f"- **{md_text(PurePath(d.source).name)}** — {md_text(d.title)} ({d.chunks} chunks)")
            if len(docs) > 200:
                st.caption(f"and {len(docs) - 200} more")
    if signin.may("upload"):  # hidden without the role; index_upload and Remove refuse it too
        upload_section(bot)
    if docs and signin.may("remove"):
        remove_section(bot, {d.source: neutralise_bidi(PurePath(d.source).name) for d in docs})


def remove_section(bot: Assistant, names: dict[str, str]) -> None:
    pending = st.session_state.get("confirm_remove")
    if pending in names:
        st.warning(
            f"Remove **{md_text(names[pending])}** from the index? Earlier answers keep their quotes, marked "
            "as from a removed document."
        )
        yes, no = st.columns(2)
        if yes.button("Remove", type="primary", key="remove-yes") and not signin.refusal("remove"):
            removed = bot.remove(pending)
            st.session_state.pop("confirm_remove")
            st.session_state["upload_results"] = []
            st.toast(f"Removed {md_text(names[pending])} ({removed} chunks)")
            st.rerun()
        if no.button("Cancel", key="remove-no"):
            st.session_state.pop("confirm_remove")
            st.rerun()
        return
    # ignore[arg-type]: streamlit's stub wants format_func to return str; dict.get gives None for a stale value
    choice = st.selectbox(
        "Remove a document",
        list(names),
        format_func=names.get,  # type: ignore[arg-type]
        index=None,
        placeholder="Choose a document",
        key="remove-choice",
    )
    if choice and st.button("Remove…", key="remove"):
        st.session_state["confirm_remove"] = choice
        st.rerun()


def upload_section(bot: Assistant) -> None:
    limit_mb = bot.settings.interface.max_upload_mb
    replace = st.checkbox(
        "Replace documents with the same name",
        key="replace_uploads",
        help="Off: a different file with the name of an uploaded document is kept beside it "
        "under a new name. On: it replaces that document and its chunks.",
    )
    files = st.file_uploader(
        "Add files (indexed as soon as they are dropped)",
        type=UPLOAD_TYPES,
        accept_multiple_files=True,
        key=f"uploader-{st.session_state['uploader_key']}",
        # Streamlit refuses a larger file in the browser, before it is sent.
        max_upload_size=max(1, math.floor(limit_mb)),
        help=f"Up to {limit_mb:g} MB each: {', '.join(UPLOAD_TYPES)}.",
    )
    if files:  # dropped files are indexed right away: no second step to find
        progress = st.progress(0.0, text="Indexing…")
        results = []
        for i, upload in enumerate(files):
            progress.progress(i / len(files), text=f"Indexing {md_text(upload.name)} ({i + 1} of {len(files)})")
            results.append(index_upload(bot, upload.name, upload.getvalue(), replace))
        progress.progress(1.0, text="Indexed")
        st.session_state["upload_results"] = results
        st.session_state["uploader_key"] += 1  # empty the uploader for the next batch
        st.rerun()
    upload_summary(st.session_state["upload_results"])


def upload_summary(results: list[tuple[bool, str]]) -> None:
    """One line for the last batch; each file's outcome on demand."""
    if not results:
        return
    failed = sum(1 for ok, _ in results if not ok)
    line = f"Indexed {len(results) - failed} of {len(results)} file{'s' if len(results) != 1 else ''}"
    if failed:
        st.warning(f"{line}; {failed} could not be indexed.")
    else:
        st.success(f"{line}.")
    if len(results) == 1 and not failed:
        st.caption(md_text(results[0][1]))
        return
    with st.expander("Details", expanded=bool(failed)):
        for ok, message in results:
            st.markdown(f"{'✓' if ok else '✗ **failed**'} {md_text(message)}")


def index_upload(bot: Assistant, name: str, data: bytes, replace: bool = False) -> tuple[bool, str]:
    if refused := signin.refusal("upload"):
        return False, refused
    result = bot.ingest_upload(name, data, replace=replace)
    if result.status == "failed":
        return False, f"{name}: {result.error[:1].upper()}{result.error[1:]}"
    detail = f"{result.chunks} chunks" if result.chunks else "already indexed"
    message = f"{PurePath(name).name}: {result.status} ({detail})"
    if result.renamed_from:  # another document already had this name
        message += f", kept beside the earlier one as {PurePath(result.path).name}"
    return True, message


def options_section(docs: list[DocumentInfo]) -> None:
    st.header("Answering")
    st.selectbox(
        "Answer backend",
        list(get_args(Backend)),
        key="backend",
        help=" ".join(f"{name}: {BACKENDS[name].summary}" for name in get_args(Backend)),
    )
    st.slider("Passages to retrieve (top-k)", 1, 10, key="top_k")
    st.selectbox(
        "Search",
        list(get_args(RetrievalMode)),
        key="retrieval",
        help="hybrid: meaning (embeddings) and exact words (BM25) together. dense: meaning only. "
        "keyword: exact words only.",
    )
    if docs:
        sources = {d.source: neutralise_bidi(PurePath(d.source).name) for d in docs}
        # A removed file leaves the choice; Streamlit refuses a selection that is not an option.
        st.session_state["search_files"] = [s for s in st.session_state["search_files"] if s in sources]
        # ignore[arg-type]: streamlit's stub wants format_func to return str; dict.get gives None for a stale value
        st.multiselect(
            "Search only in",
            list(sources),
            format_func=sources.get,  # type: ignore[arg-type]
            key="search_files",
            placeholder="All documents",
            help="Limit answers to the chosen files.",
        )
        st.text_input(
            "Only in sections containing",
            key="search_section",
            placeholder="Any section",
            help="Limit answers to passages whose section (a heading path such as "
            '"Install › Docker", or "slide 3") contains this text; case does not matter.',
        )


def sidebar(bot: Assistant, conversation: Conversation | None, docs: list[DocumentInfo]) -> None:
    """``docs``: the indexed files, read once per page run (a list of 10,000 files takes ~10 ms)."""
    with st.sidebar:
        chats_section(bot, conversation)
        documents_section(bot, docs)
        options_section(docs)
