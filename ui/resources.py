"""Heavy objects, built once per server process and shared by every browser session."""

from __future__ import annotations

import streamlit as st

from qa import Assistant, Settings


@st.cache_resource(show_spinner=False)
def get_settings() -> Settings:
    return Settings()


@st.cache_resource(show_spinner="Loading the embedding model and the index…")
def get_base_assistant() -> Assistant:
    """The assistant with the configured settings; indexes the default corpus on first start."""
    assistant = Assistant(get_settings())
    assistant.ensure_corpus()
    return assistant


@st.cache_resource(show_spinner="Loading the answer backend…")
def get_assistant(backend: str, top_k: int) -> Assistant:
    """One assistant per backend and top-k, sharing the base assistant's embedding model."""
    base = get_base_assistant()
    if (backend, top_k) == (base.settings.backend, base.settings.top_k):
        return base
    settings = base.settings.model_copy(update={"backend": backend, "top_k": top_k})
    return Assistant(settings, embeddings=base.embeddings)
