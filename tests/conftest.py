"""Shared fixtures. Integration tests use the real MiniLM model and real Chroma folders."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest

from testsupport.helpers import SEED_ARTICLE

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

# The tiers (see pytest.ini). `make test-fast` runs `-m unit`: a test in no tier would silently
# be left out of every tier run, and one in two tiers is mislabelled.
TIERS = ("unit", "integration", "browser")


def pytest_collection_modifyitems(config, items):
    wrong = []
    for item in items:
        tiers = sorted({m.name for m in item.iter_markers() if m.name in TIERS})
        if len(tiers) != 1:
            wrong.append(f"{item.nodeid}: {', '.join(tiers) or 'no tier'}")
    if wrong:
        raise pytest.UsageError(
            f"every test needs exactly one of the markers {', '.join(TIERS)} (a module's pytestmark or "
            "the test's own):\n  " + "\n  ".join(wrong)
        )


@pytest.fixture(scope="session")
def embeddings():
    from qa.embeddings import make_embeddings
    from qa.settings import Settings

    return make_embeddings(Settings().embedding)


@pytest.fixture(scope="session")
def chroma_port(tmp_path_factory):
    """With QA_TEST_CHROMA=server, one real `chroma run` server for the session (CI runs the
    integration tests a second time this way); otherwise None and Chroma runs on disk."""
    if os.environ.get("QA_TEST_CHROMA") != "server":
        yield None
        return
    from testsupport.servers import chroma_server

    with chroma_server(tmp_path_factory.mktemp("chroma") / "data") as port:
        yield port


@pytest.fixture
def settings(tmp_path, chroma_port):
    from qa.settings import Settings

    server = {}
    if chroma_port:  # each test its own collection on the shared server
        server = {"chroma_host": "127.0.0.1", "chroma_port": chroma_port, "collection": f"t-{uuid.uuid4().hex[:16]}"}
    return Settings(index_dir=tmp_path / "index", upload_dir=tmp_path / "uploads", backend="extractive", **server)


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


@pytest.fixture
def clock(monkeypatch):
    """Moves the wall clock (``time.time``, which the accounts and itsdangerous read) forward
    instead of sleeping: ``clock(2.2)``."""
    import time

    real = time.time
    offset = [0.0]
    monkeypatch.setattr(time, "time", lambda: real() + offset[0])

    def advance(seconds: float) -> None:
        offset[0] += seconds

    return advance


@pytest.fixture
def cheap_password_hashing(monkeypatch):
    """Argon2id with its smallest cost, for unit tests of the account rules (lockout, sessions,
    keys) that hash dozens of passwords; the product's parameters are checked by
    test_passwords_are_stored_as_argon2id_hashes_only and the integration tests."""
    from argon2 import PasswordHasher

    from qa.accounts import secrets

    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    monkeypatch.setattr(secrets, "_hasher", cheap)
    monkeypatch.setattr(secrets, "_DUMMY_HASH", cheap.hash("nobody's password"))
