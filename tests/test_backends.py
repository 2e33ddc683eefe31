"""Every answer backend and the Chroma server, on real models and real servers."""

from __future__ import annotations

import pytest

from qa.answer.generate import local_model_path
from qa.assistant import Assistant
from qa.errors import BackendUnavailable
from qa.evaluation import run_evaluation
from testsupport.helpers import ROOT, SEED_ARTICLE, free_port
from testsupport.servers import chroma_server, openai_compatible_server

pytestmark = [pytest.mark.integration, pytest.mark.slow]
MINI = ROOT / "tests" / "data" / "mini-testset.jsonl"


def test_local_backend_answers_from_the_seed_with_gemma(settings, embeddings):
    bot = Assistant(settings.changed(**{"backend": "local"}), embeddings=embeddings)
    bot.ingest([SEED_ARTICLE])
    answer = bot.ask("How many countries participate in the IT coalition?")
    assert not answer.refused, answer.text
    assert "13" in answer.text
    assert answer.citations[0].file_name == SEED_ARTICLE.name
    assert "13 participating countries" in answer.citations[0].quote
    assert answer.timings["first_token_s"] < answer.timings["total_s"]
    assert bot.ask("What is the capital of France?").refused


def test_openai_backend_against_a_real_openai_compatible_server(settings, embeddings, tmp_path):
    with openai_compatible_server(local_model_path(settings.generation), tmp_path) as url:
        s = settings.changed(**{"backend": "openai", "openai_base_url": url, "openai_model": "gemma-3-270m"})
        bot = Assistant(s, embeddings=embeddings)
        bot.ingest([SEED_ARTICLE])
        tokens = [
            event
            for event in bot.stream("What is Ukraine's annual drone production capacity?")
            if isinstance(event, str)
        ]
        assert tokens, "the server streamed no tokens"
        answer = bot.ask("What is Ukraine's annual drone production capacity?")
        assert not answer.refused, answer.text
        assert "3 million" in answer.text
        assert all(c.file_name == SEED_ARTICLE.name for c in answer.citations)
        follow = bot.ask("And how many manufacturers make them?", history=[(answer.question, answer.text)])
        assert follow.search_query != follow.question  # the server rewrote the follow-up

        # the same server as the optional LLM judge of an evaluation
        judged = settings.changed(**{"judge_base_url": url, "judge_model": "gemma-3-270m"})
        output = run_evaluation(judged, MINI, tmp_path / "judged", embeddings=embeddings)
        value = output.run.summary.judge_faithfulness
        assert value is not None and 0.0 <= value <= 1.0
        assert "Faithfulness (LLM judge)" in (tmp_path / "judged" / "report.md").read_text()
    with pytest.raises(BackendUnavailable, match="QA_OPENAI_BASE_URL"):
        bot.ask("Who opened the office?")


def test_chroma_server_holds_the_index(settings, embeddings, tmp_path):
    with chroma_server(tmp_path / "chroma-data") as port:
        s = settings.changed(**{"chroma_host": "127.0.0.1", "chroma_port": port})
        bot = Assistant(s, embeddings=embeddings)
        assert [f.status for f in bot.ingest([SEED_ARTICLE]).files] == ["added"]
        assert [f.status for f in bot.ingest([SEED_ARTICLE]).files] == ["unchanged"]
        answer = Assistant(s, embeddings=embeddings).ask("How many Ukrainian drone manufacturers are there?")
        assert "more than 500" in answer.text
        assert answer.citations[0].file_name == SEED_ARTICLE.name


def test_chroma_server_down_is_a_clear_error(settings, embeddings):
    s = settings.changed(**{"chroma_host": "127.0.0.1", "chroma_port": free_port()})
    with pytest.raises(BackendUnavailable, match="QA_CHROMA_HOST"):
        Assistant(s, embeddings=embeddings)


def test_unreachable_judge_is_a_clear_error(settings, embeddings, tmp_path):
    judged = settings.changed(**{"judge_base_url": f"http://127.0.0.1:{free_port()}/v1"})
    with pytest.raises(BackendUnavailable, match="QA_JUDGE_BASE_URL"):
        run_evaluation(judged, MINI, tmp_path / "out", embeddings=embeddings)
