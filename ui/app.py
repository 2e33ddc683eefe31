"""Chat with your documents: Streamlit page. Thin: session state, chat input, one call into
``qa``, then render the answer and its sources."""

from __future__ import annotations

import streamlit as st

from qa import Answer, AskOptions, Assistant, BackendUnavailable, QAError, SearchFilter
from qa.export import conversation_markdown
from ui.render import card_label, highlight, linked_markers
from ui.resources import get_assistant, get_settings

BACKENDS = ["extractive", "local", "openai"]
UPLOAD_TYPES = ["txt", "md", "pdf", "docx", "html", "htm"]


def init_state() -> None:
    settings = get_settings()
    st.session_state.setdefault("answers", [])
    st.session_state.setdefault("backend", settings.backend)
    st.session_state.setdefault("top_k", settings.top_k)
    st.session_state.setdefault("retrieval", settings.retrieval)
    st.session_state.setdefault("search_files", [])
    st.session_state.setdefault("upload_results", [])
    st.session_state.setdefault("uploader_key", 0)


def current_options() -> AskOptions:
    files = tuple(st.session_state["search_files"])
    return AskOptions(backend=st.session_state["backend"], top_k=st.session_state["top_k"],
                      retrieval=st.session_state["retrieval"], filters=SearchFilter(sources=files) if files else None)


# --- sidebar ----------------------------------------------------------------------------------
def sidebar(bot: Assistant) -> None:
    with st.sidebar:
        st.header("Documents")
        docs = bot.documents()
        col1, col2 = st.columns(2)
        col1.metric("Documents", len(docs))
        col2.metric("Chunks", bot.chunk_count())
        if docs:
            st.caption(f"Last indexed {max(d.indexed_at for d in docs).replace('T', ' ')}")
            with st.expander("Indexed files"):
                for d in docs:
                    st.markdown(f"- **{d.source.rsplit('/', 1)[-1]}** — {d.title} ({d.chunks} chunks)")
        upload_section(bot)
        if docs:
            names = {d.source: d.source.rsplit("/", 1)[-1] for d in docs}
            to_remove = st.selectbox("Remove a document", list(names), format_func=names.get, index=None,
                                     placeholder="Choose a document")
            if to_remove and st.button("Remove", key="remove"):
                removed = bot.remove(to_remove)
                st.toast(f"Removed {names[to_remove]} ({removed} chunks)")
                st.rerun()

        st.header("Answering")
        st.selectbox("Answer backend", BACKENDS, key="backend",
                     help="extractive: quotes the best sentences. local: Gemma 3 270M on this CPU. "
                          "openai: an OpenAI-compatible server (QA_OPENAI_BASE_URL).")
        st.slider("Passages to retrieve (top-k)", 1, 10, key="top_k")
        st.selectbox("Search", ["hybrid", "dense", "keyword"], key="retrieval",
                     help="hybrid: meaning (embeddings) and exact words (BM25) together. dense: meaning only. "
                          "keyword: exact words only.")
        if docs:
            sources = {d.source: d.source.rsplit("/", 1)[-1] for d in docs}
            # A removed file leaves the choice; Streamlit refuses a selection that is not an option.
            st.session_state["search_files"] = [s for s in st.session_state["search_files"] if s in sources]
            st.multiselect("Search only in", list(sources), format_func=sources.get, key="search_files",
                           placeholder="All documents", help="Limit answers to the chosen files.")

        st.header("Conversation")
        answers: list[Answer] = st.session_state["answers"]
        if st.button("Clear chat", disabled=not answers):
            st.session_state["answers"] = []
            st.rerun()
        st.download_button("Download as Markdown", conversation_markdown(answers), file_name="conversation.md",
                           mime="text/markdown", disabled=not answers)


def upload_section(bot: Assistant) -> None:
    files = st.file_uploader("Add files", type=UPLOAD_TYPES, accept_multiple_files=True,
                             key=f"uploader-{st.session_state['uploader_key']}",
                             help=f"Up to {bot.settings.max_upload_mb:g} MB each.")
    if files and st.button("Index uploaded files", type="primary"):
        progress = st.progress(0.0, text="Indexing…")
        results = []
        for i, upload in enumerate(files):
            progress.progress(i / len(files), text=f"Indexing {upload.name} ({i + 1}/{len(files)})")
            results.append(index_upload(bot, upload.name, upload.getvalue()))
        progress.progress(1.0, text="Done")
        st.session_state["upload_results"] = results
        st.session_state["uploader_key"] += 1  # empty the uploader for the next batch
        st.rerun()
    for ok, message in st.session_state["upload_results"]:
        (st.success if ok else st.error)(message)


