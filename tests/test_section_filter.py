"""The section filter: a search limited to passages whose section path contains some text
(ignoring case), from Python (``SearchFilter.section``), the CLI (``qa ask --section``) and the
HTTP API (``section`` in the ask body)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from qa import AskOptions, SearchFilter
from qa.documents.chunking import Chunk
from qa.index.manifest import FileRecord, Manifest
from testsupport.helpers import run_cli
from testsupport.servers import qa_server

QUESTION = "When does the office open?"
GUIDE = (
    "# Offices\n\nThe company has two offices.\n\n"
    "## Berlin\n\nThe Berlin office opens at nine o'clock on weekdays.\n\n"
    "## Oslo\n\nThe Oslo office opens at ten o'clock on weekdays.\n"
)


def manifest_with_sections(tmp_path) -> Manifest:
    manifest = Manifest(tmp_path / "m.sqlite3")
    chunks = {
        "a": [
            Chunk("a1", "The Berlin office opens at nine.", None, 0, "Offices › Berlin"),
            Chunk("a2", "The Oslo office opens at ten.", None, 1, "Offices › Oslo"),
            Chunk("a3", "Ørsta office opens at eleven.", None, 2, "Offices › ØRSTA"),
        ],
        "b": [Chunk("b1", "The office opens at noon.", 2, 0, "slide 2")],
    }
    now = datetime.now(UTC).isoformat()
    manifest.commit_files(
        [
            (FileRecord(doc, f"/docs/{doc}.md", f"/docs/{doc}.md".encode(), doc, doc, [c.id for c in cs], {}, now), cs)
            for doc, cs in chunks.items()
        ]
    )
    return manifest


@pytest.mark.unit
def test_locations_match_a_section_by_substring_ignoring_case_and_spacing(tmp_path):
    manifest = manifest_with_sections(tmp_path)
    assert manifest.locations_matching("oslo") == ["Offices › Oslo"]
    assert manifest.locations_matching("OFFICES  ›  berlin") == ["Offices › Berlin"]
    assert manifest.locations_matching("ørsta") == ["Offices › ØRSTA"]  # not only ASCII folds
    assert manifest.locations_matching("offices") == ["Offices › Berlin", "Offices › Oslo", "Offices › ØRSTA"]
    assert manifest.locations_matching("offices", doc_ids=["b"]) == []
    assert manifest.locations_matching("slide 2") == ["slide 2"]
    assert manifest.locations_matching("Madrid") == []
    assert manifest.locations_matching("   ") == []


@pytest.mark.unit
def test_keyword_search_keeps_only_chunks_at_the_given_locations(tmp_path):
    manifest = manifest_with_sections(tmp_path)
    assert {c for c, _ in manifest.keyword_search('"office" OR "opens"', 10)} == {"a1", "a2", "a3", "b1"}
    found = manifest.keyword_search('"office" OR "opens"', 10, locations=["Offices › Oslo", "slide 2"])
    assert {c for c, _ in found} == {"a2", "b1"}
    assert [c for c, _ in manifest.keyword_search('"office"', 10, ["a"], ["slide 2"])] == []
    assert manifest.keyword_search('"office"', 10, locations=[]) == []


@pytest.mark.unit
def test_the_cli_and_the_api_turn_a_section_into_a_search_filter():
    from qa.cli import _options, _parser
    from qa.server.schemas import AskRequest

    args = _parser().parse_args(["ask", QUESTION, "--section", " Oslo ", "--file", "guide.md"])
    assert _options(args) == AskOptions(filters=SearchFilter(("guide.md",), {}, "Oslo"))
    assert _options(_parser().parse_args(["ask", QUESTION])) == AskOptions(filters=None)
    assert AskRequest(question=QUESTION, section="oslo").options().filters == SearchFilter(section="oslo")
    assert AskRequest(question=QUESTION).options().filters is None
    assert not SearchFilter(section="  ").active and SearchFilter(section="x").active


def cited_sections(answer) -> set[str]:
    assert not answer.refused, answer.text
    return {c.location for c in answer.citations}


@pytest.mark.integration
def test_an_answer_in_two_sections_is_cited_only_from_the_chosen_one(assistant, tmp_path):
    guide = tmp_path / "guide.md"
    guide.write_text(GUIDE, encoding="utf-8")
    assert not assistant.ingest([guide]).failed

    passages = assistant.search(QUESTION, AskOptions(top_k=6))
    assert {"Offices › Berlin", "Offices › Oslo"} <= {p.location for p in passages}

    oslo = assistant.ask(QUESTION, options=AskOptions(filters=SearchFilter(section="oslo")))
    assert cited_sections(oslo) == {"Offices › Oslo"} and "ten" in oslo.text, oslo.text
    assert {p.location for p in oslo.passages} == {"Offices › Oslo"}
    berlin = assistant.ask(QUESTION, options=AskOptions(filters=SearchFilter(section="BERLIN")))
    assert cited_sections(berlin) == {"Offices › Berlin"} and "nine" in berlin.text, berlin.text
    for mode in ("dense", "keyword"):
        found = assistant.search(QUESTION, AskOptions(retrieval=mode, filters=SearchFilter(section="Oslo")))
        assert found and {p.location for p in found} == {"Offices › Oslo"}, mode
    nowhere = assistant.ask(QUESTION, options=AskOptions(filters=SearchFilter(section="Madrid")))
    assert nowhere.refused and not nowhere.citations


@pytest.mark.integration
def test_the_cli_and_the_http_api_filter_by_section(settings, embeddings, tmp_path):
    from qa import Assistant

    guide = tmp_path / "guide.md"
    guide.write_text(GUIDE, encoding="utf-8")
    bot = Assistant(settings, embeddings=embeddings)
    assert not bot.ingest([guide]).failed
    bot.close()
    env = {
        "QA_INDEX_DIR": str(settings.storage.index_dir),
        "QA_BACKEND": "extractive",
        "QA_CORPUS_DIR": str(tmp_path / "no-corpus"),
    }

    done = run_cli("ask", QUESTION, "--section", "oslo", "--json", env_extra=env)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert {c["location"] for c in answer["citations"]} == {"Offices › Oslo"}, answer["text"]

    with qa_server(settings.storage.index_dir, tmp_path / "logs", env) as url:
        body = httpx.post(f"{url}/api/ask", json={"question": QUESTION, "section": "Berlin"}, timeout=120).json()
    assert not body["refused"], body
    assert {c["location"] for c in body["citations"]} == {"Offices › Berlin"}, body["text"]
