"""The local backend (llama.cpp, Gemma 3 270M) behind `qa serve`: four API clients at once and a
fifth that leaves a streamed answer after its first token. The abandoned generation stops (its
generator is closed, releasing the one-at-a-time model), the four get answers the model wrote
for them, and the server answers the next question."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from qa import Assistant, Settings
from testsupport.helpers import SEED_ARTICLE, seed_questions
from testsupport.servers import qa_server

pytestmark = [pytest.mark.integration, pytest.mark.slow]
GONE = "/api/ask/stream: the client went away mid-stream"


def test_local_backend_four_api_clients_and_a_cancelled_stream(embeddings, tmp_path):
    settings = Settings(index_dir=tmp_path / "index", backend="extractive")  # on disk, as `qa serve` reads it
    bot = Assistant(settings, embeddings=embeddings)
    bot.ingest([SEED_ARTICLE])
    bot.close()
    env = {"QA_BACKEND": "local", "QA_CORPUS_DIR": str(tmp_path / "no-corpus"), "QA_GENERATION_WAIT_S": "600"}
    questions = seed_questions(limit=8)
    with qa_server(settings.storage.index_dir, tmp_path / "logs", env) as url:
        log = tmp_path / "logs" / "qa-serve.log"

        def asker(index: int) -> list[tuple[int, bool]]:
            results = []
            with httpx.Client(base_url=url, timeout=900) as client:
                for q in questions[index * 2 : index * 2 + 2]:
                    response = client.post("/api/ask", json={"question": q})
                    wrote = response.status_code == 200 and "first_token_s" in response.json()["timings"]
                    results.append((response.status_code, wrote))
            return results

        def leaver() -> int:
            """Reads the stream up to the first generated token, then drops the connection."""
            events = 0
            body = {"question": "Describe the EU Defense Innovation Office in detail."}
            with httpx.stream("POST", f"{url}/api/ask/stream", json=body, timeout=900) as response:
                for line in response.iter_lines():
                    if line.startswith("event: "):
                        events += 1
                    if line == "event: token":
                        return events
            return -events  # the stream ended without a token: nothing was cancelled

        with ThreadPoolExecutor(5) as pool:
            asked = [pool.submit(asker, i) for i in range(4)]
            left = pool.submit(leaver)
            outcomes = [r for future in asked for r in future.result()]
            assert left.result() > 0
        # Every asker's question got a draft of its own (no Busy error, no skipped generation).
        assert outcomes == [(200, True)] * 8
        deadline = time.monotonic() + 120
        while GONE not in log.read_text():
            assert time.monotonic() < deadline, "the abandoned generation was not stopped"
            time.sleep(0.5)
        # The model is free: the next question is answered with a generation of its own.
        after = httpx.post(f"{url}/api/ask", json={"question": questions[0]}, timeout=900)
        assert after.status_code == 200 and "first_token_s" in after.json()["timings"]
