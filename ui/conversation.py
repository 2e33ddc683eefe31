"""The conversation: earlier turns as they were given (from the server's store), their
actions (copy, regenerate, edit), and asking a new question with its progress states."""

from __future__ import annotations

import html
import logging
import time
from collections.abc import Callable
from pathlib import PurePath

import streamlit as st

from qa import (
    Answer,
    AskOptions,
    Assistant,
    BackendUnavailable,
    ChromaUnavailable,
    DocumentInfo,
    QAError,
    SearchFilter,
    Turn,
    html_text,
    md_text,
)
from ui.answering import AnswerRun, Job
from ui.render import card_label, highlight, linked_markers
from ui.viewer import show_document

log = logging.getLogger(__name__)


def current_options() -> AskOptions:
    search = SearchFilter(
        sources=tuple(st.session_state["search_files"]), section=st.session_state.get("search_section", "").strip()
    )
    return AskOptions(
        backend=st.session_state["backend"],
        top_k=st.session_state["top_k"],
        retrieval=st.session_state["retrieval"],
        filters=search if search.active else None,
    )


def clear_filters() -> None:
    st.session_state["search_files"] = []
    st.session_state["search_section"] = ""


def filter_notice() -> None:
    """While the sidebar limits the search, say so beside the conversation: a refusal that only
    says "not in the documents" otherwise reads as if every document had been searched."""
    files = [PurePath(s).name for s in st.session_state.get("search_files", [])]
    section = st.session_state.get("search_section", "").strip()
    if not files and not section:
        return
    parts = []
    if files:
        parts.append("only in " + ", ".join(f"**{md_text(name)}**" for name in files))
    if section:
        parts.append(f"only in sections containing “{md_text(section)}”")
    with st.container(key="filter-notice"):
        st.caption(f"Searching {' and '.join(parts)} (set under Answering in the sidebar).")
        st.button(
            "Search all documents",
            key="clear-filters",
            type="tertiary",
            icon=":material/filter_alt_off:",
            on_click=clear_filters,
        )


def user_message(exc: Exception) -> str:
    """One capitalised line that says what happened and what to do, without class names."""
    text = str(exc).strip() or "No details were given."
    text = text[0].upper() + text[1:]
    if isinstance(exc, BackendUnavailable) and not isinstance(exc, ChromaUnavailable):
        # A model backend that cannot answer: another one may (the sidebar offers them).
        return text + (
            "" if "backend" in text else " Choose another answer backend in the sidebar if this one cannot start."
        )
    if isinstance(exc, QAError):  # the message already says what to do (Chroma, index, settings)
        return text
    return f"Something went wrong while answering: {text} The details are in the server log."


def copy_button(text: str, key: str) -> None:
    """A button that copies ``text`` to the clipboard (one page-wide listener handles them all).
    st.html is not Markdown: an escaped attribute is enough, and the copy keeps the text as is."""
    st.html(
        f"<button class='qa-copy' type='button' data-text='{html.escape(text, quote=True)}' "
        f"title='Copy answer {key} to the clipboard'>Copy</button>"
    )


COPY_LISTENER = """
<script>
if (!window.qaCopyListener) {
  window.qaCopyListener = true;
  document.addEventListener("click", (event) => {
    const button = event.target.closest(".qa-copy");
    if (!button) return;
    navigator.clipboard.writeText(button.dataset.text).then(
      () => { button.textContent = "Copied"; setTimeout(() => button.textContent = "Copy", 1500); },
      () => { button.textContent = "Copy failed"; });
  }, true);
}
// Focus the chat box once it is there and enabled, so typing can start at once. On a busy
// machine it can appear (or be enabled) seconds after this script runs: try for up to 30 s,
// and stop as soon as it has focus or the person has put focus anywhere else.
if (!window.qaFocusChatBox) {
  window.qaFocusChatBox = true;
  const started = Date.now();
  const timer = setInterval(() => {
    const focused = document.activeElement;
    if ((focused && focused !== document.body) || Date.now() - started > 30000) {
      clearInterval(timer);  // the box has focus, or the person chose something else, or time is up
      return;
    }
    const box = document.querySelector('textarea[data-testid="stChatInputTextArea"]');
    if (box && !box.disabled) box.focus();
  }, 300);
}
</script>
"""


