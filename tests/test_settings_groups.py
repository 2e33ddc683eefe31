"""Grouped settings: flat QA_* names route to their group; the README's tables are the groups'."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from qa.settings import FLAT_NAMES, GROUPS, Settings
from qa.settings_docs import effective_settings, settings_markdown
from testsupport.helpers import ROOT

pytestmark = pytest.mark.unit


def test_flat_names_route_to_their_group(monkeypatch):
    monkeypatch.setenv("QA_TOP_K", "7")
    monkeypatch.setenv("QA_RETRIEVAL", "keyword")
    settings = Settings(index_dir="/tmp/x", backend="local")
    assert settings.retrieval.top_k == 7 and settings.retrieval.mode == "keyword"
    assert str(settings.storage.index_dir) == "/tmp/x" and settings.answering.backend == "local"
    changed = settings.changed(top_k=2, retrieval="dense", max_upload_mb=1)
    assert (changed.retrieval.top_k, changed.retrieval.mode, changed.interface.max_upload_bytes) == (
        2,
        "dense",
        1_000_000,
    )
    assert settings.retrieval.top_k == 7  # the original is unchanged
    copied = settings.model_copy(update={"top_k": 3, "chroma_port": 9000})  # flat names are routed, not dropped
    assert (copied.retrieval.top_k, copied.storage.chroma_port) == (3, 9000)


def test_every_flat_name_is_in_exactly_one_group():
    fields = [name for cls in GROUPS.values() for name in cls.model_fields]
    assert len(fields) == len(set(fields)) == len(FLAT_NAMES)


@pytest.mark.parametrize("bad", [{"top_k": 0}, {"retrieval": "bogus"}, {"no_such_setting": 1}])
def test_bad_values_and_unknown_names_are_refused(bad):
    with pytest.raises((ValidationError, ValueError)):
        Settings(**bad)
    with pytest.raises((ValidationError, ValueError)):
        Settings().changed(**bad)


def test_secrets_are_never_printed(monkeypatch):
    monkeypatch.setenv("QA_OPENAI_API_KEY", "sk-very-secret")
    printed = "\n".join(" ".join(row) for row in effective_settings(Settings()))
    assert "sk-very-secret" not in printed and "QA_OPENAI_API_KEY" in printed


def test_readme_tables_are_the_settings_groups():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("<!-- settings:start -->\n", 1)[1].split("<!-- settings:end -->", 1)[0]
    assert table == settings_markdown(), "README settings drifted: paste `python -m qa settings --markdown`"
