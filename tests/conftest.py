"""Shared fixtures. Integration tests use the real MiniLM model and real Chroma folders."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SEED_ARTICLE = SEEDS / "docs" / "eu-defense-innovation-office-kyiv.md"

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session")
def embeddings():
    from qa.embeddings import make_embeddings
    from qa.settings import Settings

    return make_embeddings(Settings())


@pytest.fixture
def settings(tmp_path):
    from qa.settings import Settings

    return Settings(index_dir=tmp_path / "index", upload_dir=tmp_path / "uploads", backend="extractive")


@pytest.fixture
def assistant(settings, embeddings):
    from qa.assistant import Assistant

    return Assistant(settings, embeddings=embeddings)


@pytest.fixture
def corpus(tmp_path) -> Path:
    """A copy of the seed article in a folder the test may change."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(SEED_ARTICLE, folder / SEED_ARTICLE.name)
    return folder
