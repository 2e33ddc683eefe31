"""Evaluate page: run a test set, see the metrics, charts and every question's answer."""

from __future__ import annotations

import time
from pathlib import Path
from typing import get_args

import pandas as pd
import streamlit as st

from qa import Backend, QAError, md_text
from qa.documents.uploads import safe_file_name
from qa.evaluation import run_evaluation
from qa.evaluation.report import failure_reason, fmt, metric_rows
from ui.render import card_label
from ui.resources import get_assistant, get_settings

BACKENDS = list(get_args(Backend))


def choose_testset(settings) -> Path | None:
    bundled = sorted(settings.testset_dir.glob("*.jsonl")) + sorted(settings.testset_dir.glob("*.csv"))
    options = [str(p) for p in bundled] + ["Upload a test set…"]
    choice = st.selectbox("Test set", options, help="JSONL or CSV: question, reference_answer / all_answers, "
                                                    "answerable, source / doc_id, gold_passage")
    if choice != options[-1]:
        return Path(choice)
    upload = st.file_uploader("Test set file", type=["jsonl", "csv"])
    if upload is None:
        return None
    target = settings.upload_dir / "testsets" / safe_file_name(upload.name)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(upload.getvalue())
    return target


def run(settings, testset: Path, backend: str, top_k: int, limit: int | None) -> None:
    base = get_assistant()
    run_settings = settings.model_copy(update={"backend": backend, "top_k": top_k})
    out = Path("eval-out") / f"ui-{time.strftime('%Y%m%d-%H%M%S')}"
    progress = st.progress(0.0, text="Starting…")

    def on_progress(done: int, total: int) -> None:
        progress.progress(done / total if total else 1.0, text=f"Question {min(done + 1, total)} of {total}")

    try:
        result = run_evaluation(run_settings, testset, out, limit=limit, embeddings=base.embeddings, on_progress=on_progress)
    except QAError as exc:
        progress.empty()
        st.error(f"Evaluation failed: {md_text(exc)}")
        return
    progress.progress(1.0, text="Done")
    st.session_state["eval_result"] = result


def show(result) -> None:
    summary = result.run.summary
    meta = summary["meta"]
    st.subheader("Metrics")
    st.caption(f"{meta['questions']} questions ({meta['answerable']} answerable) · backend {meta['backend']} · "
               f"top-k {meta['top_k']} · {meta['seconds']} s · report in {md_text(result.files['report'])}")
    table = pd.DataFrame([(label, fmt(value)) for label, value in metric_rows(summary)], columns=["Metric", "Value"])
    col1, col2 = st.columns([1, 1])
    col1.table(table.set_index("Metric"))
    latency = pd.DataFrame([(stage, fmt(v["p50"]), fmt(v["p95"])) for stage, v in summary["latency_s"].items()],
                           columns=["Stage", "p50 (s)", "p95 (s)"])
    col2.table(latency.set_index("Stage"))
    for name in ("scores.png", "latency.png", "refusals.png"):
        if name in result.files:
            st.image(str(result.files[name]))

    st.subheader("Questions")
    only_failures = st.toggle("Only failures", value=False)
    for r in result.run.results:
        reason = failure_reason(r)
        if only_failures and reason is None:
            continue
        f1 = r.scores.get("f1")
        badge = ":red[✗ fail]" if reason else ":green[✓ pass]"  # text and colour, not an emoji alone
        label = f"{badge} {md_text(r.case.id)} · {md_text(r.case.question)}" + (f" · F1 {f1:.2f}" if f1 is not None else "")
        with st.expander(label):
            if reason:
                st.markdown(f"**Failed:** {md_text(reason)}")
            st.markdown(f"**Answer:** {md_text(r.answer.text)}")
            if r.case.answers:
                st.markdown(f"**Reference:** {md_text(' / '.join(r.case.answers))}")
            for c in r.answer.citations:
                st.markdown(f"*{md_text(card_label(c))}*  \n> {md_text(c.quote)}")
            st.caption(" · ".join(f"{k} {fmt(v, 2)}" for k, v in r.scores.items() if v is not None))


def main() -> None:
    st.title("Evaluate answers against a test set")
    settings = get_settings()
    testset = choose_testset(settings)
    col1, col2, col3 = st.columns(3)
    backend = col1.selectbox("Answer backend", BACKENDS, index=BACKENDS.index(settings.backend))
    top_k = col2.slider("Passages to retrieve (top-k)", 1, 10, settings.top_k)
    limit = col3.number_input("Only the first N questions (0 = all)", min_value=0, value=0, step=5)
    st.caption("Questions are asked about the current index (the documents in the chat's sidebar).")
    if st.button("Run evaluation", type="primary", disabled=testset is None) and testset is not None:
        run(settings, testset, backend, top_k, int(limit) or None)
    if "eval_result" in st.session_state:
        show(st.session_state["eval_result"])


main()
