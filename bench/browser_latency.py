"""Browser figures: app start, first page load, time to first token and to full answer,
measured in Debian's headless Chromium against `streamlit run ui/app.py`.

    python -m bench.browser_latency --backend extractive --questions 10
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from testsupport.browser import chromium, streamlit_app

ROOT = Path(__file__).resolve().parents[1]

# Time (performance.now) when the newest assistant message first shows text, and when the
# final answer block (.answer or .refusal) appears.
WATCH = """
(n) => {
  const t = {};
  window.__qaWatch = t;
  const check = () => {
    const msgs = document.querySelectorAll('[data-testid="stChatMessage"]');
    const last = msgs[msgs.length - 1];
    const written = last ? [...last.querySelectorAll('[data-testid="stMarkdownContainer"]')]
      .some(e => !e.closest('[data-testid="stSpinner"]') && e.innerText.trim()) : false;
    if (!t.first && msgs.length > n && written) t.first = performance.now();
    if (document.querySelectorAll('.answer, .refusal').length > (n - 1) / 2) { t.full = performance.now(); observer.disconnect(); }
  };
  const observer = new MutationObserver(check);
  observer.observe(document.body, {childList: true, subtree: true, characterData: true});
}
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", default="extractive")
    parser.add_argument("--questions", type=int, default=10)
    args = parser.parse_args()
    questions = [json.loads(line)["question"] for line in (ROOT / "seeds" / "testset.jsonl").open()][: args.questions]
    with (
        tempfile.TemporaryDirectory() as tmp,
        streamlit_app(ROOT, Path(tmp), {"QA_BACKEND": args.backend}) as (url, _, health),
        chromium() as browser,
    ):
        page = browser.new_page()
        t = time.perf_counter()
        page.goto(url)
        page.get_by_test_id("stChatInputTextArea").wait_for(timeout=300_000)
        first_load = time.perf_counter() - t
        firsts, fulls = [], []
        for i, question in enumerate(questions):
            box = page.get_by_test_id("stChatInputTextArea")
            box.fill(question)
            page.evaluate(WATCH, 2 * i + 1)  # messages so far (user+assistant pairs) + the new question
            t0 = page.evaluate("performance.now()")
            box.press("Enter")
            page.wait_for_function("() => window.__qaWatch.full", timeout=300_000)
            marks = page.evaluate("window.__qaWatch")
            firsts.append((marks.get("first", marks["full"]) - t0) / 1000)
            fulls.append((marks["full"] - t0) / 1000)
            page.wait_for_timeout(300)
    print(
        f"backend {args.backend}: server healthy after {health:.2f} s (process start to /_stcore/health); "
        f"first page load with models {first_load:.2f} s; total start {health + first_load:.2f} s"
    )
    print(
        f"over {len(questions)} seed questions: time to first token median {statistics.median(firsts):.2f} s, "
        f"to full answer median {statistics.median(fulls):.2f} s (max {max(fulls):.2f} s)"
    )


if __name__ == "__main__":
    main()
