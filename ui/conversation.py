"""The conversation: earlier turns as they were given (from the server's store), their
actions (copy, regenerate, edit), and asking a new question with its progress states."""

from __future__ import annotations

import html
import logging
import threading
from dataclasses import dataclass

import streamlit as st

from qa import (
    Answer,
    AskOptions,
    Assistant,
    BackendUnavailable,
    ChromaUnavailable,
    ConversationStoreError,
    DocumentInfo,
    QAError,
    Retrieved,
    SearchFilter,
    Turn,
    html_text,
    md_text,
)
from ui.render import card_label, highlight, linked_markers
from ui.viewer import show_document

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """A question to answer now: new (appended), regenerate (replaces turn ``position``) or
    edit (drops turn ``position`` and what follows, then asks)."""

    question: str
    mode: str = "new"
    position: int | None = None


def current_options() -> AskOptions:
    files = tuple(st.session_state["search_files"])
    return AskOptions(backend=st.session_state["backend"], top_k=st.session_state["top_k"],
                      retrieval=st.session_state["retrieval"], filters=SearchFilter(sources=files) if files else None)


def user_message(exc: Exception) -> str:
    """One capitalised line that says what happened and what to do, without class names."""
    text = str(exc).strip() or "No details were given."
    text = text[0].upper() + text[1:]
    if isinstance(exc, BackendUnavailable) and not isinstance(exc, ChromaUnavailable):
        # A model backend that cannot answer: another one may (the sidebar offers them).
        return text + ("" if "backend" in text else " Choose another answer backend in the sidebar if this "
                       "one cannot start.")
    if isinstance(exc, QAError):  # the message already says what to do (Chroma, index, settings)
        return text
    return f"Something went wrong while answering: {text} The details are in the server log."


