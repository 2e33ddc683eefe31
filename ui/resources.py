"""Heavy objects, built once per server process and shared by every browser session.
The ``Assistant`` is thread-safe by construction; per-session choices (backend, top-k) are
per-request options, not separate assistants."""

from __future__ import annotations

import streamlit as st

from qa import Assistant, Settings


@st.cache_resource(show_spinner=False)
def get_settings() -> Settings:
    return Settings()


@st.cache_resource(show_spinner="Loading the embedding model and the index…")
def get_assistant() -> Assistant:
    """The assistant with the configured settings; indexes the default corpus on first start."""
    assistant = Assistant(get_settings())
    assistant.ensure_corpus()
    return assistant
