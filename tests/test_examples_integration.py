"""Example questions on the seed documents (real spaCy, embeddings, Chroma): every one offered
is answered, not refused, citing the document it came from, and none is made from a title."""

from __future__ import annotations

import time

import pytest

from qa.examples import subject_question
from testsupport.helpers import SEEDS

pytestmark = pytest.mark.integration


def test_every_offered_example_is_answered_from_its_own_document(assistant):
    assistant.ingest([SEEDS / "docs"])
    titles = {d.title.lower() for d in assistant.documents()}
    started = time.monotonic()
    examples = assistant.example_questions()
    found_s = time.monotonic() - started
    assert examples, "the seed documents offer no example question"
    assert found_s < 60, f"finding examples took {found_s:.0f} s"
    assert len({e.source for e in examples}) == len(examples)  # one per document
    for example in examples:
        assert example.question.endswith("?") and not any(t in example.question.lower() for t in titles)
        # Asked as a person would (the settings' backend, not the one that checked it).
        answer = assistant.ask(example.question)
        assert not answer.refused, example.question
        assert example.expected.lower() in answer.text.lower(), (example.question, answer.text)
        assert example.source in {c.source for c in answer.citations}, (example.question, answer.citations)
    # Once per index state: asking again returns at once, a change of the index finds them afresh.
    started = time.monotonic()
    assert assistant.example_questions(wait=0) == examples and time.monotonic() - started < 0.5
    assistant.remove(examples[0].source)
    again = assistant.example_questions()
    assert again is not None and examples[0].source not in {e.source for e in again}


def test_questions_read_as_written(assistant):
    parsed = assistant.reader.parse(
        [
            "Haystack logs through Python's standard library.",
            "On September 20, Ursula von der Leyen opened the EU Defense Innovation Office in Kyiv.",
            "It gives you direct access to the Haystack team.",  # points outside the sentence
            "Some components in Haystack rely on additional optional dependencies.",  # "What rely …"
            "Ukraine's focus is on restoring peace and stability in Europe.",  # not a name itself
        ]
    )
    made = [subject_question(doc) for doc in parsed]
    assert made[0] == ("What logs through Python's standard library?", "Haystack")
    assert made[1] == ("Who opened the EU Defense Innovation Office in Kyiv?", "Ursula von der Leyen")
    assert made[2:] == [None, None, None]