def copy_button(text: str, key: str) -> None:
    """A button that copies ``text`` to the clipboard (one page-wide listener handles them all).
    st.html is not Markdown: an escaped attribute is enough, and the copy keeps the text as is."""
    st.html(f"<button class='qa-copy' type='button' data-text='{html.escape(text, quote=True)}' "
            f"title='Copy answer {key} to the clipboard'>Copy</button>")


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
setTimeout(() => {
  const box = document.querySelector('textarea[data-testid="stChatInputTextArea"]');
  if (box && !box.disabled && document.activeElement === document.body) box.focus();
}, 300);
</script>
"""


def render_answer(bot: Assistant, answer: Answer, turn: int, indexed: set[str]) -> None:
    if answer.refused:
        st.markdown(f"<div class='refusal' role='status'><b>Not in the documents.</b> {html_text(answer.text)}</div>",
                    unsafe_allow_html=True)
        st.caption(f"Searched for: “{md_text(answer.search_query)}”")
        return
    if answer.stopped:
        st.caption("Stopped by you: the answer rests on what was written until then.")
    st.markdown(f"<div class='answer'>{linked_markers(answer, f'src-{turn}')}</div>", unsafe_allow_html=True)
    if answer.search_query != answer.question:
        st.caption(f"Searched for: “{md_text(answer.search_query)}”")
    for c in answer.citations:
        removed = c.source not in indexed
        with st.container(border=True):
            gone = " · <span class='removed'>document removed</span>" if removed else ""
            st.markdown(f"<a class='anchor' id='src-{turn}-{c.number}'></a><span class='card'>"
                        f"{html_text(card_label(c))}{gone}</span>", unsafe_allow_html=True)
            # A short answer is marked inside the sentence it was cut from; a sentence answer is the quote.
            st.markdown(f"<div class='quote'>{highlight(c.quote, c.highlight or c.quote)}</div>", unsafe_allow_html=True)
            with st.expander("Full passage"):
                st.markdown(highlight(c.passage, c.quote), unsafe_allow_html=True)
            if not removed and st.button("View document", key=f"view-{turn}-{c.number}", icon=":material/article:"):
                show_document(bot, c.source, c.title, c.quote)
    total = answer.timings.get("total_s")
    if total is not None:
        st.caption(f"{answer.backend} · {total:.2f} s")


def render_turn(bot: Assistant, turn: Turn, position: int, indexed: set[str]) -> None:
    with st.chat_message("user"):
        if st.session_state.get("editing") == position:
            edit_form(turn, position)
        else:
            st.markdown(md_text(turn.question))
            st.button("Edit", key=f"edit-{position}", type="tertiary", icon=":material/edit:",
                      on_click=st.session_state.__setitem__, args=("editing", position),
                      help="Change this question and ask it again")
    with st.chat_message("assistant"):
        if turn.answer is not None:
            render_answer(bot, turn.answer, position, indexed)
        else:
            st.error(md_text(turn.error))
        left, right, _ = st.columns([1, 2, 5])
        with left:
            if turn.answer is not None:
                copy_button(turn.answer.text, str(position + 1))
        right.button("Regenerate", key=f"regenerate-{position}", type="tertiary", icon=":material/refresh:",
                     on_click=st.session_state.__setitem__, args=("job", Job(turn.question, "regenerate", position)))


def edit_form(turn: Turn, position: int) -> None:
    with st.form(f"edit-form-{position}", border=False):
        text = st.text_area("Edit the question", value=turn.question, key=f"edit-text-{position}")
        send, cancel = st.columns([1, 1])
        if send.form_submit_button("Send", type="primary") and text.strip():
            st.session_state["job"] = Job(text.strip(), "edit", position)
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
        st.caption("Not saved: the chat store could not be written (see the message above). "
                   "It stays on this page until you open another chat.")


def answer_now(bot: Assistant, job: Job, chat_id: str | None, history: list[tuple[str, str]]) -> None:
    """Stream the answer with its stage shown, then keep the turn in the store. A Stop (the
    chat box's stop button ends this script run) closes the generation and keeps what was
    written, marked as stopped and unchecked."""
    st.chat_message("user").markdown(md_text(job.question))
    options = current_options()
    generative = bot.backend(options.backend).generative
    draft: list[str] = []
    final: list[Answer] = []
    error = ""
    events = bot.stream(job.question, history, options)
    answering = st.session_state["answering"] = threading.Event()
    with st.chat_message("assistant"):
        status = st.status("Searching the documents…", expanded=False)
        shown = st.empty()
        try:
            for event in events:
                if isinstance(event, Retrieved):
                    status.update(label="Writing the answer…" if generative else "Choosing the sentences that answer…")
                elif isinstance(event, str):
                    draft.append(event)
                    shown.markdown(md_text("".join(draft)) + " ▌")
                else:
                    status.update(label="Checking the answer against the documents…")
                    final.append(event)
            status.update(label="Done", state="complete")
        except QAError as exc:
            error = user_message(exc)
        except Exception as exc:  # shown to the user in words; the traceback goes to the log
            log.exception("answering failed")
            error = user_message(exc)
        finally:
            events.close()  # a Stop lands here: the generation ends and the model is free again
            if final:
                turn = Turn(job.question, final[0])
            elif error:
                turn = Turn(job.question, error=error)
            else:
                written = "".join(draft).strip()
                turn = Turn(job.question, error="Stopped before the answer was finished."
                            + (f" What was written so far, not checked against the documents: “{written}”"
                               if written else ""))
            try:
                if chat_id is None:  # the store could not even start a chat
                    raise ConversationStoreError("")
                save_turn(bot, chat_id, job, turn)
            except ConversationStoreError as exc:
                st.session_state.setdefault("unsaved_turns", []).append(turn)
                if str(exc):
                    st.session_state["store_error"] = str(exc)
            answering.set()
    st.rerun()


def save_turn(bot: Assistant, chat_id: str, job: Job, turn: Turn) -> None:
    if job.mode == "regenerate" and job.position is not None:
        bot.conversations.replace(chat_id, job.position, turn)
        return
    if job.mode == "edit" and job.position is not None:
        bot.conversations.truncate(chat_id, job.position)
    bot.conversations.append(chat_id, turn)


def empty_state(bot: Assistant, indexing: bool, docs: list[DocumentInfo]) -> None:
    if not docs:
        if not indexing:
            st.info("No documents are indexed yet. Add files with **Add files** in the sidebar "
                    "(or run `python -m qa ingest PATH`), then ask about them here.")
        return
    st.markdown("Ask anything about the indexed documents: every answer cites the passages it rests on, "
                "and says so when the documents do not hold the answer.")
    examples = bot.example_questions(documents=docs)
    if examples:
        st.caption("Try one of these:")
        for number, example in enumerate(examples):
            st.button(md_text(example), key=f"example-{number}", icon=":material/help:",
                      on_click=st.session_state.__setitem__, args=("job", Job(example)))
