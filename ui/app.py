"""Chat with your documents: the Streamlit entry point. Thin: session state, the saved
conversation from the server's store, one call into ``qa`` per question."""

from __future__ import annotations

import streamlit as st

from qa import Assistant, ConversationStoreError, QAError, md_text
from ui.answering import AnswerRun, Job
from ui.conversation import (
    COPY_LISTENER,
    empty_state,
    examples_pending,
    filter_notice,
    render_turn,
    render_unsaved,
    show_answer_run,
    start_answer,
)
from ui.resources import corpus_indexing, get_assistant, get_settings
from ui.sidebar import sidebar
from ui.signin import current, gate

STYLE = """
<style>
mark { background: #fff3a3; padding: 0 2px; border-radius: 3px; }
.refusal { border-left: 4px solid #b36b00; background: #fff8e6; color: #4a3000; padding: .6rem .9rem;
           border-radius: 4px; }
.card { font-weight: 600; font-size: .9rem; }
.removed { color: #a12622; font-weight: 600; }
.quote { font-size: .95rem; }
.doc { white-space: normal; line-height: 1.5; }
a.marker { display: inline-block; min-width: 2.2em; min-height: 1.9em; padding: .15em .35em; margin: 0 .1em;
           text-align: center; border-radius: 6px; background: #e8eefc; text-decoration: none; font-weight: 600; }
a.anchor { display: block; position: relative; top: -5rem; visibility: hidden; }
/* Each source card is a keyed container (class st-key-card-<turn>-<n>): the marker's target lies inside it. */
div[class*="st-key-card-"]:has(a.anchor:target) { outline: 3px solid #3a6ff7; outline-offset: 2px; border-radius: 8px; }
.draft, .stopped { border: 1px dashed #9aa0aa; border-radius: 6px; padding: .5rem .8rem; color: #5b616b; }
.draft-label { display: block; font-size: .8rem; font-weight: 600; color: #5b616b; margin-bottom: .2rem; }
.draft-text { font-style: italic; white-space: pre-wrap; }
.stage { color: #5b616b; font-size: .9rem; }
/* The chat list (a keyed container of our own in the sidebar): buttons read as list rows. */
.st-key-chat-list button { justify-content: flex-start; text-align: left; }
.st-key-chat-list button p { text-align: left; }
button.qa-copy { border: 1px solid #c8ccd4; background: white; border-radius: 6px; padding: .25rem .8rem;
           min-height: 2.2rem; cursor: pointer; }
</style>
"""


def init_state() -> None:
    settings = get_settings()
    st.session_state.setdefault("backend", settings.answering.backend)
    st.session_state.setdefault("top_k", settings.retrieval.top_k)
    st.session_state.setdefault("retrieval", settings.retrieval.mode)
    st.session_state.setdefault("search_files", [])
    st.session_state.setdefault("search_section", "")
    st.session_state.setdefault("upload_results", [])
    st.session_state.setdefault("uploader_key", 0)


@st.fragment(run_every=1.0)
def indexing_progress() -> None:
    """The first start's indexing, polled once a second; the page reloads when it ends."""
    job = corpus_indexing()
    if job.finished:
        st.rerun(scope="app")
    share = job.done / job.total if job.total else 0.0
    st.progress(
        share,
        text=f"Indexing the default documents: {job.done} of {job.total or '?'} files "
        f"{md_text(job.current)}. You can ask already; answers use what is indexed so far.",
    )


