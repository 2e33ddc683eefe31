"""What the HTTP API adds to an answer's latency over the Python API (issue 17).

    python -m bench.api_latency [--questions 20] [--work-dir bench-out/api]

Indexes the seed documents, starts `qa serve` on a loopback port with an API key, and asks
the seed questions one at a time (extractive backend, one client). For each `/api/ask`,
"added" is the client's round trip minus the answer's own `total_s` (measured inside the
server around `Assistant.ask`): HTTP, authentication, JSON and the event loop. The Python API's
own latency in this process, `/v1/chat/completions` round trips and the time to the first
server-sent event (`passages`) beside the Python stream's first event are printed alongside,
then answers per second with 1, 4 and 16 concurrent clients (errors, and answers that differ
from the Python API's, counted).
One run; the machine's other load is not controlled."""

from __future__ import annotations

import argparse
import json
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from qa import Accounts, Assistant, Retrieved, Settings
from qa.evaluation.metrics import percentile
from testsupport.helpers import ROOT, SEED_DOCS, seed_questions
from testsupport.servers import qa_server


def _ms(values: list[float]) -> str:
    p50, p95 = percentile(values, 50) or 0.0, percentile(values, 95) or 0.0
    return f"{p50 * 1000:8.1f} {p95 * 1000:8.1f}"


def _load(url: str, headers: dict[str, str], questions: list[str], expected: dict[str, Any], clients: int) -> dict:
    """``clients`` threads, each asking every question once over /api/ask: answers per second,
    errors, and answers that differ from the Python API's (text, refusal, cited quotes)."""

    def one_client(_: int) -> tuple[int, int]:
        errors = differ = 0
        with httpx.Client(base_url=url, headers=headers, timeout=600) as client:
            for q in questions:
                response = client.post("/api/ask", json={"question": q})
                if response.status_code != 200:
                    errors += 1
                    continue
                got, want = response.json(), expected[q]
                differ += (got["text"], got["refused"], [c["quote"] for c in got["citations"]]) != (
                    want.text,
                    want.refused,
                    [c.quote for c in want.citations],
                )
        return errors, differ

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(one_client, range(clients)))
    seconds = time.perf_counter() - started
    return {
        "clients": clients,
        "questions": clients * len(questions),
        "errors": sum(r[0] for r in results),
        "differ": sum(r[1] for r in results),
        "seconds": seconds,
        "per_s": clients * len(questions) / seconds,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--work-dir", default="bench-out/api")
    parser.add_argument("--clients", default="1,4,16", help="throughput with these numbers of concurrent clients")
    args = parser.parse_args()
    work = Path(args.work_dir).resolve()
    settings = Settings(index_dir=work / "index", backend="extractive")
    bot = Assistant(settings)
    bot.ingest(SEED_DOCS)
    accounts = Accounts.open(settings.storage.index_dir, settings.accounts)
    user = next((u for u in accounts.users() if u.name == "bench"), None) or accounts.add(
        "bench", "member", "bench password 1"
    )
    headers = {"Authorization": f"Bearer {accounts.create_key(user, 'bench').key}"}
    questions = seed_questions(limit=args.questions)
    python_s, python_first = [], []
    expected = {q: bot.ask(q) for q in questions}
    for q in questions:
        started = time.perf_counter()
        for event in bot.stream(q):
            if isinstance(event, Retrieved):
                python_first.append(time.perf_counter() - started)
        python_s.append(time.perf_counter() - started)
    rest_s, added_s, v1_s, sse_first = [], [], [], []
    env = {"QA_BACKEND": "extractive", "QA_CORPUS_DIR": str(work / "none")}
    with (
        qa_server(settings.storage.index_dir, work / "logs", env) as url,
        httpx.Client(base_url=url, headers=headers, timeout=120) as client,
    ):
        client.post("/api/ask", json={"question": questions[0]})  # warm-up: the reading model loads
        for q in questions:
            started = time.perf_counter()
            answer = client.post("/api/ask", json={"question": q}).json()
            rest_s.append(time.perf_counter() - started)
            added_s.append(rest_s[-1] - answer["timings"]["total_s"])
            started = time.perf_counter()
            client.post("/v1/chat/completions", json={"model": "qa", "messages": [{"role": "user", "content": q}]})
            v1_s.append(time.perf_counter() - started)
            started = time.perf_counter()
            with client.stream("POST", "/api/ask/stream", json={"question": q}) as response:
                for line in response.iter_lines():
                    if line.startswith("event: "):
                        sse_first.append(time.perf_counter() - started)
                        break
        throughput = [_load(url, headers, questions, expected, int(n)) for n in args.clients.split(",")]
    bot.close()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    print(f"{len(questions)} seed questions, extractive, 1 client, commit {commit}, {time.strftime('%Y-%m-%d')}")
    print(f"{'ms':44} {'p50':>8} {'p95':>8}")
    for label, values in [
        ("Python API ask (in process)", python_s),
        ("/api/ask round trip", rest_s),
        ("/api/ask added over its own total_s", added_s),
        ("/v1/chat/completions round trip", v1_s),
        ("Python stream: first event (passages)", python_first),
        ("/api/ask/stream: first event (passages)", sse_first),
    ]:
        print(f"{label:44} {_ms(values)}")
    print(f"{'clients':>8} {'questions':>10} {'errors':>7} {'differ':>7} {'answers/s':>10}")
    for row in throughput:
        print(f"{row['clients']:8d} {row['questions']:10d} {row['errors']:7d} {row['differ']:7d} {row['per_s']:10.2f}")
    (work / "summary.json").write_text(
        json.dumps(
            {
                "added_s": added_s,
                "rest_s": rest_s,
                "python_s": python_s,
                "v1_s": v1_s,
                "sse_first_s": sse_first,
                "python_first_s": python_first,
                "throughput": throughput,
            },
            indent=1,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
