"""A real `chroma run` server that stops mid-session, or something else on its port: one
clear line naming the Chroma server and its settings, in the API and the CLI."""

from __future__ import annotations

import http.server
import threading

import pytest

from qa.assistant import Assistant
from qa.errors import ChromaUnavailable
from qa.settings import Settings
from testsupport.helpers import SEEDS, error_lines, free_port, run_cli
from testsupport.servers import chroma_server

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_stopped_chroma_server_is_named_in_ask_and_ingest(tmp_path, embeddings):
    data = tmp_path / "chroma" / "data"
    data.parent.mkdir()
    with chroma_server(data) as port:
        settings = Settings(index_dir=tmp_path / "index", chroma_host="127.0.0.1", chroma_port=port)
        bot = Assistant(settings, embeddings=embeddings)
        bot.ingest([SEEDS / "docs"])
        assert not bot.ask("What is Ukraine's annual drone production capacity?").refused
    # the server is gone now
    with pytest.raises(ChromaUnavailable) as asked:
        bot.ask("What is Ukraine's annual drone production capacity?")
    with pytest.raises(ChromaUnavailable) as ingested:
        (tmp_path / "more").mkdir()
        (tmp_path / "more" / "a.txt").write_text("The ferry leaves at noon.", encoding="utf-8")
        bot.ingest([tmp_path / "more"])
    for message in (str(asked.value), str(ingested.value)):
        assert f"127.0.0.1:{port}" in message and "QA_CHROMA_HOST" in message and "\n" not in message
        assert "QA_OPENAI_BASE_URL" not in message


class NotChroma(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's naming)
        body = b"<html><body><h1>Welcome to nginx!</h1>\n<p>Something else lives here.</p></body></html>"
        self.send_response(404)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, *args):
        pass


def test_a_server_that_is_not_chroma_is_one_line(tmp_path):
    port = free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), NotChroma)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        env = {"QA_INDEX_DIR": str(tmp_path / "index"), "QA_CHROMA_HOST": "127.0.0.1", "QA_CHROMA_PORT": str(port)}
        for args in (["ask", "Who opened the office?"], ["ingest", str(SEEDS / "docs")]):
            result = run_cli(*args, env_extra=env)
            assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
            (line,) = error_lines(result.stderr)
            assert "Chroma server" in line and f"127.0.0.1:{port}" in line and "QA_CHROMA_HOST" in line
            assert "web page, not Chroma's API" in line and "<html" not in line
            assert len(result.stderr.strip().splitlines()) <= 2
    finally:
        server.shutdown()
