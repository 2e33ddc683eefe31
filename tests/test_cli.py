"""The CLI through a subprocess, as a user runs it."""

from __future__ import annotations

import json

import pytest

from testsupport.helpers import SEED_ARTICLE, free_port, run_cli, write_pdf

pytestmark = pytest.mark.integration


@pytest.fixture
def index_env(tmp_path):
    return {"QA_INDEX_DIR": str(tmp_path / "index")}


def test_ask_prints_answer_with_cited_passage(index_env):
    result = run_cli("ask", "What is Ukraine's annual drone production capacity?", env_extra=index_env)
    assert result.returncode == 0, result.stderr
    assert "3 million drones" in result.stdout
    assert f"[1] {SEED_ARTICLE.name}" in result.stdout
    assert "indexed seeds" in result.stderr  # the empty index was filled from the default corpus


def test_ask_json(index_env):
    run_cli("ingest", "seeds/docs/", env_extra=index_env)
    result = run_cli("ask", "How many countries participate in the IT coalition?", "--json", env_extra=index_env)
    data = json.loads(result.stdout)
    assert data["refused"] is False and "13" in data["text"]
    assert data["citations"][0]["source"].endswith(SEED_ARTICLE.name)
    assert "13 participating countries" in data["citations"][0]["quote"]


def test_bad_files_are_reported_one_line_each_and_good_files_indexed(tmp_path, index_env):
    assert run_cli("ingest", str(SEED_ARTICLE), env_extra=index_env).returncode == 0
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (folder / "corrupt.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage")
    (folder / "latin1.txt").write_bytes("Le phare de Brest est gardé par René Kerouac.".encode("latin-1"))
    (folder / "notes.odt").write_bytes(b"PK\x03\x04 something")  # a type no loader reads
    write_pdf(folder / "good.pdf", ["The museum opens at nine o'clock."])

    result = run_cli("ingest", str(folder), env_extra=index_env)
    assert result.returncode == 1
    failed = [line for line in result.stderr.splitlines() if line.startswith("failed:")]
    assert len(failed) == 4, result.stderr
    for name, reason in [
        ("empty.txt", "empty"),
        ("binary.txt", "binary"),
        ("corrupt.pdf", "PDF"),
        ("notes.odt", "unsupported"),
    ]:
        assert any(name in line and reason in line for line in failed), (name, failed)
    assert "Traceback" not in result.stderr
    assert "2 added" in result.stdout and "4 failed" in result.stdout

    latin = run_cli("ask", "Qui garde le phare de Brest?", "--json", env_extra=index_env)
    assert "René Kerouac" in json.loads(latin.stdout)["text"]
    seed = run_cli("ask", "What is Ukraine's annual drone production capacity?", "--json", env_extra=index_env)
    assert json.loads(seed.stdout)["citations"][0]["source"] == str(SEED_ARTICLE)


@pytest.mark.parametrize(
    "args, env, message",
    [
        (["ingest", "no/such/folder"], {}, "path not found: no/such/folder"),
        (["ask", "   "], {}, "The question is empty"),
        (["ask", "hi"], {"QA_TOP_K": "zero"}, "QA_TOP_K"),
        (["ask", "hi"], {"QA_BACKEND": "gpt"}, "QA_BACKEND"),
        (["ask", "hi"], {"QA_LOCAL_MODEL_PATH": "/nope.gguf", "QA_BACKEND": "local"}, "QA_LOCAL_MODEL_PATH"),
    ],
)
def test_user_errors_are_one_clear_line(index_env, args, env, message):
    result = run_cli(*args, env_extra={**index_env, **env})
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_openai_server_is_one_clear_line(index_env):
    url = f"http://127.0.0.1:{free_port()}/v1"
    result = run_cli(
        "ask", "Who opened the office?", env_extra={**index_env, "QA_BACKEND": "openai", "QA_OPENAI_BASE_URL": url}
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    (line,) = [ln for ln in result.stderr.splitlines() if ln.startswith("error:")]
    assert url in line and "QA_OPENAI_BASE_URL" in line


def test_chat_keeps_the_conversation(index_env):
    result = run_cli(
        "chat",
        env_extra=index_env,
        input_text="Who opened the EU Defense Innovation Office?\nWhat is the capital of France?\n",
    )
    assert result.returncode == 0, result.stderr
    assert "Umyerov" in result.stdout
    assert "do not contain" in result.stdout
