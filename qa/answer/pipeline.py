"""The answer stages after retrieval, each a function with typed input and output:
select (extractive) or ground a draft (generative) -> ``Decision``; decide -> ``Answer``.
``Assistant.stream`` composes them with the follow-up, retrieve and generate stages."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from qa.answer.calibration import Calibration
from qa.answer.decide import Decision, Signals, confidence, signals_for
from qa.answer.ground import (
    REFUSAL_TEXT,
    Claim,
    assemble,
    assemble_short,
    best_quote,
    best_sentence_support,
    ground_generated,
    says_not_found,
)
from qa.answer.read import Candidate, Reader, Reading
from qa.answer.select import Rerank, Selection, SentenceVectors, select_sentences
from qa.answer.span import Span
from qa.settings import AnsweringSettings
from qa.types import Answer, Citation, Passage


def _relevance(passages: list[Passage]) -> float:
    return max((p.relevance for p in passages), default=0.0)


@dataclass(frozen=True)
class Evidence:
    """What the extractive path reads before it decides: the chosen sentences, the signals of
    the best one and the reading step's candidate phrases (the tuner reads this too)."""

    selection: Selection | None
    signals: Signals
    reading: Reading | None


def gather_evidence(
    question: str,
    query: str,
    passages: list[Passage],
    vectors: SentenceVectors,
    answering: AnsweringSettings,
    reader: Reader,
    rerank_weight: float = 0.0,
) -> Evidence:
    """Select the best sentences (the answerability model re-ordering the best few, when the
    reader has it), then read them (question kind, candidate phrases)."""
    relevance = _relevance(passages)
    how = Rerank(reader.answerability.score, rerank_weight) if reader.answerability.enabled else None
    selection = (
        select_sentences(query, passages, vectors, how=how, embed_at_most=answering.sentence_candidates)
        if relevance >= answering.min_relevance
        else None
    )
    if selection is None:
        return Evidence(None, Signals(relevance, 0.0, 0.0, 0.0), None)
    best_passage = next(p for p in passages if p.number == selection.best_passage)
    best = next(c for c in selection.claims if c.is_best)
    signals = signals_for(
        query,
        relevance,
        selection.best_score,
        best_passage.text,
        sentence=best.sentence,
        answerability=selection.answerability,
    )
    sentences = [best.sentence, *(c.sentence for c in selection.claims if not c.is_best)]
    return Evidence(selection, signals, reader.read(question, sentences, query))


def answer_features(signals: Signals, reading: Reading | None, best_phrase: float) -> dict[str, float]:
    """The features of the answer model (``Calibration.answer``)."""
    features = {k: float(v) for k, v in signals.to_dict().items()}
    features.update(reading.signals() if reading else {})
    features["best_phrase"] = best_phrase
    return features


def choose_phrase(reading: Reading | None, calibration: Calibration) -> tuple[Candidate | None, float]:
    """The likeliest candidate phrase and its calibrated probability of being right."""
    if reading is None or not reading.candidates:
        return None, 0.0
    scored = [(calibration.phrase_probability(c.features), c) for c in reading.candidates]
    probability, best = max(scored, key=lambda pair: pair[0])
    return best, probability


def select_answer(
    question: str,
    query: str,
    passages: list[Passage],
    vectors: SentenceVectors,
    answering: AnsweringSettings,
    reader: Reader,
    calibration: Calibration,
) -> Decision:
    """Extractive: the best sentences, their likeliest phrase, and a calibrated confidence. The
    phrase is the answer only when its own calibrated probability reaches the phrase threshold;
    otherwise the sentence is the answer with the phrase marked inside it."""
    evidence = gather_evidence(question, query, passages, vectors, answering, reader, calibration.rerank_weight)
    if evidence.selection is None:
        return Decision([], None, evidence.signals, 0.0)
    phrase, probability = choose_phrase(evidence.reading, calibration)
    features = answer_features(evidence.signals, evidence.reading, probability)
    confidence = calibration.answer_confidence(features)
    claims = evidence.selection.claims
    span = None
    if phrase is not None:
        span = Span(phrase.text, phrase.start, phrase.end, evidence.reading.kind if evidence.reading else "other")
        owner = next(c for c in claims if c.sentence == phrase.sentence)
        claims = [replace(c, is_best=c is owner) for c in claims]
    # The phrase stands alone only when it is likely right *and* the question is likely answered:
    # a right-looking phrase for an unanswerable question is still a wrong answer.
    joint = probability * confidence
    threshold = (
        answering.min_phrase_confidence if answering.min_phrase_confidence is not None else calibration.phrase_threshold
    )
    show = span is not None and joint >= threshold
    if show:
        claims = [c for c in claims if c.is_best]
    return Decision(
        claims,
        span,
        evidence.signals,
        confidence,
        show_phrase=show,
        phrase_confidence=round(joint, 4) if phrase is not None else None,
        features=features,
    )


