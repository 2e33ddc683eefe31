"""Debian's headless Chromium and a `streamlit run` server, for the browser test and bench."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

CHROMIUM = os.environ.get("QA_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def wait_for_health(url: str, process: subprocess.Popen, timeout: float = 180) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return time.perf_counter() - started
        except OSError:
            time.sleep(0.3)
    raise TimeoutError("streamlit did not start")


def wait_for_documents(page, count: int, timeout_ms: float) -> None:
    """Wait until the sidebar's "Documents" figure reads ``count`` (the first start indexes the
    default documents in the background; a progress bar that is absent may simply not be drawn
    yet, so only a positive sign that the files are in counts)."""
    page.wait_for_function(
        """n => [...document.querySelectorAll('[data-testid="stMetric"]')].some(m =>
               m.innerText.includes('Documents') &&
               m.querySelector('[data-testid="stMetricValue"]')?.innerText.trim() === String(n))""",
        arg=count,
        timeout=timeout_ms,
    )


@contextlib.contextmanager
def streamlit_app(root: Path, tmp: Path, env_extra: dict[str, str] | None = None):
    """`streamlit run ui/app.py` on a free loopback port with its index and uploads under ``tmp``;
    yields (url, process, seconds to healthy)."""
    from testsupport.helpers import free_port

    port = free_port()
    env = {**os.environ, "QA_INDEX_DIR": str(tmp / "index"), "QA_UPLOAD_DIR": str(tmp / "uploads"), **(env_extra or {})}
    with open(tmp / "streamlit.log", "w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "ui/app.py",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=root,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            yield url, process, wait_for_health(url, process)
        finally:
            process.terminate()
            process.wait(timeout=30)
