"""Metric functions. Each is deterministic and documented; ``docs/evaluation.md`` explains them.

Matching rules used throughout:
- a gold *document* matches a passage when the passage's file name equals the test case's
  ``source`` (or its path ends with it), or the file stem equals ``doc_id``;
- a gold *sentence* is held by a text when ``support(sentence, text) >= HOLDS`` (see qa/answer/support.py):
  nearly all its content words, and every number, appear in the text.
"""

from __future__ import annotations

from collections.abc import Sequence

from qa.answer.support import support
from qa.documents.chunking import split_sentences
from qa.evaluation import squad
from qa.text import cited_numbers, strip_citations
from qa.types import Answer, Passage

HOLDS = 0.8  # a text holds a gold sentence
SUPPORTED = 0.5  # an answer sentence is supported by the passages it cites


# --- answers (SQuAD) ----------------------------------------------------------------------
# Exact match and token F1 use SQuAD 2.0's official normalisation (qa/evaluation/squad.py).
RIGHT_F1 = 0.5  # a shown answer is right when it holds an accepted answer or has this token F1 with one


def exact_match(prediction: str, answers: Sequence[str]) -> float:
    """1.0 when the normalised prediction equals a normalised accepted answer."""
    return squad.best_exact(prediction, answers) if answers else 0.0


def token_f1(prediction: str, answers: Sequence[str]) -> float:
    """SQuAD token F1, the best over the accepted answers."""
    return squad.best_f1(prediction, answers) if answers else 0.0


def contains_answer(text: str, answers: Sequence[str]) -> float:
    """1.0 when the normalised text contains a normalised accepted answer."""
    return float(squad.holds(text, answers))


def shown_right(text: str, answers: Sequence[str], answerable: bool) -> bool:
    """Whether an answer shown to a person is right: the question has an answer, and the shown
    text holds an accepted answer or has token F1 >= ``RIGHT_F1`` with one. Any answer shown
    for an unanswerable question is wrong."""
    if not answerable or not answers:
        return False
    return squad.holds(text, answers) or squad.best_f1(text, answers) >= RIGHT_F1


def official_scores(text: str, refused: bool, answers: Sequence[str], answerable: bool) -> dict[str, float]:
    """SQuAD 2.0's official per-question exact match and F1, abstentions credited: a refusal is
    the empty prediction, right for an unanswerable question (gold: the empty answer)."""
    prediction = "" if refused else text
    gold = list(answers) if answerable else []
    return {"official_exact": squad.best_exact(prediction, gold), "official_f1": squad.best_f1(prediction, gold)}


def answer_body(answer: Answer) -> str:
    """The answer text without citation markers (what EM/F1 compare)."""
    return "" if answer.refused else strip_citations(answer.text)


# --- retrieval ------------------------------------------------------------------------------
def is_gold_document(source: str, gold_source: str, gold_doc_id: str) -> bool:
    path = source.replace("\\", "/")
    name = path.rsplit("/", 1)[-1]
    stem = name.rsplit(".", 1)[0]
    if gold_source and (name == gold_source or path.endswith("/" + gold_source.lstrip("/"))):
        return True
    return bool(gold_doc_id) and stem == gold_doc_id


def gold_sentences(gold_passage: str) -> list[str]:
    return split_sentences(gold_passage) if gold_passage else []


def held_share(sentences: Sequence[str], texts: Sequence[str]) -> float:
    """Share of ``sentences`` held by at least one of ``texts``."""
    if not sentences:
        return 0.0
    return sum(any(support(s, t) >= HOLDS for t in texts) for s in sentences) / len(sentences)


def retrieval_scores(
    passages: Sequence[Passage], gold_source: str, gold_doc_id: str, gold_passage: str, k: int
) -> dict[str, float | None]:
    """hit@k and reciprocal rank of the gold document; recall@k of the gold passage's sentences."""
    top = list(passages)[:k]
    scores: dict[str, float | None] = {"hit_at_k": None, "mrr": None, "recall_at_k": None}
    if gold_source or gold_doc_id:
        ranks = [i for i, p in enumerate(top, 1) if is_gold_document(p.source, gold_source, gold_doc_id)]
        scores["hit_at_k"] = float(bool(ranks))
        scores["mrr"] = 1.0 / ranks[0] if ranks else 0.0
    sentences = gold_sentences(gold_passage)
    if sentences:
        scores["recall_at_k"] = held_share(sentences, [p.text for p in top])
    return scores


