"""The decide stage: answer or refuse, from signals the earlier stages already computed.

One confidence in [0, 1] combines them (weights below, documented in README); the answer
stands when it reaches ``settings.answering.min_confidence``. ``qa eval`` prints how refusal recall and
wrongly refused answerable questions trade off as that threshold moves."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from qa.answer.ground import Claim
from qa.answer.span import Span
from qa.text import NEGATION, WORD_WITH_APOSTROPHES, content_words


@dataclass(frozen=True)
class Signals:
    """What the pipeline knows about an answer before deciding to give it."""

    relevance: float  # best cosine relevance of a retrieved passage to the question searched
    sentence_score: float  # score of the chosen sentence (extractive) or its support (generated)
    coverage: float  # share of the question's content words in the chosen passage
    named_terms: float  # share of the question's names and numbers in the chosen passage (1.0 if it has none)
    model_refused: bool = False  # a generator said the passages do not answer
    # SQuAD 2.0-style unanswerable questions change one detail of an answerable one (another
    # term, a negation): what of the question the chosen sentence and passage do not say.
    sentence_coverage: float = 0.0  # share of the question's content words in the chosen sentence
    longest_missing: float = 0.0  # length of the longest question word missing from the passage (/12, capped)
    negation_mismatch: bool = False  # the question negates ("not", "never", "n't") and the sentence does not
    answerability: float = 0.0  # the answerability model's probability that the chosen sentence answers

    def to_dict(self) -> dict[str, float | bool]:
        return asdict(self)


def named_terms(question: str) -> list[str]:
    """The question's names and numbers: capitalised words after its first word, and digits."""
    words = WORD_WITH_APOSTROPHES.findall(question)
    terms = [w for i, w in enumerate(words) if any(ch.isdigit() for ch in w) or (i > 0 and w[:1].isupper())]
    return [t for t in (" ".join(content_words(t)) for t in terms) if t]


def share_in(terms: list[str], text: str) -> float:
    if not terms:
        return 1.0
    present = set(content_words(text))
    return sum(all(part in present for part in term.split()) for term in terms) / len(terms)


def signals_for(
    question: str,
    relevance: float,
    sentence_score: float,
    passage_text: str,
    model_refused: bool = False,
    sentence: str = "",
    answerability: float = 0.0,
) -> Signals:
    words = list(dict.fromkeys(content_words(question)))
    in_passage = set(content_words(passage_text))
    missing = [w for w in words if w not in in_passage]
    return Signals(
        relevance=relevance,
        sentence_score=sentence_score,
        coverage=share_in(words, passage_text),
        named_terms=share_in(named_terms(question), passage_text),
        model_refused=model_refused,
        sentence_coverage=share_in(words, sentence) if sentence else 0.0,
        longest_missing=min(max((len(w) for w in missing), default=0), 12) / 12,
        negation_mismatch=bool(NEGATION.search(question)) and not NEGATION.search(sentence or passage_text),
        answerability=answerability,
    )


# Weights of the confidence; see README "Refusals". Every weighting of the four signals was
# tried on the SQuAD 2.0 dev sample and the seed set (`qa eval`, wrongly refused <= 0.10 on
# both): none refused more unanswerable questions than the best sentence's score alone, so
# the rule is that one signal; the others are recorded with each answer for the report.
WEIGHTS = {"sentence_score": 1.0}


def confidence(signals: Signals) -> float:
    """How sure the pipeline is that the documents answer the question, in [0, 1]."""
    if signals.model_refused:
        return 0.0
    value = sum(weight * float(getattr(signals, name)) for name, weight in WEIGHTS.items())
    return max(0.0, min(1.0, value))


@dataclass(frozen=True)
class Decision:
    """What the decide stage weighs: the candidate claims, the likeliest phrase of the best one
    (``span``; shown as the answer only when ``show_phrase``, else marked inside the sentence),
    the signals and the confidence made of them."""

    claims: list[Claim]
    span: Span | None
    signals: Signals
    confidence: float
    show_phrase: bool = False
    phrase_confidence: float | None = None
    features: dict[str, float] = field(default_factory=dict)  # what the calibrated models read
