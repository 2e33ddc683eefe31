"""`python -m qa serve` on a loopback port: clients nobody here wrote (the official `openai`
client, LangChain's ChatOpenAI) get the Python API's answers and citations; every route checks
who asks; limits and safe defaults hold."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from qa import Accounts, Assistant, Role, Settings
from testsupport.helpers import ROOT, SEED_ARTICLE, SEEDS, error_lines, run_cli, seed_questions
from testsupport.servers import qa_server

pytestmark = [pytest.mark.integration, pytest.mark.slow]
PASSWORD = "correct horse battery"
UNANSWERABLE = "What is the boiling point of mercury on Mars?"


@pytest.fixture(scope="module")
def site(tmp_path_factory, embeddings):
    """An index of two seed documents, the Python API over it, and `qa serve` over the same folder."""
    root = tmp_path_factory.mktemp("site")
    settings = Settings(index_dir=root / "index", upload_dir=root / "uploads", backend="extractive")
    bot = Assistant(settings, embeddings=embeddings)
    bot.ingest([SEED_ARTICLE, SEEDS / "docs" / "haystack-faq.md"])
    env = {
        "QA_UPLOAD_DIR": str(root / "uploads"),
        "QA_MAX_UPLOAD_MB": "0.05",
        "QA_BACKEND": "extractive",
        # The documents folder the seed files sit under (the index exists: nothing is re-indexed).
        "QA_CORPUS_DIR": str(SEEDS),
        "QA_TESTSET_DIR": str(ROOT / "tests" / "data"),
    }
    with qa_server(settings.storage.index_dir, root / "logs", env) as url:
        yield {"url": url, "bot": bot, "root": root, "settings": settings}
    bot.close()


def _add_people(site) -> dict[str, Any]:
    """ada (admin), bob and cy (members); keys; a revoked key of bob's."""
    accounts = Accounts.open(site["settings"].storage.index_dir)
    if "people" not in site:
        roles: list[tuple[str, Role]] = [("ada", "admin"), ("bob", "member"), ("cy", "member")]
        people = {name: accounts.add(name, role, PASSWORD) for name, role in roles}
        revoked = accounts.create_key(people["bob"], "old laptop")
        accounts.revoke_key(revoked.info.id)
        site["people"] = {
            "users": people,
            "ada_key": accounts.create_key(people["ada"]).key,
            "bob_key": accounts.create_key(people["bob"]).key,
            "cy_key": accounts.create_key(people["cy"]).key,
            "revoked_key": revoked.key,
        }
    return site["people"]


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_without_accounts_loopback_serves_one_person_without_sign_in(site):
    url = site["url"]
    assert httpx.get(f"{url}/api/me").json()["name"] == "local"
    assert httpx.get(f"{url}/api/ready").json() == {"ready": True}
    docs = httpx.get(f"{url}/api/documents").json()
    assert sorted(Path(d["source"]).name for d in docs) == ["eu-defense-innovation-office-kyiv.md", "haystack-faq.md"]
    assert httpx.get(f"{url}/openapi.json").json()["paths"]["/v1/chat/completions"]
    # another site open in the browser, or a DNS name rebound to this machine, gets no free pass
    assert httpx.get(f"{url}/api/me", headers={"Origin": "http://attacker.example"}).status_code == 401
    assert httpx.get(f"{url}/api/me", headers={"Host": "attacker.example"}).status_code == 401
    assert httpx.get(f"{url}/api/me", headers={"Origin": url}).status_code == 200
    keys = httpx.post(f"{url}/api/keys")  # keys need an account
    assert keys.status_code == 400 and "users add" in keys.json()["error"]["message"]


def _questions() -> list[str]:
    return [*seed_questions(limit=3), UNANSWERABLE]


def _expected(bot: Assistant, question: str, history=()) -> tuple[str, bool, list[tuple[str, int | None, str, float]]]:
    answer = bot.ask(question, history)
    return answer.text, answer.refused, [(c.file_name, c.page, c.quote, c.relevance) for c in answer.citations]


def _cited(citations: list[dict[str, Any]]) -> list[tuple[str, int | None, str, float]]:
    return [(c["file"], c["page"], c["quote"], c["relevance"]) for c in citations]


