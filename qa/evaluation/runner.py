"""Ask every question of a test set and score the answers."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from qa.evaluation import metrics as m
from qa.evaluation.scores import SCORE_NAMES, QuestionScores
from qa.evaluation.summary import (
    AnswerScores,
    CitationScores,
    CurvePoint,
    EvalSummary,
    Latencies,
    Meta,
    Official,
    RefusalScores,
    RetrievalScores,
    Shown,
    StageLatency,
)
from qa.evaluation.testset import TestCase
from qa.types import Answer

Asker = Callable[..., Answer]  # ask(question) or ask(question, history)
ProgressCallback = Callable[[int, int], object]  # (done, total); what it returns is ignored
STAGES = ("retrieve_s", "generate_s", "total_s")


@dataclass
class QuestionResult:
    case: TestCase
    answer: Answer
    scores: QuestionScores = field(default_factory=QuestionScores)
    judged: bool = False  # an LLM judge scored this question (its score may still be None)

    def to_dict(self) -> dict[str, Any]:
        a = self.answer
        return {
            "id": self.case.id,
            "kind": self.case.kind,
            "question": self.case.question,
            "history": self.case.history,
            "answerable": self.case.answerable,
            "reference_answers": self.case.answers,
            "answer": a.text,
            "refused": a.refused,
            "short_answer": a.short_answer,
            "search_query": a.search_query,
            "confidence": a.confidence,
            "signals": a.signals,
            "citations": [asdict(c) for c in a.citations],
            "retrieved": [
                {
                    "source": p.source,
                    "page": p.page,
                    "relevance": p.relevance,
                    "rank_score": p.rank_score,
                    "found_by": list(p.found_by),
                }
                for p in a.passages
            ],
            "scores": self.scores.to_dict(self.case.answerable, self.judged),
            "timings": a.timings,
        }


@dataclass
class EvalRun:
    results: list[QuestionResult]
    summary: EvalSummary


def conversation(ask, turns: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """The earlier turns of a multi-turn case, asking the product for any answer not given."""
    history: list[tuple[str, str]] = []
    for question, answer in turns:
        history.append((question, answer or ask(question, list(history)).text))
    return history


def score_one(case: TestCase, answer: Answer, k: int) -> QuestionScores:
    scores: dict[str, float | None] = {}
    body = m.answer_body(answer)
    # What a person sees first: was an answer shown, and is it right?
    scores["answered"] = float(not answer.refused)
    scores["shown_right"] = None if answer.refused else float(m.shown_right(body, case.answers, case.answerable))
    if answer.short_answer and not answer.refused:
        scores["phrase_right"] = float(m.shown_right(answer.short_answer, case.answers, case.answerable))
    if case.answers or not case.answerable:
        scores.update(m.official_scores(body, answer.refused, case.answers, case.answerable))
    if case.answerable:
        scores["exact_match"] = m.exact_match(body, case.answers) if case.answers else None
        scores["f1"] = m.token_f1(body, case.answers) if case.answers else None
        scores["contains_answer"] = m.contains_answer(body, case.answers) if case.answers else None
        quotes = " ".join(c.quote for c in answer.citations)
        scores["evidence_contains_answer"] = (
            m.contains_answer(f"{body} {quotes}", case.answers) if case.answers else None
        )
        scores.update(m.retrieval_scores(answer.passages, case.source, case.doc_id, case.gold_passage, k))
        scores.update(m.citation_scores(answer, case.source, case.doc_id, case.gold_passage))
        if case.source or case.doc_id:  # a refusal cites nothing, so it counts as not citing the gold document
            scores["gold_cited"] = float(
                any(m.is_gold_document(c.source, case.source, case.doc_id) for c in answer.citations)
            )
    scores["faithfulness"] = m.faithfulness(answer)
    scores["context_support"] = m.context_support(answer)
    return QuestionScores(**scores)


def add_semantic_similarity(results: Sequence[QuestionResult], embeddings: Embeddings) -> None:
    """Cosine between the answer and the first reference answer (0 for a wrongly refused one)."""
    pairs = [(r, m.answer_body(r.answer), r.case.answers[0]) for r in results if r.case.answerable and r.case.answers]
    scored = [(r, body, ref) for r, body, ref in pairs if body]
    for r, body, _ in pairs:
        if not body:
            r.scores = replace(r.scores, semantic_similarity=0.0)
    if not scored:
        return
    vectors = np.asarray(embeddings.embed_documents([b for _, b, _ in scored] + [ref for _, _, ref in scored]))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    n = len(scored)
    for i, (r, _, _) in enumerate(scored):
        r.scores = replace(r.scores, semantic_similarity=round(float(vectors[i] @ vectors[n + i]), 4))


def summarize(results: Sequence[QuestionResult], meta: Meta) -> EvalSummary:
    def stage(name: str) -> StageLatency:
        values = [r.answer.timings[name] for r in results if name in r.answer.timings]
        p50, p95 = m.percentile(values, 50), m.percentile(values, 95)
        return StageLatency(round(p50, 4) if p50 is not None else None, round(p95, 4) if p95 is not None else None)

    def rounded(value: float | None) -> float | None:
        return round(value, 4) if value is not None else None

    # The mean of each score over the questions that have it (the one place scores go by name).
    means = QuestionScores(
        **{name: rounded(m.mean([getattr(r.scores, name) for r in results])) for name in SCORE_NAMES}
    )
    refusals = m.refusal_scores([r.answer.refused for r in results], [r.case.answerable for r in results])
    answered_answerable = [r for r in results if r.case.answerable and not r.answer.refused]
    right = m.mean([r.scores.shown_right for r in answered_answerable])
    curve = m.refusal_curve(
        [r.answer.confidence for r in results],
        [r.answer.refused for r in results],
        [r.case.answerable for r in results],
        [t / 20 for t in range(6, 19)],
    )
    judged = any(r.judged for r in results)
    return EvalSummary(
        meta=replace(meta, questions=len(results), answerable=sum(r.case.answerable for r in results)),
        shown=Shown(
            right=means.shown_right,
            answered=means.answered,
            right_when_answerable=rounded(right),
            phrases_right=means.phrase_right,
            phrases_shown=sum(r.scores.phrase_right is not None for r in results),
            wrong=sum(r.scores.shown_right == 0.0 for r in results),
        ),
        official=Official(exact=means.official_exact, f1=means.official_f1),
        retrieval=RetrievalScores(hit_at_k=means.hit_at_k, recall_at_k=means.recall_at_k, mrr=means.mrr),
        answers=AnswerScores(
            exact_match=means.exact_match,
            f1=means.f1,
            semantic_similarity=means.semantic_similarity,
            contains_answer=means.contains_answer,
            evidence_contains_answer=means.evidence_contains_answer,
        ),
        citations=CitationScores(
            precision=means.citation_precision, recall=means.citation_recall, gold_document_cited=means.gold_cited
        ),
        faithfulness=means.faithfulness,
        context_support=means.context_support,
        judged=judged,
        judge_faithfulness=means.judge_faithfulness if judged else None,
        refusals=RefusalScores(
            accuracy=rounded(refusals["accuracy"]),
            precision=rounded(refusals["precision"]),
            recall=rounded(refusals["recall"]),
            false_refusal_rate=rounded(refusals["false_refusal_rate"]),
        ),
        refusal_curve=[
            CurvePoint(float(row["threshold"] or 0.0), row["refusal_recall"], row["wrongly_refused"]) for row in curve
        ],
        latency_s=Latencies(*(stage(name) for name in STAGES)),
    )


def evaluate(
    ask: Asker,
    cases: Sequence[TestCase],
    embeddings: Embeddings,
    k: int,
    meta: Meta | None = None,
    on_progress: ProgressCallback | None = None,
    judge: Callable[[Answer], float | None] | None = None,
) -> EvalRun:
    """Ask each question with ``ask`` (e.g. ``assistant.ask``), score it, and summarise.
    ``judge`` (e.g. ``LLMJudge(...).faithfulness``) adds an LLM-judged faithfulness score."""
    started = time.perf_counter()
    results: list[QuestionResult] = []
    for i, case in enumerate(cases):
        if on_progress:
            on_progress(i, len(cases))
        answer = ask(case.question, conversation(ask, case.history)) if case.history else ask(case.question)
        scores = score_one(case, answer, k)
        if judge is not None:
            scores = replace(scores, judge_faithfulness=judge(answer))
        results.append(QuestionResult(case, answer, scores, judged=judge is not None))
    if on_progress:
        on_progress(len(cases), len(cases))
    add_semantic_similarity(results, embeddings)
    info = replace(
        meta or Meta(),
        date=datetime.now(UTC).isoformat(timespec="seconds"),
        top_k=k,
        seconds=round(time.perf_counter() - started, 2),
    )
    return EvalRun(results, summarize(results, info))
