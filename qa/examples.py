"""Example questions for a newcomer, drawn from what the documents say and checked by asking them.

A candidate is made from one sentence of one document whose subject is a name ("Haystack
supports Python 3.9 and later." → "What supports Python 3.9 and later?"): replacing the subject
with "Who"/"What" needs no change to the verb, so the question reads as written, and the name
it removed is the answer to expect. A candidate is offered only when the product, asked it,
answers (no refusal) with that name, citing the passage the sentence came from. A question whose
answer would be a fragment or another passage is thus never offered.

Asking costs about a second per question, so a few candidates are tried, one document at a
time, within a time budget; ``ExampleCache`` computes them once per index state in a background
thread so a page never waits for them."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from qa.documents.chunking import split_sentences
from qa.types import Answer

logger = logging.getLogger(__name__)

# A sentence worth asking about: plain prose of moderate length (no markup, links or code).
MIN_WORDS, MAX_WORDS = 6, 28
MAX_ANSWER_WORDS = 6
MAX_QUESTION_WORDS = (
    16  # a longer question reads as a copied sentence  # the subject the question removes: a name, not a clause
)
_MARKUP = re.compile(r"[|#*_`<>{}\[\]()=/\\]|https?:|www\.|\.\.\.|…|:$")
# Words that point outside the sentence: a question holding them means nothing on its own.
_POINTING = frozenset(
    "it its they them their theirs this these those he him his she her we us our you your i my also "
    "such above below following here".split()
)
_PERSON = frozenset({"PERSON"})
_MARKER = re.compile(r"\s*\[\d+\]")


@dataclass(frozen=True)
class ExampleQuestion:
    """A question a new user can click: made from ``sentence`` of the indexed file ``source``;
    ``expected`` is the phrase that answers it (checked: the product's answer holds it)."""

    question: str
    source: str
    sentence: str
    expected: str

    @property
    def file_name(self) -> str:
        return self.source.replace("\\", "/").rsplit("/", 1)[-1]


def prose_sentences(pages: Iterable[str], limit: int) -> list[str]:
    """Up to ``limit`` sentences of ``pages`` that read as prose: a capital first letter, a full
    stop at the end, ``MIN_WORDS``..``MAX_WORDS`` words, no markup, links or code."""
    out: list[str] = []
    seen: set[str] = set()
    for text in pages:
        for sentence in split_sentences(text):
            sentence = " ".join(sentence.split())
            words = sentence.split()
            if not (MIN_WORDS <= len(words) <= MAX_WORDS) or sentence in seen:
                continue
            if not (sentence[0].isupper() and sentence.endswith(".")) or _MARKUP.search(sentence[:-1]):
                continue
            seen.add(sentence)
            out.append(sentence)
            if len(out) >= limit:
                return out
    return out


def subject_question(doc: Any) -> tuple[str, str] | None:
    """(question, expected answer) from a parsed sentence (a spaCy ``Doc``) whose subject opens
    it and is a name; None when the sentence does not make a question that stands on its own."""
    roots = [t for t in doc if t.dep_ == "ROOT"]
    if len(roots) != 1 or roots[0].pos_ not in {"VERB", "AUX"}:
        return None
    subjects = [t for t in roots[0].children if t.dep_ in {"nsubj", "nsubjpass"}]
    if len(subjects) != 1:
        return None
    subtree = list(subjects[0].subtree)
    start, end = subtree[0].i, subtree[-1].i + 1
    if end - start > MAX_ANSWER_WORDS or end >= len(doc) - 2 or not _opening(doc, start):
        return None
    subject = doc[start:end]
    if subjects[0].pos_ != "PROPN":  # a name ("Ukraine"), not a thing of a name ("Ukraine's focus")
        return None
    rest = doc[end:]
    if rest[0].is_punct or any(t.lower_ in _POINTING for t in doc):
        return None
    verb = rest[0]
    if verb.tag_ == "VBP" and verb.lower_ != "are":  # "What rely on …": a plural verb after "What"
        return None
    if len(rest) > MAX_QUESTION_WORDS:
        return None
    labels = {e.label_ for e in doc.ents if e.start < end and e.end > start}
    wh = "Who" if labels & _PERSON else "What"
    body = rest.text.rstrip(" .!;")
    return f"{wh} {body}?", subject.text


def _opening(doc: Any, start: int) -> bool:
    """Whether the subject opens the sentence, or follows only a comma-closed opening phrase
    of the verb ("On September 20, …"; dropped from the question: it is a circumstance)."""
    if start == 0:
        return True
    if doc[start - 1].text != ",":
        return False
    lead = doc[: start - 1]
    return all(t.head.i < start - 1 or t.head.dep_ == "ROOT" for t in lead) and any(
        t.dep_ in {"prep", "advmod", "npadvmod", "advcl"} and t.head.dep_ == "ROOT" for t in lead
    )


def answer_words(text: str) -> set[str]:
    return {w for w in re.findall(r"\w+", text.lower()) if len(w) > 1 or w.isdigit()}


def is_answered(example: ExampleQuestion, answer: Answer) -> bool:
    """Whether ``answer`` answers ``example``: not refused, holding the expected phrase, read
    from the sentence, and citing the passage of ``example.source`` that holds the sentence it was made from."""
    if answer.refused or not answer.checked or not answer.citations:
        return False
    text = " ".join(_MARKER.sub("", answer.text).split()).rstrip(" .")
    if not answer_words(example.expected) <= answer_words(text):
        return False
    # The answer reads as the sentence or a phrase of it, not as a heading glued to it or text
    # from elsewhere: what a newcomer sees first must look right.
    sentence = " ".join(example.sentence.split())
    if text not in sentence:
        return False
    return any(
        c.source == example.source
        and (sentence in " ".join(c.passage.split()) or bool(c.quote.strip()) and c.quote.strip() in sentence)
        for c in answer.citations
    )


def interleave(per_document: Sequence[Sequence[ExampleQuestion]]) -> list[ExampleQuestion]:
    """The first candidate of each document, then the second of each, and so on: the few that
    are tried cover many documents."""
    out: list[ExampleQuestion] = []
    for rank in range(max((len(c) for c in per_document), default=0)):
        out.extend(c[rank] for c in per_document if rank < len(c))
    return out


def choose_examples(
    candidates: Sequence[ExampleQuestion],
    ask: Callable[[str], Answer],
    count: int,
    max_asks: int,
    budget_s: float,
    clock: Callable[[], float] = time.monotonic,
) -> list[ExampleQuestion]:
    """Ask candidates in order until ``count`` are answered (one per document and per expected
    answer), ``max_asks``
    were asked or ``budget_s`` seconds have passed; returns the answered ones."""
    chosen: list[ExampleQuestion] = []
    asked, started = 0, clock()
    for example in candidates:
        if len(chosen) >= count or asked >= max_asks or clock() - started > budget_s:
            break
        if any(c.source == example.source or c.expected.lower() == example.expected.lower() for c in chosen):
            continue  # one per document, and each with its own answer
        asked += 1
        answer = ask(example.question)
        if is_answered(example, answer):
            chosen.append(example)
        else:
            logger.debug("example %r not offered: answered %r", example.question, answer.text[:80])
    return chosen


class ExampleCache:
    """Example questions computed once per index state (``key``), in one background thread at a
    time: ``get`` returns them when ready, else starts the computation and waits at most ``wait``
    seconds (None: until done), returning None while they are still being found."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._results: dict[Hashable, list[ExampleQuestion]] = {}
        self._running: threading.Thread | None = None

    def get(
        self, key: Hashable, compute: Callable[[], list[ExampleQuestion]], wait: float | None
    ) -> list[ExampleQuestion] | None:
        with self._lock:
            if key in self._results:
                return self._results[key]
            worker = self._running
            if worker is None or not worker.is_alive():
                worker = threading.Thread(target=self._run, args=(key, compute), name="example-questions", daemon=True)
                self._running = worker
                worker.start()
        worker.join(wait)
        with self._lock:
            return self._results.get(key)

    def _run(self, key: Hashable, compute: Callable[[], list[ExampleQuestion]]) -> None:
        try:
            found = compute()
        except Exception:  # a failure here must not reach a page: it shows no examples
            logger.exception("finding example questions failed")
            found = []
        with self._lock:
            self._results = {key: found}  # only the latest index state is worth keeping
