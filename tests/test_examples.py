"""Example questions: which sentences are tried, which answers count as answered, which
candidates are offered, and the per-index-state cache (fakes for the product's answers)."""

from __future__ import annotations

import threading

import pytest

from qa.examples import (
    ExampleCache,
    ExampleQuestion,
    choose_examples,
    interleave,
    is_answered,
    prose_sentences,
)
from qa.types import Answer, Citation

pytestmark = pytest.mark.unit

SENTENCE = "Haystack logs through Python's standard library."
EXAMPLE = ExampleQuestion("What logs through Python's standard library?", "/d/logging.md", SENTENCE, "Haystack")


def answer(text: str, source: str = "/d/logging.md", passage: str = f"Logging. {SENTENCE} More.", refused=False):
    quote = SENTENCE if SENTENCE in passage else passage
    citations = [] if refused else [Citation(1, source, "Logging", None, "c1", quote, passage, 0.8)]
    return Answer("q", text, citations, refused, "extractive", "q")


def test_only_plain_prose_sentences_are_tried():
    pages = [
        "# Install\nHaystack supports Python 3.9 and later on every platform.\n"
        "Run `pip install haystack-ai` to install it now please.\n"
        "See https://haystack.deepset.ai for the full documentation here.\n"
        "short one.\nnot a capitalised sentence at all but long enough.\n"
        "Haystack supports Python 3.9 and later on every platform.\n"  # a repeat
        "| a | table | row | that | is | long |\n"
        "Pipelines connect components into a graph of steps that run in order."
    ]
    assert prose_sentences(pages, limit=10) == [
        "Haystack supports Python 3.9 and later on every platform.",
        "Pipelines connect components into a graph of steps that run in order.",
    ]
    assert prose_sentences(pages, limit=1) == ["Haystack supports Python 3.9 and later on every platform."]


def test_an_answer_counts_only_when_it_holds_the_expected_name_from_the_cited_source_sentence():
    assert is_answered(EXAMPLE, answer(f"{SENTENCE[:-1]} [1]."))
    assert is_answered(EXAMPLE, answer("Haystack [1]."))  # the phrase itself
    assert not is_answered(EXAMPLE, answer("", refused=True))
    assert not is_answered(EXAMPLE, answer("standard library [1]."))  # a fragment without the answer
    assert not is_answered(EXAMPLE, answer("Haystack [1].", source="/d/other.md"))  # another document
    assert not is_answered(EXAMPLE, answer("Haystack [1].", passage="Haystack is elsewhere."))  # another passage
    # The right name, but read with a heading glued to it: not what a newcomer should see first.
    assert not is_answered(EXAMPLE, answer(f"Logging basics {SENTENCE[:-1]} [1]."))
    unchecked = Answer("q", "Haystack", [], False, "local", "q", checked=False)
    assert not is_answered(EXAMPLE, unchecked)


def example(question: str, source: str, expected: str = "") -> ExampleQuestion:
    sentence = f"{expected or question} does things."
    return ExampleQuestion(question, source, sentence, expected or question)


def test_candidates_are_tried_one_document_at_a_time():
    a = [example("a1", "A"), example("a2", "A")]
    b = [example("b1", "B")]
    c = [example("c1", "C"), example("c2", "C"), example("c3", "C")]
    assert [e.question for e in interleave([a, b, c])] == ["a1", "b1", "c1", "a2", "c2", "c3"]
    assert interleave([]) == []


def fake_ask(good: set[str], asked: list[str]):
    def ask(question: str) -> Answer:
        asked.append(question)
        if question not in good:
            return answer("", refused=True)
        e = next(e for e in CANDIDATES if e.question == question)
        return Answer(
            "q", e.expected, [Citation(1, e.source, "", None, "c", e.sentence, e.sentence, 1)], False, "x", "q"
        )

    return ask


CANDIDATES = [
    example("a1", "A", "Kyiv"),
    example("b1", "B", "Haystack"),
    example("c1", "C", "haystack"),  # the same answer as b1, from another document
    example("a2", "A", "Ukraine"),
    example("d1", "D", "Umyerov"),
    example("e1", "E", "Brussels"),
]


def test_only_answered_candidates_are_offered_one_per_document_and_answer():
    asked: list[str] = []
    chosen = choose_examples(CANDIDATES, fake_ask({"b1", "c1", "a2", "d1", "e1"}, asked), 3, 10, 60)
    assert [e.question for e in chosen] == ["b1", "a2", "d1"]
    assert asked == ["a1", "b1", "a2", "d1"]  # c1 is skipped unasked: its answer is b1's


def test_asking_stops_at_the_ask_limit_and_the_time_budget():
    asked: list[str] = []
    assert choose_examples(CANDIDATES, fake_ask(set(), asked), 3, 2, 60) == []
    assert asked == ["a1", "b1"]
    ticks = iter(range(100))
    asked.clear()
    chosen = choose_examples(CANDIDATES, fake_ask({"a1", "b1", "d1"}, asked), 3, 10, 1.5, clock=lambda: next(ticks))
    assert [e.question for e in chosen] == ["a1"] and asked == ["a1"]  # the second look is past the budget


def test_the_cache_computes_once_per_key_in_the_background_and_never_blocks_a_zero_wait():
    cache = ExampleCache()
    release, calls = threading.Event(), []

    def slow() -> list[ExampleQuestion]:
        calls.append(1)
        release.wait(5)
        return [EXAMPLE]

    assert cache.get("g1", slow, wait=0) is None  # still being found: the page shows no chips
    assert cache.get("g1", slow, wait=0) is None and len(calls) == 1  # not started twice
    release.set()
    assert cache.get("g1", slow, wait=5) == [EXAMPLE]
    assert cache.get("g1", lambda: [], wait=0) == [EXAMPLE] and len(calls) == 1  # cached
    assert cache.get("g2", lambda: [], wait=5) == []  # a new index state is found afresh


def test_a_failure_while_finding_examples_offers_none():
    def broken() -> list[ExampleQuestion]:
        raise RuntimeError("boom")

    assert ExampleCache().get("g", broken, wait=5) == []