def chat_page() -> None:
    st.markdown(STYLE, unsafe_allow_html=True)
    try:
        bot: Assistant = get_assistant()
        indexing = corpus_indexing()
    except QAError as exc:
        st.error(f"The assistant could not start: {md_text(exc)}\n\nAfter fixing it, restart the app.")
        st.stop()
    init_state()
    run: AnswerRun | None = st.session_state.get("run")
    if run is not None and run.finished.is_set():  # stored (or refused): the store shows it from now on
        st.session_state.pop("run")
        if run.unsaved is not None:  # the chat store failed: kept on this page, marked as not saved
            st.session_state.setdefault("unsaved_turns", []).append(run.unsaved)
            st.session_state["store_error"] = run.problem  # shown once, with the store's own line
        elif run.problem:
            st.session_state["notice"] = run.problem
        run = None
    chat_id = st.query_params.get("chat") or st.session_state.get("chat_id")
    # A damaged or unreadable chat store is one line on the page; questions are still answered.
    store_error = st.session_state.pop("store_error", "")
    try:
        conversation = bot.conversations.load(chat_id, current().owner) if chat_id else None  # another's: none
    except ConversationStoreError as exc:
        conversation, store_error = None, str(exc)
    if chat_id and conversation is None and not store_error:  # deleted elsewhere, or a stale link
        st.query_params.pop("chat", None)
        st.session_state.pop("chat_id", None)
        chat_id = None
    # Disabled while an answer is written (Stop is beside the answer); "disable" covers the moment
    # between sending and the answer starting.
    question = st.chat_input(
        "Ask a question about your documents", submit_mode="disable", key="chat_box", disabled=run is not None
    )
    docs = bot.documents()
    st.title("Ask your documents")
    if indexing.error:
        st.error(md_text(indexing.error))
    elif not indexing.finished:
        indexing_progress()  # (a run_every fragment must not sit in an st.empty: it would not rerun)
    # A fixed slot: whether a notice shows or not, later elements keep their places, so nothing
    # of the previous run (example chips, an old answer) lingers beside the new one.
    notice_slot = st.empty()
    version = conversation.info.version if conversation else 0
    if store_error:
        st.error(md_text(store_error))
    job: Job | None = st.session_state.pop("job", None)
    if question and run is None:
        seen = st.session_state.get("seen")
        job = Job(question, seen_version=seen[1] if seen and seen[0] == chat_id else version)
    if job is not None and conversation is not None and job.seen_version not in (None, version):
        # Asked on a page that showed an older state of this chat: refused before any work.
        st.session_state["notice"] = (
            f"This chat changed; reload the page. {job.describe().capitalize()} was "
            f"asked on version {job.seen_version} of it; it is now at version {version} "
            f"with {len(conversation.turns)} turns."
        )
        job = None
    notice = st.session_state.pop("notice", None)
    if notice:
        with notice_slot.container():
            st.error(md_text(notice))
            st.button("Reload", icon=":material/refresh:", key="reload-chat")
    turns = conversation.turns if conversation else []
    unsaved = st.session_state.setdefault("unsaved_turns", [])
    if run is None and job is not None:
        if chat_id is None and not store_error:
            try:
                chat_id = bot.conversations.create(owner=current().owner).id
                st.query_params["chat"] = chat_id
                st.session_state["chat_id"] = chat_id
            except ConversationStoreError as exc:
                st.error(md_text(exc))
        earlier = [*turns[: job.position], *unsaved]
        history = [(t.question, t.answer.text) for t in earlier if t.answer is not None and t.answer.checked]
        run = start_answer(bot, job, chat_id or "", history)  # no chat id: the store failed, kept unsaved
    shown = turns if run is None or run.job.mode == "new" else turns[: run.job.position]
    # One slot for the welcome text and example chips, so a question replaces them at once
    # instead of leaving them on the page while it is answered.
    welcome = st.empty()
    if not turns and not unsaved and run is None:
        with welcome.container():
            pending = empty_state(bot, not indexing.finished, docs)
        if pending:  # (a run_every fragment must not sit in an st.empty: it would not rerun)
            examples_pending(bot, lambda: not indexing.finished)
    indexed = {d.source for d in docs}
    for position, turn in enumerate(shown):
        render_turn(bot, turn, position, indexed, version)
    for number, turn in enumerate(unsaved):
        render_unsaved(bot, turn, len(shown) + number, indexed)
    filter_notice()  # above the chat box, where the next question is typed
    st.html(COPY_LISTENER, unsafe_allow_javascript=True)
    st.session_state["seen"] = (chat_id, version)
    # The sidebar after the conversation: a rerun (a Stop, say) redraws the chat first.
    if run is not None and conversation is None and chat_id and not store_error:
        try:  # the chat this answer started
            conversation = bot.conversations.load(chat_id, current().owner)
        except ConversationStoreError:
            conversation = None
    sidebar(bot, conversation, docs)
    if run is not None:
        show_answer_run(run)


st.set_page_config(page_title="Document QA", page_icon="📄", layout="wide")
gate()  # every page: signed in (or the local person), else only the sign-in form
st.navigation(
    [
        st.Page(chat_page, title="Chat", icon=":material/chat:", default=True),
        st.Page("evaluate_page.py", title="Evaluate", icon=":material/analytics:", url_path="evaluate"),
    ]
).run()