def ground_draft(
    question: str,
    query: str,
    passages: list[Passage],
    draft: str,
    answering: AnsweringSettings,
    quote: bool,
    reader: Reader,
    calibration: Calibration,
) -> Decision:
    """Generative: keep the sentences one passage sentence supports. With ``quote`` (the local
    model), the model only selects: the answer is the passage sentence each kept sentence rests
    on, or a short answer cut from the first, never the model's own words."""
    relevance = _relevance(passages)
    keep = answering.unsupported_sentences == "flag" and not quote
    claims = ground_generated(draft, passages, answering.min_support, keep_unverified=keep) if draft else []
    verified = [c for c in claims if c.verified]
    if not verified:  # nothing the documents support: refuse, whatever was flagged
        return Decision([], None, Signals(relevance, 0.0, 0.0, 0.0, says_not_found(draft)), 0.0)
    by_number = {p.number: p for p in passages}
    cited = by_number[verified[0].passage_number]
    signals = signals_for(query, relevance, best_sentence_support(verified[0].sentence, cited), cited.text)
    if not quote:
        return Decision(claims, None, signals, confidence(signals))
    quoted: list[Claim] = []
    for claim in verified:
        sentence = best_quote(claim.sentence, by_number[claim.passage_number])
        if all(q.sentence != sentence for q in quoted):
            quoted.append(Claim(sentence, claim.passage_number, is_best=not quoted))
    # The quoted sentence is read like an extractive one: its phrase is the answer only when
    # the phrase model is confident of it, else it is marked inside the sentence.
    phrase, probability = choose_phrase(reader.read(question, [quoted[0].sentence], query), calibration)
    span = Span(phrase.text, phrase.start, phrase.end, "other") if phrase is not None else None
    threshold = (
        answering.min_phrase_confidence if answering.min_phrase_confidence is not None else calibration.phrase_threshold
    )
    show = span is not None and probability >= threshold
    return Decision(
        quoted[:1] if show else quoted,
        span,
        signals,
        confidence(signals),
        show_phrase=show,
        phrase_confidence=round(probability, 4) if phrase is not None else None,
    )


def decide(
    question: str,
    query: str,
    passages: list[Passage],
    decision: Decision,
    backend: str,
    timings: dict[str, float],
    started: float,
    min_confidence: float,
    stopped: bool = False,
) -> Answer:
    """The decide stage: the answer stands when its confidence reaches ``min_confidence``."""
    claims = decision.claims if decision.confidence >= min_confidence else []
    return build_answer(
        question, query, passages, claims, backend, REFUSAL_TEXT, timings, started, stopped, decision=decision
    )


def mark_phrase(citations: list[Citation], phrase: str) -> list[Citation]:
    """Mark the likely phrase inside the first quote that holds it (the sentence stays the answer)."""
    for i, citation in enumerate(citations):
        if phrase and phrase in citation.quote:
            return [*citations[:i], replace(citation, highlight=phrase), *citations[i + 1 :]]
    return citations


def build_answer(
    question: str,
    search_query: str,
    passages: list[Passage],
    claims: list[Claim],
    backend: str,
    refusal_text: str,
    timings: dict[str, float],
    started: float,
    stopped: bool = False,
    decision: Decision | None = None,
) -> Answer:
    """The ``Answer``: a short phrase (only when the decision is confident of it), the cited
    sentences with the likeliest phrase marked in its quote, or the refusal text."""
    span = decision.span if decision else None
    short = ""
    if claims and span is not None and decision is not None and decision.show_phrase:
        best = next(c for c in claims if c.is_best)
        text, citations = assemble_short(span.text, best, passages)
        short = span.text
    elif claims:
        text, citations = assemble(claims, passages)
        if span is not None:
            citations = mark_phrase(citations, span.text)
    else:
        text, citations = refusal_text, []
    timings["total_s"] = time.perf_counter() - started
    return Answer(
        question=question,
        text=text,
        citations=citations,
        refused=not claims,
        backend=backend,
        search_query=search_query,
        timings={k: round(v, 4) for k, v in timings.items()},
        passages=passages,
        stopped=stopped,
        confidence=round(decision.confidence, 4) if decision else None,
        short_answer=short,
        phrase_confidence=decision.phrase_confidence if decision and claims else None,
        signals={
            k: round(v, 4) if isinstance(v, float) else v
            for k, v in {**decision.signals.to_dict(), **decision.features}.items()
        }
        if decision
        else {},
    )