def test_openai_client_gets_the_python_apis_answers_and_citations(site):
    from openai import OpenAI

    people = _add_people(site)
    client = OpenAI(base_url=f"{site['url']}/v1", api_key=people["bob_key"], max_retries=0, timeout=120)
    assert "qa" in [m.id for m in client.models.list()]
    refusals = 0
    for question in _questions():
        text, refused, cited = _expected(site["bot"], question)
        refusals += refused
        completion = client.chat.completions.create(model="qa", messages=[{"role": "user", "content": question}])
        extra = completion.model_extra or {}
        assert completion.choices[0].message.content == text
        assert _cited(extra["citations"]) == cited and extra["refused"] == refused
        pieces, stream_citations = [], None
        for chunk in client.chat.completions.create(
            model="qa-extractive", stream=True, messages=[{"role": "user", "content": question}]
        ):
            pieces.append(chunk.choices[0].delta.content or "")
            stream_citations = (chunk.model_extra or {}).get("citations", stream_citations)
        assert "".join(pieces) == text and _cited(stream_citations or []) == cited
    assert refusals >= 1  # the unanswerable question is refused as an ordinary answer
    history_question = "When was it opened?"
    first = seed_questions(limit=1)[0]
    first_text = site["bot"].ask(first).text
    text, _, cited = _expected(site["bot"], history_question, [(first, first_text)])
    completion = client.chat.completions.create(
        model="qa",
        messages=[
            {"role": "system", "content": "You are helpful."},
            {"role": "user", "content": first},
            {"role": "assistant", "content": first_text},
            {"role": "user", "content": history_question},
        ],
    )
    assert (
        completion.choices[0].message.content == text and _cited((completion.model_extra or {})["citations"]) == cited
    )


def test_langchain_chat_openai_gets_the_python_apis_answers(site):
    from langchain_openai import ChatOpenAI

    people = _add_people(site)
    chat = ChatOpenAI(base_url=f"{site['url']}/v1", api_key=people["cy_key"], model="qa", max_retries=0, timeout=120)
    for question in _questions()[:2] + [UNANSWERABLE]:
        text, _, cited = _expected(site["bot"], question)
        assert chat.invoke(question).content == text
        assert "".join(str(chunk.content) for chunk in chat.stream(question)) == text
        assert [f"[{n}]" in text for n in range(1, len(cited) + 1)] == [True] * len(cited)