def index_upload(bot: Assistant, name: str, data: bytes) -> tuple[bool, str]:
    result = bot.ingest_upload(name, data)
    if result.status == "failed":
        return False, f"{name}: {result.error}"
    detail = f"{result.chunks} chunks" if result.chunks else "already indexed"
    return True, f"{name.rsplit('/', 1)[-1]}: {result.status} ({detail})"


# --- answers --------------------------------------------------------------------------------------
@st.dialog("Source document", width="large")
def show_document(source: str, quote: str) -> None:
    st.caption(source)
    for page, text in get_assistant().document_pages(source):
        if page:
            st.markdown(f"**Page {page}**")
        st.markdown(f"<div class='doc'>{highlight(text, quote)}</div>", unsafe_allow_html=True)


def render_answer(answer: Answer, turn: int) -> None:
    if answer.refused:
        st.markdown(f"<div class='refusal'>🔍 <b>Not in the documents.</b> {answer.text}</div>",
                    unsafe_allow_html=True)
        st.caption(f"Searched for: “{answer.search_query}”")
        return
    st.markdown(f"<div class='answer'>{linked_markers(answer, f'src-{turn}')}</div>", unsafe_allow_html=True)
    if answer.search_query != answer.question:
        st.caption(f"Searched for: “{answer.search_query}”")
    for c in answer.citations:
        with st.container(border=True):
            st.markdown(f"<a id='src-{turn}-{c.number}'></a><span class='card'>{card_label(c)}</span>",
                        unsafe_allow_html=True)
            # A short answer is marked inside the sentence it was cut from; a sentence answer is the quote.
            st.markdown(f"<div class='quote'>{highlight(c.quote, c.highlight or c.quote)}</div>", unsafe_allow_html=True)
            with st.expander("Full passage"):
                st.markdown(highlight(c.passage, c.quote), unsafe_allow_html=True)
            if st.button("View document", key=f"view-{turn}-{c.number}"):
                show_document(c.source, c.quote)
    total = answer.timings.get("total_s")
    if total is not None:
        st.caption(f"{answer.backend} · {total:.2f} s")


def ask(bot: Assistant, question: str) -> None:
    answers: list[Answer] = st.session_state["answers"]
    history = [(a.question, a.text) for a in answers]
    final: list[Answer] = []

    def tokens():
        for event in bot.stream(question, history, current_options()):
            if isinstance(event, Answer):
                final.append(event)
            elif isinstance(event, str):  # generated text; a Retrieved event only marks progress
                yield event

    with st.chat_message("assistant"):
        try:
            draft = st.empty()
            with st.spinner("Searching the documents…"):
                draft.write_stream(tokens())
        except BackendUnavailable as exc:
            st.error(f"{exc}\n\nStart the model server, or choose the *extractive* backend in the sidebar.")
            return
        except QAError as exc:
            st.error(f"{exc}\n\nChoose another backend in the sidebar if this one cannot start.")
            return
        draft.empty()  # the streamed draft gives way to the grounded answer
        answers.append(final[0])
        render_answer(final[0], len(answers) - 1)


STYLE = """
<style>
mark { background: #fff3a3; padding: 0 2px; border-radius: 3px; }
.refusal { border-left: 4px solid #c98a00; background: #fff8e6; padding: .6rem .9rem; border-radius: 4px; }
.card { font-weight: 600; font-size: .9rem; }
.quote { font-size: .95rem; }
.doc { white-space: normal; line-height: 1.5; }
</style>
"""


def chat_page() -> None:
    st.markdown(STYLE, unsafe_allow_html=True)
    try:
        bot = get_assistant()
    except QAError as exc:
        st.error(f"The assistant could not start: {exc}\n\nAfter fixing it, restart the app.")
        st.stop()
    init_state()
    st.title("Ask your documents")
    question = st.chat_input("Ask a question about your documents")  # pinned to the bottom of the page
    answers: list[Answer] = st.session_state["answers"]
    if not answers and not question:
        st.caption("Every answer cites the passages it rests on. Try: *What is Ukraine's annual drone production capacity?*")
    for turn, answer in enumerate(answers):
        st.chat_message("user").markdown(answer.question)
        with st.chat_message("assistant"):
            render_answer(answer, turn)
    if question:
        st.chat_message("user").markdown(question)
        ask(bot, question)
    sidebar(bot)  # last, so the conversation download includes the answer just given


st.set_page_config(page_title="Document QA", page_icon="📄", layout="wide")
st.navigation([
    st.Page(chat_page, title="Chat", icon=":material/chat:", default=True),
    st.Page("evaluate_page.py", title="Evaluate", icon=":material/analytics:", url_path="evaluate"),
]).run()