def render_answer(bot: Assistant, answer: Answer, turn: int, indexed: set[str], ask_alone: Job | None = None) -> None:
    if not answer.checked:  # stopped: the draft as it stood, never checked, kept exactly as shown then
        text = html_text(answer.text) if answer.text else "<i>Nothing was written before the stop.</i>"
        st.markdown(
            f"<div class='stopped' role='status'><span class='draft-label'>Stopped by you · not checked "
            f"against the documents</span><div class='draft-text'>{text}</div></div>",
            unsafe_allow_html=True,
        )
        return
    if answer.refused:
        st.markdown(
            f"<div class='refusal' role='status'><b>Not in the documents.</b> {html_text(answer.text)}</div>",
            unsafe_allow_html=True,
        )
        searched(answer, turn, ask_alone)
        return
    if answer.stopped:
        st.caption("Stopped by you: the answer rests on what was written until then.")
    st.markdown(f"<div class='answer'>{linked_markers(answer, f'src-{turn}')}</div>", unsafe_allow_html=True)
    searched(answer, turn, ask_alone)
    for c in answer.citations:
        removed = c.source not in indexed
        # The keyed container is the card's own stable anchor: st-key-card-<turn>-<n> (Streamlit's
        # documented class for a keyed container), outlined while its marker's target is active.
        with st.container(border=True, key=f"card-{turn}-{c.number}"):
            gone = " · <span class='removed'>document removed</span>" if removed else ""
            st.markdown(
                f"<a class='anchor' id='src-{turn}-{c.number}'></a><span class='card'>"
                f"{html_text(card_label(c))}{gone}</span>",
                unsafe_allow_html=True,
            )
            # A short answer is marked inside the sentence it was cut from; a sentence answer is the quote.
            st.markdown(
                f"<div class='quote'>{highlight(c.quote, c.highlight or c.quote)}</div>", unsafe_allow_html=True
            )
            with st.expander("Full passage"):
                st.markdown(highlight(c.passage, c.quote), unsafe_allow_html=True)
            if not removed and st.button("View document", key=f"view-{turn}-{c.number}", icon=":material/article:"):
                show_document(bot, c.source, c.title, c.quote)
    total = answer.timings.get("total_s")
    if total is not None:
        st.caption(f"{answer.backend} · {total:.2f} s")


def searched(answer: Answer, turn: int, ask_alone: Job | None) -> None:
    """Say plainly when earlier turns went into the search (the question itself is unchanged),
    and offer to ask it again on its own."""
    if answer.search_query == answer.question:
        if answer.refused:
            st.caption(f"Searched the documents for your question: “{md_text(answer.question)}”")
        return
    st.caption(
        f"Your question seemed to refer to an earlier one, so the earlier turns were used: the documents "
        f"were searched for “{md_text(answer.search_query)}”."
    )
    if ask_alone is not None:
        st.button(
            "Ask again without the earlier turns",
            key=f"alone-{turn}",
            type="tertiary",
            icon=":material/filter_alt_off:",
            on_click=st.session_state.__setitem__,
            args=("job", ask_alone),
        )


def render_turn(bot: Assistant, turn: Turn, position: int, indexed: set[str], version: int) -> None:
    with st.chat_message("user"):
        if st.session_state.get("editing") == position:
            edit_form(turn, position, version)
        else:
            st.markdown(md_text(turn.question))
            st.button(
                "Edit",
                key=f"edit-{position}",
                type="tertiary",
                icon=":material/edit:",
                on_click=st.session_state.__setitem__,
                args=("editing", position),
                help="Change this question and ask it again",
            )
    with st.chat_message("assistant"):
        if turn.answer is not None:
            alone = Job(turn.question, "regenerate", position, version, alone=True)
            render_answer(bot, turn.answer, position, indexed, alone)
        else:
            st.error(md_text(turn.error))
        left, right, _ = st.columns([1, 2, 5])
        with left:
            if turn.answer is not None and turn.answer.checked:
                copy_button(turn.answer.text, str(position + 1))
        right.button(
            "Regenerate",
            key=f"regenerate-{position}",
            type="tertiary",
            icon=":material/refresh:",
            on_click=st.session_state.__setitem__,
            args=("job", Job(turn.question, "regenerate", position, version)),
        )


