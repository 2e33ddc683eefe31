"""Debian's headless Chromium and a `streamlit run` server: the one way the browser tests and
bench/browser_latency.py start them."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Browser

# A question the local model answers at length on the seed documents (about 440 characters,
# ending 2 s after its first 20 on an idle machine), for tests that press Stop mid-answer: a
# short draft can end before the click's rerun reaches the run, and then the finished answer
# rightly stands instead of a stopped one.
LONG_LOCAL_QUESTION = "Write a long, detailed report on everything the documents say about Ukraine's defense industry."
CHROMIUM = os.environ.get("QA_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"Chromium not found at {CHROMIUM}: run scripts/install-chromium.sh (make test does)")


@contextlib.contextmanager
def chromium(expect_timeout_ms: float | None = None) -> Iterator[Browser]:
    """Headless Chromium under playwright; yields the Browser and closes it. ``expect_timeout_ms``
    sets playwright's ``expect`` timeout (a wait, not a timing check)."""
    require_chromium()
    from playwright.sync_api import expect, sync_playwright

    if expect_timeout_ms is not None:
        expect.set_options(timeout=expect_timeout_ms)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


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


def run_evaluation_page(page, url: str, questions: int, timeout_ms: float) -> None:
    """Open the Evaluate page, run the first ``questions`` of the default test set and wait for
    its metrics."""
    page.goto(f"{url}/evaluate")
    page.get_by_text("Evaluate answers against a test set").wait_for(timeout=timeout_ms)
    limit = page.get_by_label("Only the first N questions (0 = all)")
    limit.fill(str(questions))
    limit.press("Enter")
    page.get_by_role("button", name="Run evaluation").click()
    page.get_by_text("Metrics", exact=True).wait_for(timeout=timeout_ms)


@contextlib.contextmanager
def streamlit_app(
    root: Path, tmp: Path, env_extra: dict[str, str] | None = None
) -> Iterator[tuple[str, subprocess.Popen, float]]:
    """`streamlit run ui/app.py` on a free loopback port with its index and uploads under ``tmp``
    (``env_extra`` adds or overrides ``QA_*`` settings) and its output in ``tmp/streamlit.log``;
    yields (url, process, seconds to healthy). Fails at once when Chromium is missing, before the
    long start."""
    from testsupport.helpers import free_port

    require_chromium()
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


def ask_and_expect(page, answers: list[tuple[str, str, str]], timeout_ms: float) -> None:
    """Ask each question in the chat box in turn; each answer holds its text and a card its label
    (``(question, text in the answer, text on a card)``)."""
    from playwright.sync_api import expect

    for n, (question, answer, card) in enumerate(answers):
        box = page.get_by_test_id("stChatInputTextArea")
        box.fill(question)
        box.press("Enter")
        page.wait_for_function(
            "n => document.querySelectorAll('.answer, .refusal').length > n", arg=n, timeout=timeout_ms
        )
        expect(page.locator(".answer").last).to_contain_text(answer)
        expect(page.get_by_text(card).last).to_be_visible()
