"""Start real servers (Chroma, an OpenAI-compatible LLM server, `qa serve`) on free local ports for tests and benchmarks."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from testsupport.helpers import ROOT, free_port

BIN = Path(sys.executable).parent


@contextlib.contextmanager
def running(
    command: list[str], health_url: str, log_path: Path, timeout: float = 180, env: dict[str, str] | None = None
):
    with open(log_path, "w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        try:
            deadline = time.monotonic() + timeout
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"{command[0]} exited early; see {log_path}")
                try:
                    with urllib.request.urlopen(health_url, timeout=2):
                        break
                except OSError as exc:
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"{command[0]} did not start; see {log_path}") from exc
                    time.sleep(0.3)
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


@contextlib.contextmanager
def chroma_server(data_dir: Path):
    data_dir.parent.mkdir(parents=True, exist_ok=True)  # the server's log goes beside its data
    port = free_port()
    command = [str(BIN / "chroma"), "run", "--path", str(data_dir), "--host", "127.0.0.1", "--port", str(port)]
    with running(command, f"http://127.0.0.1:{port}/api/v2/heartbeat", data_dir.parent / "chroma.log"):
        yield port


@contextlib.contextmanager
def openai_compatible_server(model_path: Path, log_dir: Path):
    """llama-cpp-python's OpenAI-compatible server, serving the GGUF file."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(model_path),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        "2048",
        "--model_alias",
        "gemma-3-270m",
    ]
    with running(command, f"http://127.0.0.1:{port}/v1/models", log_dir / "llm-server.log"):
        yield f"http://127.0.0.1:{port}/v1"


@contextlib.contextmanager
def qa_server(index_dir: Path, log_dir: Path, env: dict[str, str] | None = None, timeout: float = 300):
    """``python -m qa serve`` on a free 127.0.0.1 port over ``index_dir``; yields its base URL."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "qa",
        "serve",
        "--index-dir",
        str(index_dir),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    log_dir.mkdir(parents=True, exist_ok=True)
    with running(
        command,
        f"http://127.0.0.1:{port}/api/health",
        log_dir / "qa-serve.log",
        timeout,
        env={**os.environ, "TOKENIZERS_PARALLELISM": "false", **(env or {})},
    ):
        yield f"http://127.0.0.1:{port}"
