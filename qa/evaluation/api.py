"""``run_evaluation``: the one call behind ``python -m qa eval`` and the Evaluate page."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from langchain_core.embeddings import Embeddings

from qa.assistant import Assistant
from qa.errors import as_server_error
from qa.evaluation.compare import DEFAULT_GATED, Comparison, compare_summaries
from qa.evaluation.report import write_report
from qa.evaluation.runner import EvalRun, ProgressCallback, evaluate
from qa.evaluation.splits import Half, select_half
from qa.evaluation.summary import Meta, load_summary
from qa.evaluation.testset import load_testset
from qa.settings import Settings
from qa.types import IngestSummary


@dataclass
class EvaluationOutput:
    run: EvalRun
    files: dict[str, Path]
    comparison: list[Comparison] | None
    ingest: IngestSummary | None

    @property
    def regressed(self) -> list[Comparison]:
        return [c for c in self.comparison or [] if c.regressed]


def corpus_collection(corpus: Path, settings: Settings | None = None) -> str:
    """A collection of its own for each evaluation corpus (and embedding model and precision,
    whose vectors do not mix), so the user's index is untouched."""
    key = str(corpus.resolve())
    if settings is not None:
        key += f"\x1f{settings.embedding.embedding_model}\x1f{settings.embedding.embedding_precision}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    return f"eval-{digest}"


def run_evaluation(
    settings: Settings,
    testset: str | Path,
    out: str | Path,
    corpus: str | Path | None = None,
    limit: int | None = None,
    compare_to: str | Path | None = None,
    gated: tuple[str, ...] = DEFAULT_GATED,
    tolerance: float = 0.02,
    embeddings: Embeddings | None = None,
    on_progress: ProgressCallback | None = None,
    grounding: str | Path | None = None,
    on_ingest_progress=None,
    half: Half | None = None,
    split: str | Path | None = None,
) -> EvaluationOutput:
    """Index ``corpus`` (if given) into its own collection, ask every question of ``testset``,
    score, write the report into ``out``, and compare with ``compare_to`` (a summary.json).
    ``grounding`` (a labelled claims file, see ``qa/evaluation/grounding.py``) adds how well the
    grounding check catches fabrications; ``on_ingest_progress`` follows the indexing."""
    cases = select_half(load_testset(testset), half, split)[:limit] if half else load_testset(testset, limit)
    previous = load_summary(compare_to) if compare_to else None
    ingest = None
    if corpus is not None:
        corpus = Path(corpus)
        assistant = Assistant(settings, collection=corpus_collection(corpus, settings), embeddings=embeddings)
        ingest = assistant.ingest([corpus], on_progress=on_ingest_progress)
    else:
        assistant = Assistant(settings, embeddings=embeddings)
        ingest = assistant.ensure_corpus()
    meta = Meta(
        testset=str(testset),
        half=half or "all",
        corpus=str(corpus or settings.ingest.corpus_dir),
        backend=settings.answering.backend,
        embedding_model=settings.embedding.embedding_model,
    )
    judge = None
    if settings.evaluation.judge_base_url:
        from qa.evaluation.judge import LLMJudge

        judge = LLMJudge(
            settings.evaluation.judge_base_url,
            settings.evaluation.judge_model,
            settings.generation.openai_api_key,
            settings.generation.request_timeout_s,
        ).faithfulness
        meta.judge_model = settings.evaluation.judge_model
    try:
        run = evaluate(assistant.ask, cases, assistant.embeddings, settings.retrieval.top_k, meta, on_progress, judge)
    except Exception as exc:
        error = (
            exc if judge is None else as_server_error(exc, str(settings.evaluation.judge_base_url), "QA_JUDGE_BASE_URL")
        )
        if error is exc:
            raise
        raise error from exc
    if grounding is not None:
        from qa.evaluation.grounding import load_grounding_set, score_grounding

        run.summary.grounding_check = score_grounding(assistant, load_grounding_set(grounding))
    comparison = compare_summaries(run.summary, previous, gated, tolerance) if previous else None
    files = write_report(run, Path(out), comparison)
    return EvaluationOutput(run, files, comparison, ingest)
