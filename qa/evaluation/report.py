"""Evaluation output: per-question JSONL, summary JSON, Markdown report and PNG charts."""

from __future__ import annotations

import json
from pathlib import Path

from qa.evaluation.compare import Comparison
from qa.evaluation.runner import STAGES, EvalRun, QuestionResult
from qa.evaluation.summary import EvalSummary


def fmt(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def metric_rows(summary: EvalSummary) -> list[tuple[str, float | None]]:
    """The report's metric table; what a person sees comes first: of the answers shown, how many
    are right, and how many were shown."""
    s = summary
    rows: list[tuple[str, float | None]] = [
        ("Shown answers right (precision)", s.shown.right),
        ("Questions answered (coverage)", s.shown.answered),
        ("Right among answerable questions answered", s.shown.right_when_answerable),
        ("Short phrases shown as the answer, right", s.shown.phrases_right),
        ("SQuAD 2.0 official exact match (abstentions credited)", s.official.exact),
        ("SQuAD 2.0 official F1 (abstentions credited)", s.official.f1),
        ("Retrieval hit@k (gold document)", s.retrieval.hit_at_k),
        ("Retrieval recall@k (gold passage)", s.retrieval.recall_at_k),
        ("Retrieval MRR", s.retrieval.mrr),
        ("Exact match (answerable)", s.answers.exact_match),
        ("Token F1 (answerable)", s.answers.f1),
        ("Semantic similarity", s.answers.semantic_similarity),
        ("Answer contains a reference answer", s.answers.contains_answer),
        ("Answer or its quoted evidence contains one", s.answers.evidence_contains_answer),
        ("Citation precision", s.citations.precision),
        ("Citation recall", s.citations.recall),
        ("Gold document cited (answerable)", s.citations.gold_document_cited),
        ("Faithfulness (cited passages)", s.faithfulness),
        ("Supported by retrieved passages", s.context_support),
        ("Refusal accuracy", s.refusals.accuracy),
        ("Refusal precision", s.refusals.precision),
        ("Refusal recall", s.refusals.recall),
        ("Wrongly refused (answerable)", s.refusals.false_refusal_rate),
    ]
    if s.judged:
        rows.append(("Faithfulness (LLM judge)", s.judge_faithfulness))
    return rows


def failure_reason(result: QuestionResult) -> str | None:
    """Why a question counts as failed, or None when it passed."""
    if not result.case.answerable:
        return None if result.answer.refused else "answered an unanswerable question"
    if result.answer.refused:
        return "refused an answerable question"
    f1 = result.scores.f1
    if f1 is not None and f1 == 0.0:
        return "answer shares no words with the reference"
    if result.scores.hit_at_k == 0.0:
        return "gold document not retrieved"
    return None


def worst(results: list[QuestionResult], n: int = 10) -> list[QuestionResult]:
    def badness(r: QuestionResult) -> tuple:
        failed = failure_reason(r) is not None
        return (not failed, r.scores.f1 if r.scores.f1 is not None else 1.0)

    return sorted(results, key=badness)[:n]


def write_charts(run: EvalRun, out: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = []
    answerable = [r for r in run.results if r.case.answerable]
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.2))
    charted = [
        ("Token F1", [r.scores.f1 for r in answerable]),
        ("Semantic similarity", [r.scores.semantic_similarity for r in answerable]),
        ("Faithfulness", [r.scores.faithfulness for r in run.results]),
    ]
    for ax, (title, scores) in zip(axes, charted):
        values = [v for v in scores if v is not None]
        ax.hist(values, bins=10, range=(0, 1), color="#4c72b0", edgecolor="white")
        ax.set_title(f"{title} (n={len(values)})")
        ax.set_xlim(0, 1)
    axes[0].set_ylabel("questions")
    fig.tight_layout()
    fig.savefig(out / "scores.png", dpi=110)
    plt.close(fig)
    names.append("scores.png")

    fig, ax = plt.subplots(figsize=(7, 3.2))
    data = [[r.answer.timings.get(s, 0.0) * 1000 for r in run.results] for s in STAGES]
    ax.boxplot(data, tick_labels=[s.removesuffix("_s") for s in STAGES], vert=False)
    ax.set_xlabel("milliseconds")
    ax.set_title("Latency per stage")
    fig.tight_layout()
    fig.savefig(out / "latency.png", dpi=110)
    plt.close(fig)
    names.append("latency.png")

    curve = [
        (p.threshold, p.wrongly_refused, p.refusal_recall)
        for p in run.summary.refusal_curve
        if p.refusal_recall is not None and p.wrongly_refused is not None
    ]
    if curve:
        fig, ax = plt.subplots(figsize=(4.6, 3.6))
        ax.plot([w for _, w, _ in curve], [r for _, _, r in curve], marker="o", color="#4c72b0")
        for threshold, wrongly, recall in curve[::2]:
            ax.annotate(
                f"{threshold:.2f}",
                (wrongly, recall),
                fontsize=7,
                textcoords="offset points",
                xytext=(4, -8),
            )
        ax.set_xlabel("answerable questions wrongly refused")
        ax.set_ylabel("unanswerable questions refused")
        ax.set_title("Refusal trade-off (labels: min_confidence)")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        fig.tight_layout()
        fig.savefig(out / "refusals.png", dpi=110)
        plt.close(fig)
        names.append("refusals.png")
    return names