def test_rest_ask_and_its_event_stream_match_the_python_api(site):
    people = _add_people(site)
    question = seed_questions(limit=1)[0]
    text, refused, cited = _expected(site["bot"], question)
    answer = httpx.post(
        f"{site['url']}/api/ask", json={"question": question}, headers=_auth(people["bob_key"]), timeout=120
    ).json()
    assert (answer["text"], answer["refused"], _cited(answer["citations"])) == (text, refused, cited)
    for c in answer["citations"]:  # the quote located in its passage
        assert c["quote_offsets"] is not None, c
    events = []
    with httpx.stream(
        "POST",
        f"{site['url']}/api/ask/stream",
        json={"question": question},
        headers=_auth(people["bob_key"]),
        timeout=120,
    ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        name = None
        for line in response.iter_lines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                events.append((name, json.loads(line[6:])))
    assert [n for n, _ in events] == ["passages", "answer"]  # the extractive backend writes no tokens
    assert events[0][1]["passages"] and _cited(events[1][1]["citations"]) == cited


def _sse(response: httpx.Response) -> list[tuple[str | None, Any]]:
    events, name = [], None
    for line in response.iter_lines():
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: ") and line != "data: [DONE]":
            events.append((name, json.loads(line[6:])))
    return events


def test_documents_are_named_under_their_folder_never_by_server_path(site):
    """Citations, passages, the document list and saved chats name a file by its path under the
    documents folder (here the seeds folder: `docs/...`), on /api and /v1, streaming and not."""
    people = _add_people(site)
    url, bob = site["url"], _auth(people["bob_key"])
    question = seed_questions(limit=1)[0]
    chat = httpx.post(f"{url}/api/conversations", json={"title": "Names"}, headers=bob).json()["id"]
    answer = httpx.post(
        f"{url}/api/ask", json={"question": question, "conversation_id": chat}, headers=bob, timeout=120
    ).json()
    with httpx.stream("POST", f"{url}/api/ask/stream", json={"question": question}, headers=bob, timeout=120) as r:
        events = dict(_sse(r))
    body = {"model": "qa", "messages": [{"role": "user", "content": question}]}
    completion = httpx.post(f"{url}/v1/chat/completions", json=body, headers=bob, timeout=120).json()
    with httpx.stream("POST", f"{url}/v1/chat/completions", json={**body, "stream": True}, headers=bob) as r:
        chunks = [data for _, data in _sse(r)]
    saved = httpx.get(f"{url}/api/conversations/{chat}", headers=bob).json()["messages"][0]["answer"]
    named = {
        "/api/ask": [c["source"] for c in answer["citations"]],
        "/api/ask/stream passages": [p["source"] for p in events["passages"]["passages"]],
        "/api/ask/stream answer": [c["source"] for c in events["answer"]["citations"]],
        "/api/conversations": [c["source"] for c in saved["citations"]],
        "/v1": [c["source"] for c in completion["citations"]],
        "/v1 stream": [c["source"] for chunk in chunks for c in chunk.get("citations", [])],
        "/api/documents": [d["source"] for d in httpx.get(f"{url}/api/documents", headers=bob).json()],
    }
    assert all(named.values()), named
    expected = {f"docs/{p.name}" for p in (SEED_ARTICLE, SEEDS / "docs" / "haystack-faq.md")}
    for where, sources in named.items():
        assert set(sources) <= expected, (where, sources)
    raw = json.dumps([answer, events, completion, chunks, saved])
    assert str(ROOT) not in raw and str(site["root"]) not in raw  # no server path anywhere in them


def test_a_client_leaving_mid_stream_stops_its_answer_and_the_server_carries_on(site):
    """A client that closes a streamed answer (/v1 and /api) before it is done: the server stops
    that answer's work (its generator is closed, which its log says) and answers the next question."""
    people = _add_people(site)
    url, bob = site["url"], _auth(people["bob_key"])
    log = site["root"] / "logs" / "qa-serve.log"
    question = seed_questions(limit=1)[0]
    streams = [
        ("/v1/chat/completions", {"model": "qa", "stream": True, "messages": [{"role": "user", "content": question}]}),
        ("/api/ask/stream", {"question": question}),
    ]
    for path, body in streams:
        seen = log.read_text().count(f"{path}: the client went away mid-stream")
        with httpx.stream("POST", f"{url}{path}", json=body, headers=bob, timeout=120) as response:
            assert response.status_code == 200  # headers only: leaving the block drops the connection
        deadline = time.monotonic() + 60
        while log.read_text().count(f"{path}: the client went away mid-stream") == seen:
            assert time.monotonic() < deadline, f"{path}: the abandoned answer was not stopped"
            time.sleep(0.2)
    assert httpx.get(f"{url}/api/health").status_code == 200
    text, refused, cited = _expected(site["bot"], question)
    answer = httpx.post(f"{url}/api/ask", json={"question": question}, headers=bob, timeout=120).json()
    assert (answer["text"], answer["refused"], _cited(answer["citations"])) == (text, refused, cited)


ROUTES: list[tuple[str, str, Any]] = [
    # method, path ({chat} is bob's chat), JSON body
    ("GET", "/api/health", None),
    ("GET", "/api/ready", None),
    ("GET", "/api/me", None),
    ("POST", "/api/ask", {"question": "Who opened the EU Defense Innovation Office?"}),
    ("GET", "/api/documents", None),
    ("POST", "/api/documents", "upload"),
    ("DELETE", "/api/documents?source=/nonexistent.md", None),
    ("GET", "/api/conversations", None),
    ("POST", "/api/conversations", {"title": "Matrix"}),
    ("GET", "/api/conversations/{chat}", None),
    ("PATCH", "/api/conversations/{chat}", {"title": "Renamed"}),
    ("GET", "/api/conversations/{chat}/export", None),
    ("POST", "/api/ask", {"question": "When was it opened?", "conversation_id": "{chat}"}),
    ("DELETE", "/api/conversations/{chat}", None),
    ("GET", "/api/users", None),
    ("GET", "/api/keys", None),
    ("GET", "/v1/models", None),
    ("POST", "/v1/chat/completions", {"model": "qa", "messages": [{"role": "user", "content": "Who opened it?"}]}),
]
WHO = ["anonymous", "member", "other member", "admin", "revoked key", "wrong password"]
OPEN, ANY, ADMIN = (200,) * 6, (401, 200, 200, 200, 401, 401), (401, 403, 403, 200, 401, 401)
BOBS = (401, 200, 404, 404, 401, 401)  # bob's chat: only bob sees it; to anyone else it does not exist
EXPECTED = [
    OPEN,
    OPEN,
    ANY,
    ANY,
    ANY,
    ADMIN,
    (401, 403, 403, 404, 401, 401),
    ANY,
    ANY,
    BOBS,
    BOBS,
    BOBS,
    BOBS,
    BOBS,
    ADMIN,
    ANY,
    ANY,
    ANY,
]


def test_security_matrix(site):
    people = _add_people(site)
    url = site["url"]
    signed_in = httpx.post(f"{url}/api/session", json={"name": "bob", "password": PASSWORD})
    wrong = httpx.post(f"{url}/api/session", json={"name": "bob", "password": "not bob's password"})
    assert signed_in.status_code == 200 and wrong.status_code == 401 and "token" not in wrong.json()
    credentials = {
        "anonymous": {},
        "member": _auth(signed_in.json()["token"]),
        "other member": _auth(people["cy_key"]),
        "admin": _auth(people["ada_key"]),
        "revoked key": _auth(people["revoked_key"]),
        "wrong password": {},
    }  # what a client holds after a refused sign-in: nothing
    chat = httpx.post(f"{url}/api/conversations", json={"title": "Bob's"}, headers=credentials["member"]).json()["id"]
    got: dict[tuple[int, str], int] = {}
    order = [w for w in WHO if w != "member"] + ["member"]  # bob last: his DELETE removes the chat
    for who in order:
        for row, (method, path, body) in enumerate(ROUTES):
            kwargs: dict[str, Any] = {"headers": credentials[who], "timeout": 120}
            if body == "upload":
                kwargs["files"] = {"file": ("matrix-note.md", b"# Note\n\nA note about zebras.\n", "text/markdown")}
            elif body is not None:
                kwargs["json"] = json.loads(json.dumps(body).replace("{chat}", chat))
            got[row, who] = httpx.request(method, url + path.replace("{chat}", chat), **kwargs).status_code
    table = [
        f"| {'route':52} | " + " | ".join(f"{w:14}" for w in WHO) + " |",
        "|" + "-" * 54 + "|" + "|".join("-" * 16 for _ in WHO) + "|",
    ]
    wrong_cells = []
    for row, (method, path, _) in enumerate(ROUTES):
        cells = []
        for col, who in enumerate(WHO):
            ok = got[row, who] == EXPECTED[row][col]
            cells.append(f"{got[row, who]}{'' if ok else ' (want ' + str(EXPECTED[row][col]) + ')'}")
            if not ok:
                wrong_cells.append((method, path, who, got[row, who], EXPECTED[row][col]))
        table.append(f"| {method + ' ' + path:52} | " + " | ".join(f"{c:14}" for c in cells) + " |")
    print("\nSecurity matrix (status per route and caller):\n" + "\n".join(table))
    assert not wrong_cells, wrong_cells
    uploaded = [
        d["source"]
        for d in httpx.get(f"{url}/api/documents", headers=credentials["admin"]).json()
        if d["source"].endswith("matrix-note.md")
    ]
    assert len(uploaded) == 1
    removed = httpx.delete(f"{url}/api/documents", params={"source": uploaded[0]}, headers=credentials["member"])
    assert removed.status_code == 403 and removed.json()["error"]["kind"] == "Forbidden"
    removed = httpx.delete(f"{url}/api/documents", params={"source": uploaded[0]}, headers=credentials["admin"])
    assert removed.status_code == 200 and removed.json()["removed_chunks"] >= 1


def test_own_chats_only_and_errors_are_one_json_line(site):
    people = _add_people(site)
    url, bob, cy = site["url"], _auth(people["bob_key"]), _auth(people["cy_key"])
    chat = httpx.post(f"{url}/api/conversations", headers=bob).json()["id"]
    asked = httpx.post(
        f"{url}/api/ask",
        json={"question": seed_questions(limit=1)[0], "conversation_id": chat},
        headers=bob,
        timeout=120,
    )
    assert asked.status_code == 200
    assert chat in [c["id"] for c in httpx.get(f"{url}/api/conversations", headers=bob).json()]
    assert chat not in [c["id"] for c in httpx.get(f"{url}/api/conversations", headers=cy).json()]
    for response in (
        httpx.get(f"{url}/api/conversations/{chat}", headers=cy),
        httpx.post(f"{url}/api/ask", json={"question": "x?", "conversation_id": chat}, headers=cy),
    ):
        assert response.status_code == 404
        assert response.json() == {"error": {"kind": "NotFound", "type": "NotFound", "message": f"No chat '{chat}'."}}
    full = httpx.get(f"{url}/api/conversations/{chat}", headers=bob).json()
    assert len(full["messages"]) == 1 and full["messages"][0]["answer"]["citations"]
    exported = httpx.get(f"{url}/api/conversations/{chat}/export", headers=bob)
    assert exported.headers["content-type"].startswith("text/markdown") and "## Q:" in exported.text
    bad = httpx.post(f"{url}/api/ask", json={"question": ""}, headers=bob)
    assert bad.status_code == 422 and "\n" not in bad.text and bad.json()["error"]["kind"] == "InvalidRequest"
    unknown_model = httpx.post(
        f"{url}/v1/chat/completions",
        headers=bob,
        json={"model": "gpt-4", "messages": [{"role": "user", "content": "hi"}]},
    )
    assert unknown_model.status_code == 404 and "GET /v1/models" in unknown_model.json()["error"]["message"]


def test_oversize_bodies_are_413_and_upload_names_cannot_escape(site):
    people = _add_people(site)
    url, ada, root = site["url"], _auth(people["ada_key"]), site["root"]
    big = httpx.post(f"{url}/api/documents", headers=ada, files={"file": ("big.md", b"# Big\n" + b"word " * 20_000)})
    assert big.status_code == 413 and big.json()["error"]["kind"] == "TooLarge"
    huge_question = httpx.post(f"{url}/api/ask", headers=ada, json={"question": "x" * 2_000_000})
    assert huge_question.status_code == 413
    for name in ("../../escaped.md", "..\\..\\escaped2.md", "/etc/escaped3.md"):
        response = httpx.post(
            f"{url}/api/documents",
            headers=ada,
            files={"file": (name, b"# Escape\n\nA note about traversal names.\n", "text/markdown")},
        )
        assert response.status_code == 200, response.text
        source = response.json()["source"]  # its name in the uploads folder, not a server path
        assert "/" not in source and "\\" not in source and (root / "uploads" / source).is_file(), source
        assert httpx.delete(f"{url}/api/documents", params={"source": source}, headers=ada).status_code == 200
    assert not list(root.parent.glob("escaped*")) and not list(root.glob("escaped*"))


def test_signed_in_by_cookie_then_signed_out(site):
    _add_people(site)
    with httpx.Client(base_url=site["url"]) as browser:
        assert browser.post("/api/session", json={"name": "cy", "password": PASSWORD}).status_code == 200
        assert browser.get("/api/me").json()["name"] == "cy"  # the HttpOnly cookie alone
        assert browser.delete("/api/session").status_code == 200
        assert browser.get("/api/me").status_code == 401


def test_refuses_to_listen_publicly_without_accounts(tmp_path):
    result = run_cli("serve", "--host", "0.0.0.0", "--index-dir", str(tmp_path / "index"), timeout=120)
    assert result.returncode == 2
    assert error_lines(result.stderr) == [
        "error: Refusing to listen on 0.0.0.0 without accounts: add one first with "
        "`python -m qa users add NAME --role admin` (or listen on 127.0.0.1)."
    ]
    assert not (tmp_path / "index" / "chroma.sqlite3").exists()


def test_an_admin_runs_an_evaluation_polls_it_and_reads_its_report(site):
    people = _add_people(site)
    url, ada, bob = site["url"], _auth(people["ada_key"]), _auth(people["bob_key"])
    assert httpx.get(f"{url}/api/evaluations/testsets", headers=bob).status_code == 403
    assert "mini-testset.jsonl" in httpx.get(f"{url}/api/evaluations/testsets", headers=ada).json()
    for name in ("../../seeds/testset.jsonl", "nothing.jsonl"):
        assert httpx.post(f"{url}/api/evaluations", json={"testset": name}, headers=ada).status_code == 404
    started = httpx.post(f"{url}/api/evaluations", json={"testset": "mini-testset.jsonl", "limit": 2}, headers=ada)
    assert started.status_code == 200, started.text
    run_id = started.json()["id"]
    deadline = time.monotonic() + 600
    while (run := httpx.get(f"{url}/api/evaluations/{run_id}", headers=ada).json())["status"] == "running":
        assert time.monotonic() < deadline
        time.sleep(1)
    assert run["status"] == "done", run
    assert run["done"] == run["total"] == 2 and run["summary"]
    report = httpx.get(f"{url}/api/evaluations/{run_id}/report", headers=ada)
    assert report.status_code == 200 and report.text.strip()
    assert httpx.get(f"{url}/api/evaluations/{run_id}", headers=bob).status_code == 403
    # Kept under the evaluation folder, not only in the server's memory...
    runs = site["settings"].evaluation.folder(site["settings"].storage.index_dir)
    kept = json.loads((runs / f"api-{run_id}" / "api-run.json").read_text())
    assert kept["status"] == "done" and (runs / f"api-{run_id}" / kept["report"]).read_text() == report.text
    # ...and read from there: a run an earlier server process left unfinished reads as failed.
    orphan = runs / "api-0123456789ab"
    orphan.mkdir()
    (orphan / "api-run.json").write_text(json.dumps({**kept, "id": "0123456789ab", "status": "running"}))
    polled = httpx.get(f"{url}/api/evaluations/0123456789ab", headers=ada).json()
    assert polled["status"] == "failed" and "stopped" in polled["error"], polled
    assert httpx.get(f"{url}/api/evaluations/0123456789ab/report", headers=ada).status_code == 404
    assert httpx.get(f"{url}/api/evaluations/api-{run_id}", headers=ada).status_code == 404  # ids only


def test_load_16_clients_20_questions_each_get_the_python_apis_answers(site):
    """16 concurrent clients × 20 questions on one server (half over /api/ask, half over
    /v1/chat/completions, two members' keys): no error, and every answer (text, refusal, cited
    file, page, quote and relevance) equal to the Python API's for the same question."""
    from concurrent.futures import ThreadPoolExecutor

    people = _add_people(site)
    questions = [*seed_questions(limit=19), UNANSWERABLE]
    expected = {q: _expected(site["bot"], q) for q in questions}

    def client_run(index: int) -> list[tuple[str, int, bool]]:
        headers = _auth(people["bob_key" if index % 2 else "cy_key"])
        results = []
        with httpx.Client(base_url=site["url"], headers=headers, timeout=600) as client:
            for q in questions:
                if index % 4 < 2:
                    response = client.post("/api/ask", json={"question": q})
                    got = response.json() if response.status_code == 200 else {}
                    shown = (got.get("text"), got.get("refused"), _cited(got.get("citations", [])))
                else:
                    body = {"model": "qa", "messages": [{"role": "user", "content": q}]}
                    response = client.post("/v1/chat/completions", json=body)
                    got = response.json() if response.status_code == 200 else {}
                    text = got["choices"][0]["message"]["content"] if got else None
                    shown = (text, got.get("refused"), _cited(got.get("citations", [])))
                results.append((q, response.status_code, shown == expected[q]))
        return results

    with ThreadPoolExecutor(16) as pool:
        outcomes = [r for results in pool.map(client_run, range(16)) for r in results]
    assert len(outcomes) == 16 * 20
    errors = [(q, status) for q, status, _ in outcomes if status != 200]
    differ = sorted({q for q, status, same in outcomes if status == 200 and not same})
    assert (errors, differ) == ([], [])
