"""The answer stages after retrieval, each a function with typed input and output:
select (extractive) or ground a draft (generative) -> ``Decision``; decide -> ``Answer``.
``Assistant.stream`` composes them with the follow-up, retrieve and generate stages."""

from __future__ import annotations

import time
from dataclasses import replace

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
from qa.answer.select import SentenceVectors, select_sentences
from qa.answer.span import Span, requires_span, short_answer
from qa.settings import Settings
from qa.types import Answer, Passage


def _relevance(passages: list[Passage]) -> float:
    return max((p.relevance for p in passages), default=0.0)


def select_answer(question: str, query: str, passages: list[Passage], vectors: SentenceVectors,
                  settings: Settings) -> Decision:
    """Extractive: the best sentences, a short answer cut from the best one, and the signals."""
    relevance = _relevance(passages)
    selection = select_sentences(query, passages, vectors) if relevance >= settings.min_relevance else None
    if selection is None:
        return Decision([], None, Signals(relevance, 0.0, 0.0, 0.0), 0.0)
    best_passage = next(p for p in passages if p.number == selection.best_passage)
    signals = signals_for(query, relevance, selection.best_score, best_passage.text)
    # Of the sentences chosen (near-equal scores), the short answer comes from the one with
    # the likeliest span of the asked-for kind.
    spans = [(short_answer(question, c.sentence, query), c) for c in selection.claims]
    spans = [(span, claim) for span, claim in spans if span is not None]
    if spans:
        span, claim = min(spans, key=lambda pair: pair[0].cost)
        return Decision([replace(claim, is_best=True)], span, signals, confidence(signals))
    if requires_span(question):
        # The question asks for an amount, a year or a sum and no chosen sentence holds one.
        return Decision([], None, signals, 0.0)
    return Decision(selection.claims, None, signals, confidence(signals))


def ground_draft(question: str, query: str, passages: list[Passage], draft: str, settings: Settings,
                 quote: bool) -> Decision:
    """Generative: keep the sentences one passage sentence supports. With ``quote`` (the local
    model), the model only selects: the answer is the passage sentence each kept sentence rests
    on, or a short answer cut from the first, never the model's own words."""
    relevance = _relevance(passages)
    keep = settings.unsupported_sentences == "flag" and not quote
    claims = ground_generated(draft, passages, settings.min_support, keep_unverified=keep) if draft else []
    verified = [c for c in claims if c.verified]
    if not verified:  # nothing the documents support: refuse, whatever was flagged
        return Decision([], None, Signals(relevance, 0.0, 0.0, 0.0, says_not_found(draft)), 0.0)
    by_number = {p.number: p for p in passages}
    cited = by_number[verified[0].passage_number]
    signals = signals_for(query, relevance, best_sentence_support(verified[0].sentence, cited), cited.text)
    span = None
    if quote:
        quoted: list[Claim] = []
        for claim in verified:
            sentence = best_quote(claim.sentence, by_number[claim.passage_number].text)
            if all(q.sentence != sentence for q in quoted):
                quoted.append(Claim(sentence, claim.passage_number, is_best=not quoted))
        claims = quoted
        span = short_answer(question, claims[0].sentence, query)
    return Decision(claims, span, signals, confidence(signals))


def decide(question: str, query: str, passages: list[Passage], decision: Decision, backend: str,
           timings: dict[str, float], started: float, min_confidence: float, stopped: bool = False) -> Answer:
    """The decide stage: the answer stands when its confidence reaches ``min_confidence``."""
    claims = decision.claims if decision.confidence >= min_confidence else []
    return build_answer(question, query, passages, claims, backend, REFUSAL_TEXT, timings, started, stopped,
                        span=decision.span, decision=decision)


def build_answer(question: str, search_query: str, passages: list[Passage], claims: list[Claim], backend: str,
                 refusal_text: str, timings: dict[str, float], started: float, stopped: bool = False,
                 span: Span | None = None, decision: Decision | None = None) -> Answer:
    """The ``Answer``: a short answer, the cited sentences, or the refusal text."""
    if claims and span is not None:
        best = next(c for c in claims if c.is_best)
        text, citations = assemble_short(span.text, best, passages)
    elif claims:
        text, citations = assemble(claims, passages)
    else:
        text, citations = refusal_text, []
    timings["total_s"] = time.perf_counter() - started
    return Answer(
        question=question, text=text, citations=citations, refused=not claims, backend=backend,
        search_query=search_query, timings={k: round(v, 4) for k, v in timings.items()}, passages=passages,
        stopped=stopped, confidence=round(decision.confidence, 4) if decision else None,
        signals={k: round(v, 4) if isinstance(v, float) else v for k, v in decision.signals.to_dict().items()}
        if decision else {},
    )