def edit_form(turn: Turn, position: int, version: int) -> None:
    with st.form(f"edit-form-{position}", border=False):
        text = st.text_area("Edit the question", value=turn.question, key=f"edit-text-{position}")
        send, cancel = st.columns([1, 1])
        if send.form_submit_button("Send", type="primary") and text.strip():
            st.session_state["job"] = Job(text.strip(), "edit", position, version)
            st.session_state.pop("editing", None)
            st.rerun()
        if cancel.form_submit_button("Cancel"):
            st.session_state.pop("editing", None)
            st.rerun()


def render_unsaved(bot: Assistant, turn: Turn, position: int, indexed: set[str]) -> None:
    """A turn the chat store could not keep: shown for this session, marked as not saved."""
    with st.chat_message("user"):
        st.markdown(md_text(turn.question))
    with st.chat_message("assistant"):
        if turn.answer is not None:
            render_answer(bot, turn.answer, position, indexed)
        else:
            st.error(md_text(turn.error))
        st.caption(
            "Not saved: the chat store could not be written (see the message above). "
            "It stays on this page until you open another chat."
        )


def start_answer(bot: Assistant, job: Job, chat_id: str, history: list[tuple[str, str]]) -> AnswerRun:
    options = current_options()
    run = AnswerRun(job, chat_id, options.backend or bot.settings.answering.backend)
    run.start(bot, [] if job.alone else history, options, user_message)
    st.session_state["run"] = run
    return run


def stop_answer() -> None:
    """The Stop button's callback: runs first in the next script run, so that run already shows
    the stopped turn as stored (no spinner left behind)."""
    from ui.resources import get_assistant

    run: AnswerRun | None = st.session_state.get("run")
    if run is not None:
        run.stop(get_assistant())


DRAFT = (
    "<div class='draft' role='status'><span class='draft-label'>Draft · not yet checked against the documents; "
    "the checked answer replaces it</span><div class='draft-text'>{text} ▌</div></div>"
)


def show_answer_run(run: AnswerRun) -> None:
    """The question being answered: its stage (with the time so far), the model's draft marked
    as a draft, and Stop. Polls the run until its turn is stored, then shows the stored chat."""
    st.chat_message("user").markdown(md_text(run.job.question))
    with st.chat_message("assistant"):
        stage = st.empty()
        body = st.empty()
        st.button(
            "Stop",
            key="stop-answer",
            icon=":material/stop_circle:",
            on_click=stop_answer,
            help="Stop the answer here; what was written so far is kept, marked as not checked",
        )
        started, shown = time.monotonic(), None
        while not run.finished.wait(0.15):
            # Each element call is also where Streamlit takes a Stop click (a rerun) into account.
            stage.markdown(
                f"<span class='stage'>{html_text(run.stage)} {time.monotonic() - started:.0f} s</span>",
                unsafe_allow_html=True,
            )
            if run.draft != shown:
                shown = run.draft
                body.markdown(DRAFT.format(text=html_text(shown)), unsafe_allow_html=True)
    st.rerun()


def empty_state(bot: Assistant, indexing: bool, docs: list[DocumentInfo]) -> bool:
    """The welcome text and, once found, example questions; returns whether they are still
    being found (the caller then polls, outside this page's slots)."""
    if not docs:
        if not indexing:
            st.info(
                "No documents are indexed yet. Add files with **Add files** in the sidebar "
                "(or run `python -m qa ingest PATH`), then ask about them here."
            )
        return False
    st.markdown(
        "Ask anything about the indexed documents: every answer cites the passages it rests on, "
        "and says so when the documents do not hold the answer."
    )
    if indexing:  # examples of a half-built index would be found again when it is complete:
        return True  # polled until the indexing ends, then found
    # Never waits: the examples are found (and checked by asking them) in the background.
    examples = bot.example_questions(wait=0)
    if examples:
        st.caption("Try one of these:")
        for number, example in enumerate(examples):
            st.button(
                md_text(example.question),
                key=f"example-{number}",
                icon=":material/help:",
                help=f"From {md_text(example.file_name)}",
                on_click=st.session_state.__setitem__,
                args=("job", Job(example.question)),
            )
    return examples is None


@st.fragment(run_every=1.0)
def examples_pending(bot: Assistant, indexing: Callable[[], bool]) -> None:
    """Polls until the first start's indexing has ended and the example questions are found,
    then redraws the page with them."""
    if not indexing() and bot.example_questions(wait=0) is not None:
        st.rerun(scope="app")
