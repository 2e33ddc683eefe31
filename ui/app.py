"""Chat with your documents: the Streamlit entry point. Thin: session state, the saved
conversation from the server's store, one call into ``qa`` per question."""

from __future__ import annotations

import streamlit as st

from qa import Assistant, ConversationStoreError, QAError, md_text
from ui.conversation import COPY_LISTENER, Job, answer_now, empty_state, render_turn, render_unsaved
from ui.resources import corpus_indexing, get_assistant, get_settings
from ui.sidebar import sidebar

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
div[data-testid="stVerticalBlockBorderWrapper"]:has(a.anchor:target) { outline: 3px solid #3a6ff7;
           border-radius: 8px; }
button.qa-copy { border: 1px solid #c8ccd4; background: white; border-radius: 6px; padding: .25rem .8rem;
           min-height: 2.2rem; cursor: pointer; }
</style>
"""


def init_state() -> None:
    settings = get_settings()
    st.session_state.setdefault("backend", settings.backend)
    st.session_state.setdefault("top_k", settings.top_k)
    st.session_state.setdefault("retrieval", settings.retrieval)
    st.session_state.setdefault("search_files", [])
    st.session_state.setdefault("upload_results", [])
    st.session_state.setdefault("uploader_key", 0)


@st.fragment(run_every=1.0)
def indexing_progress() -> None:
    """The first start's indexing, polled once a second; the page reloads when it ends."""
    job = corpus_indexing()
    if job.finished:
        st.rerun(scope="app")
    share = job.done / job.total if job.total else 0.0
    st.progress(share, text=f"Indexing the default documents: {job.done} of {job.total or '?'} files "
                f"{md_text(job.current)}. You can ask already; answers use what is indexed so far.")


def finish_stopped_answer() -> None:
    """After a Stop, the stopped run ends at the model's next token and keeps what was written;
    a run that starts meanwhile waits for that, so the kept turn shows."""
    answering = st.session_state.get("answering")
    if answering is not None and not answering.is_set():
        with st.spinner("Stopping the answer…"):
            answering.wait(timeout=30)


def chat_page() -> None:
    st.markdown(STYLE, unsafe_allow_html=True)
    try:
        bot: Assistant = get_assistant()
        indexing = corpus_indexing()
    except QAError as exc:
        st.error(f"The assistant could not start: {md_text(exc)}\n\nAfter fixing it, restart the app.")
        st.stop()
    init_state()
    finish_stopped_answer()
    chat_id = st.query_params.get("chat") or st.session_state.get("chat_id")
    # A damaged or unreadable chat store is one line on the page; questions are still answered.
    store_error = st.session_state.pop("store_error", "")
    try:
        conversation = bot.conversations.load(chat_id) if chat_id else None
    except ConversationStoreError as exc:
        conversation, store_error = None, str(exc)
    if chat_id and conversation is None and not store_error:  # deleted elsewhere, or a stale link
        st.query_params.pop("chat", None)
        st.session_state.pop("chat_id", None)
        chat_id = None
    question = st.chat_input("Ask a question about your documents", submit_mode="stop", key="chat_box")
    docs = bot.documents()
    sidebar(bot, conversation, docs)
    st.title("Ask your documents")
    if indexing.error:
        st.error(md_text(indexing.error))
    elif not indexing.finished:
        indexing_progress()
    if store_error:
        st.error(md_text(store_error))
    job: Job | None = st.session_state.pop("job", None)
    if question:
        job = Job(question)
    turns = conversation.turns if conversation else []
    unsaved = st.session_state.setdefault("unsaved_turns", [])
    shown = turns if job is None or job.mode == "new" else turns[:job.position]
    if not turns and not unsaved and job is None:
        empty_state(bot, not indexing.finished, docs)
    indexed = {d.source for d in docs}
    for position, turn in enumerate(shown):
        render_turn(bot, turn, position, indexed)
    for number, turn in enumerate(unsaved):
        render_unsaved(bot, turn, len(shown) + number, indexed)
    st.html(COPY_LISTENER, unsafe_allow_javascript=True)
    if job is not None:
        if chat_id is None and not store_error:
            try:
                chat_id = bot.conversations.create().id
                st.query_params["chat"] = chat_id
                st.session_state["chat_id"] = chat_id
            except ConversationStoreError as exc:
                st.error(md_text(exc))
        earlier = [*shown[:job.position], *unsaved]
        history = [(t.question, t.answer.text) for t in earlier if t.answer is not None]
        answer_now(bot, job, chat_id, history)


st.set_page_config(page_title="Document QA", page_icon="📄", layout="wide")
st.navigation([
    st.Page(chat_page, title="Chat", icon=":material/chat:", default=True),
    st.Page("evaluate_page.py", title="Evaluate", icon=":material/analytics:", url_path="evaluate"),
]).run()
