"""Heavy objects, built once per server process and shared by every browser session.
The ``Assistant`` is thread-safe by construction; per-session choices (backend, top-k) are
per-request options, not separate assistants."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import streamlit as st

from qa import Assistant, QAError, Settings, load_settings

log = logging.getLogger(__name__)


@st.cache_resource(show_spinner=False)
def get_settings() -> Settings:
    return load_settings()


@st.cache_resource(show_spinner="Loading the embedding model…")
def get_assistant() -> Assistant:
    """The assistant with the configured settings (the model loads once per server). The
    reading model loads in the background now, so the first answer does not wait for it."""
    bot = Assistant(get_settings())
    threading.Thread(target=bot.reader.warm_up, name="qa-reader-warm-up", daemon=True).start()
    return bot


@dataclass
class CorpusIndexing:
    """The first start's indexing of the default corpus, in the background, so the page is
    usable (and answers from what is indexed so far) while it runs."""

    done: int = 0
    total: int = 0
    current: str = ""
    finished: bool = False
    error: str = ""
    summary: str = ""

    def __post_init__(self) -> None:
        self._thread: threading.Thread | None = None

    def start(self, assistant: Assistant) -> None:
        self._thread = threading.Thread(target=self._run, args=(assistant,), name="qa-corpus-indexing", daemon=True)
        self._thread.start()

    def _run(self, assistant: Assistant) -> None:
        try:
            summary = assistant.ensure_corpus(on_progress=self._progress)
            self.summary = summary.describe() if summary else ""
        except QAError as exc:
            self.error = str(exc)
        except Exception as exc:  # shown on the page; the traceback goes to the server log
            log.exception("indexing the default corpus failed")
            self.error = f"Indexing the default corpus failed: {exc}"
        finally:
            self.finished = True

    def _progress(self, done: int, total: int, current: str) -> None:
        self.done, self.total, self.current = done, total, current.rsplit("/", 1)[-1]

    def wait(self, timeout: float | None = None) -> bool:
        if self._thread is not None:
            self._thread.join(timeout)
        return self.finished


@st.cache_resource(show_spinner=False)
def corpus_indexing() -> CorpusIndexing:
    """Started once per server: indexes ``QA_CORPUS_DIR`` when the index is new."""
    job = CorpusIndexing()
    assistant = get_assistant()
    if assistant.needs_corpus():
        job.start(assistant)
    else:
        job.finished = True
    return job
