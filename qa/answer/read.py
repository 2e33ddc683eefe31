"""The reading step: what kind of phrase answers the question, and which phrases of the chosen
sentences could be that answer, from a real NLP model (spaCy's ``en_core_web_sm``: entities
with types, noun chunks, a dependency parse).

It runs on the question and the few sentences the select stage chose, never at ingest: the full
spaCy pipeline reads about 90 sentences/s on this machine, slower than the embedding model, so
annotating every sentence at ingest would cut ingest speed several-fold, while a question
needs two or three sentences read (tens of milliseconds).

Each candidate phrase carries features (type match, entity or noun chunk, distance to the
question's words, novelty, the old rule's pick, syntax); ``qa/answer/calibration.py`` turns them
into calibrated probabilities with weights fitted on the tune halves only. The reader itself
makes no choice."""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Literal

from qa.answer.answerability import Answerability
from qa.answer.span import answer_type, short_answer
from qa.text import content_words

logger = logging.getLogger(__name__)

AnswerKind = Literal["person", "organisation", "place", "date", "number", "other", "none"]

# spaCy entity labels that can answer each kind of question ("who" is often a group or a body).
KIND_LABELS: dict[str, frozenset[str]] = {
    "person": frozenset({"PERSON", "ORG", "NORP"}),
    "organisation": frozenset({"ORG"}),
    "place": frozenset({"GPE", "LOC", "FAC"}),
    "date": frozenset({"DATE", "TIME"}),
    "number": frozenset({"CARDINAL", "QUANTITY", "MONEY", "PERCENT", "ORDINAL"}),
    "other": frozenset(
        {"NORP", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE", "PRODUCT", "ORG", "PERSON", "GPE", "LOC", "FAC"}
    ),
}
TYPED_KINDS = frozenset({"person", "organisation", "place", "date", "number"})

# "What/which <noun> ...": the noun names the kind of the answer.
_HEAD_KINDS: dict[str, AnswerKind] = {
    **dict.fromkeys(
        "company companies organisation organisations organization organizations firm firms agency "
        "agencies team teams club clubs band bands party parties university universities college "
        "colleges school schools institution institutions group groups corporation corporations "
        "network networks airline airlines newspaper newspapers".split(),
        "organisation",
    ),
    **dict.fromkeys(
        "city cities country countries state states place places region regions town towns continent "
        "continents location locations area areas county counties province provinces nation nations "
        "island islands river rivers mountain mountains capital village villages district "
        "districts".split(),
        "place",
    ),
    **dict.fromkeys(
        "year years date dates day days month months century centuries decade decades time period era age".split(),
        "date",
    ),
    **dict.fromkeys(
        "person people man men woman women president presidents king kings queen queens leader leaders "
        "author authors writer writers scientist scientists player players minister ministers director "
        "directors emperor emperors actor actors singer singers founder founders ruler rulers pope "
        "general".split(),
        "person",
    ),
    **dict.fromkeys("percentage percent number amount proportion share population".split(), "number"),
}

FEATURES = ("type_match", "is_entity", "rule_pick", "novelty", "near_question", "short", "syntax_link", "best_sentence")


def question_kind(question: str, parsed: Any | None = None) -> AnswerKind:
    """The kind of phrase that answers ``question``; "none" for why/how/yes-no questions, which
    a phrase cannot answer, "other" when the question asks for a thing of no typed kind."""
    rule_kind = answer_type(question)
    if rule_kind == "none":
        return "none"
    if rule_kind == "thing" and parsed is not None:
        for token in parsed:
            # The pipeline runs without its lemmatizer (not needed elsewhere): the head noun's
            # own form is looked up, plural forms are listed in the table.
            if token.lower_ in ("what", "which") and token.dep_ == "det" and token.head.lower_ in _HEAD_KINDS:
                return _HEAD_KINDS[token.head.lower_]
    return {"thing": "other"}.get(rule_kind, rule_kind)  # type: ignore[return-value]


@dataclass(frozen=True)
class Candidate:
    """A phrase of one chosen sentence that could answer the question: ``sentence[start:end]``."""

    text: str
    sentence: str
    start: int
    end: int
    label: str  # spaCy entity label, "NP" for a noun chunk, "RULE" for the type rules' phrase
    features: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Reading:
    """What the reading step found: the question's kind and the candidate phrases."""

    kind: AnswerKind
    candidates: list[Candidate]

    @property
    def typed_found(self) -> bool:
        """Whether a phrase of the asked-for type stands in the chosen sentences."""
        return any(c.features.get("type_match", 0.0) >= 1.0 for c in self.candidates)

    def signals(self) -> dict[str, float]:
        asks_typed = self.kind in TYPED_KINDS
        return {
            "asks_typed": float(asks_typed),
            "typed_found": float(asks_typed and self.typed_found),
            "asks_phrase": float(self.kind != "none"),
            "candidates": float(min(len(self.candidates), 10)) / 10,
        }


class Reader:
    """spaCy over the question and the chosen sentences, and the answerability model that reads
    a question and a sentence together; loaded on first use, shared by threads."""

    def __init__(self, model: str, cache_items: int = 4096, answerability: Answerability | None = None) -> None:
        self.model = model
        self.answerability = answerability or Answerability(enabled=False)
        self._nlp: Any = None
        self._load_lock = threading.Lock()
        self._run_lock = threading.Lock()  # spaCy's pipeline is not documented as thread-safe
        self._cache: OrderedDict[str, Any] = OrderedDict()
        self._cache_items = cache_items

    @property
    def enabled(self) -> bool:
        return bool(self.model)

    def _pipeline(self) -> Any:
        with self._load_lock:
            if self._nlp is None:
                import spacy

                logger.info("loading the reading model %s", self.model)
                self._nlp = spacy.load(self.model, exclude=["lemmatizer"])
            return self._nlp

    def warm_up(self) -> None:
        if self.enabled:
            self.parse(["Warm up."])
        self.answerability.score("Warm up?", ["Warm up."])

    def parse(self, texts: list[str]) -> list[Any]:
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            nlp = self._pipeline()
            with self._run_lock:
                for text, doc in zip(missing, nlp.pipe(missing)):
                    self._cache[text] = doc
                while len(self._cache) > self._cache_items:
                    self._cache.popitem(last=False)
        with self._run_lock:
            docs = []
            for text in texts:
                self._cache.move_to_end(text)
                docs.append(self._cache[text])
            return docs

    def read(self, question: str, sentences: list[str], search_query: str | None = None) -> Reading:
        """The question's kind and every candidate phrase of ``sentences`` (the first one is
        the best-scoring sentence), each with its features."""
        if not self.enabled:
            return Reading(question_kind(question), _rule_candidates(question, sentences, search_query))
        parsed_question, *parsed = self.parse([question, *sentences])
        kind = question_kind(question, parsed_question)
        question_stems = set(content_words(question)) | set(content_words(search_query or ""))
        candidates: list[Candidate] = []
        for index, (sentence, doc) in enumerate(zip(sentences, parsed)):
            rule = short_answer(question, sentence, search_query)
            candidates.extend(_candidates(kind, sentence, doc, question_stems, rule, index == 0))
        return Reading(kind, candidates)


def _rule_candidates(question: str, sentences: list[str], search_query: str | None) -> list[Candidate]:
    """Without a reading model: the type rules' phrase, the only candidate of each sentence."""
    out = []
    for index, sentence in enumerate(sentences):
        span = short_answer(question, sentence, search_query)
        if span is not None:
            features = dict.fromkeys(FEATURES, 0.0)
            features.update(rule_pick=1.0, type_match=1.0, best_sentence=float(index == 0), novelty=1.0)
            out.append(Candidate(span.text, sentence, span.start, span.end, "RULE", features))
    return out


def _phrases(doc: Any) -> list[tuple[int, int, str, Any]]:
    """Entities and noun chunks of a parsed sentence as (start, end, label, span)."""
    seen: set[tuple[int, int]] = set()
    out = []
    for span in list(doc.ents) + list(doc.noun_chunks):
        key = (span.start_char, span.end_char)
        if key in seen:
            continue
        seen.add(key)
        out.append((span.start_char, span.end_char, span.label_ if span in doc.ents else "NP", span))
    return out


def _candidates(
    kind: AnswerKind, sentence: str, doc: Any, question_stems: set[str], rule: Any, best_sentence: bool
) -> list[Candidate]:
    anchors = [
        t for t in doc if not t.is_punct and set(content_words(t.text)) and set(content_words(t.text)) <= question_stems
    ]
    out: list[Candidate] = []
    phrases = _phrases(doc)
    if rule is not None and all((s, e) != (rule.start, rule.end) for s, e, _, _ in phrases):
        phrases.append((rule.start, rule.end, "RULE", doc.char_span(rule.start, rule.end, alignment_mode="expand")))
    allowed = KIND_LABELS.get(kind, frozenset())
    for start, end, label, span in phrases:
        text = sentence[start:end].strip()
        words = content_words(text)
        if not words or kind == "none":
            continue
        novel = [w for w in words if w not in question_stems]
        if not novel:
            continue  # an answer adds what the question lacks
        tokens = list(span) if span is not None else []
        if tokens and anchors:
            distance = min(min(abs(t.i - a.i) for t in tokens) for a in anchors)
            linked = any(t.head in anchors or any(c in anchors for c in t.children) for t in tokens)
        else:
            distance, linked = 20, False
        rule_pick = rule is not None and start < rule.end and rule.start < end
        if label == "RULE":
            # The rules' own type ("thing" for what/which) must be the asked-for kind to match it.
            same = {"number": "number", "date": "date", "person": "person", "place": "place"}.get(rule.kind) == kind
            type_match = 1.0 if same else (0.5 if kind == "other" else 0.0)
        elif label == "NP":
            type_match = 0.5 if kind == "other" else 0.0
        else:
            type_match = 1.0 if label in allowed else 0.0
        features = {
            "type_match": type_match,
            "is_entity": float(label not in ("NP", "RULE")),
            "rule_pick": float(rule_pick),
            "novelty": len(novel) / len(words),
            "near_question": 1.0 - min(distance, 20) / 20,
            "short": 1.0 - min(len(text.split()), 12) / 12,
            "syntax_link": float(linked),
            "best_sentence": float(best_sentence),
        }
        out.append(_make(text, sentence, start, label, features))
    return out


def _make(text: str, sentence: str, start: int, label: str, features: dict[str, float]) -> Candidate:
    begin = sentence.index(text, start)
    return Candidate(text, sentence, begin, begin + len(text), label, features)