def markdown_report(run: EvalRun, charts: list[str], comparison: list[Comparison] | None = None) -> str:
    s = run.summary
    meta = s.meta
    lines = [
        "# Evaluation report",
        "",
        f"Test set `{meta.testset}` · {meta.questions} questions ({meta.answerable} answerable) · "
        f"backend `{meta.backend}` · top-k {meta.top_k} · {meta.date} · {meta.seconds} s",
        "",
        "| Metric | Value |",
        "|---|---|",
        *[f"| {label} | {fmt(value)} |" for label, value in metric_rows(s)],
        "",
        "| Latency (s) | p50 | p95 |",
        "|---|---|---|",
        *[f"| {stage} | {fmt(v.p50)} | {fmt(v.p95)} |" for stage, v in s.latency_s.items()],
        "",
    ]
    check = s.grounding_check
    if check is not None:
        lines += [
            "## Grounding check on labelled claims",
            "",
            f"{check.claims} claims labelled by hand (true paraphrases and planted fabrications), each "
            "retrieved for and grounded as a generated sentence would be.",
            "",
            "| Fabrications caught (recall) | Precision of a drop | True paraphrases kept |",
            "|---|---|---|",
            f"| {fmt(check.fabrication_recall)} | {fmt(check.fabrication_precision)} | {fmt(check.paraphrases_kept)} |",
            "",
        ]
        lines += [f"- missed: {m}" for m in check.missed_fabrications]
        lines += [f"- dropped a true paraphrase: {m}" for m in check.dropped_paraphrases]
        lines.append("")
    if s.refusal_curve:
        lines += [
            "## Refusal trade-off",
            "",
            "What `QA_MIN_CONFIDENCE` would give on this set: unanswerable questions refused (recall) "
            "against answerable ones wrongly refused.",
            "",
            "| min_confidence | Refusal recall | Wrongly refused |",
            "|---|---|---|",
            *[f"| {p.threshold:.2f} | {fmt(p.refusal_recall)} | {fmt(p.wrongly_refused)} |" for p in s.refusal_curve],
            "",
        ]
    if comparison:
        lines += [
            "## Compared with the previous run",
            "",
            "| Metric | Previous | Now | Δ | Gate |",
            "|---|---|---|---|---|",
        ]
        for c in comparison:
            if c.gated or (c.delta not in (None, 0.0)):
                gate = ("**REGRESSED**" if c.regressed else "ok") if c.gated else ""
                delta = "n/a" if c.delta is None else f"{c.delta:+.3f}"
                lines.append(f"| {c.metric} | {fmt(c.previous)} | {fmt(c.current)} | {delta} | {gate} |")
        lines.append("")
    wrong = [r for r in run.results if r.scores.shown_right == 0.0]
    lines += [
        "## Every wrong answer shown",
        "",
        f"{len(wrong)} answers shown were wrong (answered an unanswerable question, or the shown text "
        "neither holds an accepted answer nor has token F1 >= 0.5 with one).",
        "",
    ]
    if wrong:
        lines += ["| # | Question | Shown answer | Accepted answers |", "|---|---|---|---|"]
        for r in wrong:
            accepted = " / ".join(r.case.answers[:3]) if r.case.answerable else "(unanswerable)"
            lines.append(f"| {r.case.id} | {_cell(r.case.question)} | {_cell(r.answer.text)} | {_cell(accepted)} |")
        lines.append("")
    lines += ["## Charts", "", *[f"![{name}]({name})" for name in charts], "", "## Worst questions", ""]
    lines += ["| # | Question | Answer | F1 | Why |", "|---|---|---|---|---|"]
    for r in worst(run.results):
        answer = r.answer.text.replace("|", "\\|").replace("\n", " ")
        answer = answer if len(answer) < 160 else answer[:157] + "…"
        lines.append(
            f"| {r.case.id} | {r.case.question} | {answer} | {fmt(r.scores.f1, 2)} | "
            f"{failure_reason(r) or 'low score'} |"
        )
    return "\n".join(lines) + "\n"


def _cell(text: str, limit: int = 200) -> str:
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) < limit else text[: limit - 1] + "…"


def write_report(run: EvalRun, out: Path, comparison: list[Comparison] | None = None) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    with (out / "results.jsonl").open("w", encoding="utf-8") as f:
        for r in run.results:
            f.write(json.dumps(r.to_dict(), ensure_ascii=False) + "\n")
    (out / "summary.json").write_text(json.dumps(run.summary.to_dict(), indent=2) + "\n", encoding="utf-8")
    charts = write_charts(run, out)
    (out / "report.md").write_text(markdown_report(run, charts, comparison), encoding="utf-8")
    return {
        "results": out / "results.jsonl",
        "summary": out / "summary.json",
        "report": out / "report.md",
        **{name: out / name for name in charts},
    }