# --- citations and faithfulness -----------------------------------------------------------------
def citation_scores(answer: Answer, gold_source: str, gold_doc_id: str, gold_passage: str) -> dict[str, float | None]:
    """Precision: share of citations whose passage holds a gold sentence (or, without a gold
    passage, comes from the gold document). Recall: share of gold sentences held by the cited
    passages (or, without a gold passage, whether the gold document is cited). None for refusals."""
    if answer.refused or not answer.citations:
        return {"citation_precision": None, "citation_recall": None}
    sentences = gold_sentences(gold_passage)
    if sentences:
        correct = [any(support(s, c.passage) >= HOLDS for s in sentences) for c in answer.citations]
        recall = held_share(sentences, [c.passage for c in answer.citations])
    elif gold_source or gold_doc_id:
        correct = [is_gold_document(c.source, gold_source, gold_doc_id) for c in answer.citations]
        recall = float(any(correct))
    else:
        return {"citation_precision": None, "citation_recall": None}
    return {"citation_precision": sum(correct) / len(correct), "citation_recall": recall}


def faithfulness(answer: Answer) -> float | None:
    """Share of the answer's sentences supported (``support >= SUPPORTED``) by the passages they
    cite; a sentence citing nothing counts as unsupported. None for a refusal."""
    if answer.refused:
        return None
    by_number = {c.number: c.passage for c in answer.citations}
    sentences = [s for s in split_sentences(answer.text) if strip_citations(s)]
    if not sentences:
        return None
    supported = 0
    for sentence in sentences:
        evidence = " ".join(by_number[n] for n in cited_numbers(sentence) if n in by_number)
        supported += bool(evidence) and support(strip_citations(sentence), evidence) >= SUPPORTED
    return supported / len(sentences)


def context_support(answer: Answer) -> float | None:
    """Share of the answer's sentences supported by any retrieved passage, cited or not: a
    grounding score that also applies to systems that cite nothing. None for a refusal."""
    if answer.refused:
        return None
    sentences = [strip_citations(s) for s in split_sentences(answer.text) if strip_citations(s)]
    if not sentences:
        return None
    texts = [p.text for p in answer.passages]
    return sum(any(support(s, t) >= SUPPORTED for t in texts) for s in sentences) / len(sentences)


# --- refusals and latency --------------------------------------------------------------------------
def refusal_scores(refused: Sequence[bool], answerable: Sequence[bool]) -> dict[str, float | None]:
    """A refusal is the right response to an unanswerable question (the positive class)."""
    n = len(refused)
    true_pos = sum(r and not a for r, a in zip(refused, answerable))
    refusals = sum(refused)
    unanswerable = sum(not a for a in answerable)
    answerable_n = n - unanswerable
    wrong_refusals = sum(r and a for r, a in zip(refused, answerable))
    correct = sum(r == (not a) for r, a in zip(refused, answerable))
    return {
        "accuracy": correct / n if n else None,
        "precision": true_pos / refusals if refusals else None,
        "recall": true_pos / unanswerable if unanswerable else None,
        "false_refusal_rate": wrong_refusals / answerable_n if answerable_n else None,
    }


def refusal_curve(
    confidences: Sequence[float | None],
    refused: Sequence[bool],
    answerable: Sequence[bool],
    thresholds: Sequence[float],
) -> list[dict[str, float | None]]:
    """Refusal recall and wrongly refused answerable questions if the decide stage's threshold
    were each of ``thresholds`` (answers without a confidence keep their refusal as given)."""
    rows = []
    for t in thresholds:
        would_refuse = [r if c is None else c < t for c, r in zip(confidences, refused)]
        scores = refusal_scores(would_refuse, answerable)
        rows.append(
            {
                "threshold": round(t, 3),
                "refusal_recall": scores["recall"],
                "wrongly_refused": scores["false_refusal_rate"],
            }
        )
    return rows


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in 0..100): ``numpy.percentile``'s default method, and the
    one percentile of the project (reports and benchmarks); None for no values."""
    import numpy as np

    if len(values) == 0:
        return None
    return float(np.percentile(np.asarray(values, dtype=float), q))


def mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None
