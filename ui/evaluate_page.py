"""Evaluate page: run a test set, see the metrics, charts and every question's answer."""

from __future__ import annotations

import time
from pathlib import Path
from typing import get_args

import pandas as pd
import streamlit as st

from qa import Backend, EvaluationStore, QAError, failure_reason, fmt, md_text, metric_rows, run_evaluation
from ui.render import card_label
from ui.resources import get_assistant, get_settings
from ui.signin import refusal

BACKENDS = list(get_args(Backend))


def evaluation_store(settings) -> EvaluationStore:
    """Reports and uploaded test sets live under the index (or QA_EVAL_DIR), not the working folder."""
    return EvaluationStore(settings.evaluation.folder(settings.storage.index_dir))


def choose_testset(settings, store: EvaluationStore) -> Path | None:
    bundled = sorted(settings.evaluation.testset_dir.glob("*.jsonl")) + sorted(
        settings.evaluation.testset_dir.glob("*.csv")
    )
    options = [str(p) for p in bundled] + [str(t.path) for t in store.testsets()] + ["Upload a test set…"]
    choice = st.selectbox(
        "Test set",
        options,
        help="JSONL or CSV: question, reference_answer / all_answers, answerable, source / doc_id, gold_passage",
    )
    if choice != options[-1]:
        return Path(choice)
    upload = st.file_uploader("Test set file", type=["jsonl", "csv"])
    if upload is None:
        return None
    return store.save_testset(upload.name, upload.getvalue())


def stored_section(store: EvaluationStore) -> None:
    """Earlier reports and uploaded test sets, each removable."""
    runs, testsets = store.runs(), store.testsets()
    with st.expander(f"Stored reports ({len(runs)}) and uploaded test sets ({len(testsets)})"):
        st.caption(f"Kept in `{store.folder.name}/` beside the index (set QA_EVAL_DIR to move it).")
        for kind, items, remove in (("report", runs, store.remove_run), ("test set", testsets, store.remove_testset)):
            for item in items:
                name_col, button_col = st.columns([4, 1])
                name_col.markdown(f"{kind.capitalize()} {md_text(item.name)} · {item.modified} UTC")
                if button_col.button("Remove", key=f"remove-{kind}-{item.name}", help=f"Delete this {kind}"):
                    try:
                        remove(item.name)
                    except QAError as exc:
                        st.error(md_text(exc))
                    else:
                        st.session_state.pop("eval_result", None)
                        st.rerun()
        if not runs and not testsets:
            st.caption("Nothing stored yet.")


def run(settings, store: EvaluationStore, testset: Path, backend: str, top_k: int, limit: int | None) -> None:
    base = get_assistant()
    run_settings = settings.changed(backend=backend, top_k=top_k)
    out = store.new_run(time.strftime("%Y%m%d-%H%M%S"))
    progress = st.progress(0.0, text="Starting…")

    def on_progress(done: int, total: int) -> None:
        progress.progress(done / total if total else 1.0, text=f"Question {min(done + 1, total)} of {total}")

    try:
        result = run_evaluation(
            run_settings, testset, out, limit=limit, embeddings=base.embeddings, on_progress=on_progress
        )
    except QAError as exc:
        progress.empty()
        st.error(f"Evaluation failed: {md_text(exc)}")
        return
    progress.progress(1.0, text="Done")
    st.session_state["eval_result"] = result


def show(result) -> None:
    summary = result.run.summary
    meta = summary.meta
    st.subheader("Metrics")
    st.caption(
        f"{meta.questions} questions ({meta.answerable} answerable) · backend {meta.backend} · "
        f"top-k {meta.top_k} · {meta.seconds} s · report `{md_text(Path(result.files['report']).parent.name)}` "
        "(listed under Stored reports)"
    )
    table = pd.DataFrame([(label, fmt(value)) for label, value in metric_rows(summary)], columns=["Metric", "Value"])
    col1, col2 = st.columns([1, 1])
    col1.table(table.set_index("Metric"))
    latency = pd.DataFrame(
        [(stage, fmt(v.p50), fmt(v.p95)) for stage, v in summary.latency_s.items()],
        columns=["Stage", "p50 (s)", "p95 (s)"],
    )
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
        f1 = r.scores.f1
        badge = ":red[✗ fail]" if reason else ":green[✓ pass]"  # text and colour, not an emoji alone
        label = f"{badge} {md_text(r.case.id)} · {md_text(r.case.question)}" + (
            f" · F1 {f1:.2f}" if f1 is not None else ""
        )
        with st.expander(label):
            if reason:
                st.markdown(f"**Failed:** {md_text(reason)}")
            st.markdown(f"**Answer:** {md_text(r.answer.text)}")
            if r.case.answers:
                st.markdown(f"**Reference:** {md_text(' / '.join(r.case.answers))}")
            for c in r.answer.citations:
                st.markdown(f"*{md_text(card_label(c))}*  \n> {md_text(c.quote)}")
            st.caption(" · ".join(f"{k} {fmt(v, 2)}" for k, v in r.scores.measured().items()))


def main() -> None:
    st.title("Evaluate answers against a test set")
    if refused := refusal("evaluate"):  # as the API: runs are for admins
        st.error(refused)
        return
    settings = get_settings()
    store = evaluation_store(settings)
    testset = choose_testset(settings, store)
    col1, col2, col3 = st.columns(3)
    backend = col1.selectbox("Answer backend", BACKENDS, index=BACKENDS.index(settings.answering.backend))
    top_k = col2.slider("Passages to retrieve (top-k)", 1, 10, settings.retrieval.top_k)
    limit = col3.number_input("Only the first N questions (0 = all)", min_value=0, value=0, step=5)
    st.caption("Questions are asked about the current index (the documents in the chat's sidebar).")
    if st.button("Run evaluation", type="primary", disabled=testset is None) and testset is not None:
        run(settings, store, testset, backend, top_k, int(limit) or None)
    if "eval_result" in st.session_state:
        show(st.session_state["eval_result"])
    stored_section(store)


main()
