"""Debian's headless Chromium and a `streamlit run` server, for the browser test and bench."""

from __future__ import annotations

import os
import subprocess
import time
import urllib.request

CHROMIUM = os.environ.get("QA_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
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
        arg=count, timeout=timeout_ms,
    )
