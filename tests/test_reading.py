"""The reading step with the real spaCy model: question kinds, candidate phrases, type mismatch,
and answers that are never fragments."""

import pytest

from qa.answer.read import Reader, question_kind

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def reader():
    from qa.settings import Settings

    return Reader(Settings().answering.reader_model)


@pytest.mark.parametrize(
    "question, kind",
    [
        ("Which company makes the drones?", "organisation"),
        ("In which city was the office opened?", "place"),
        ("Who opened the office?", "person"),
        ("When was the office opened?", "date"),
        ("How many drone makers are there?", "number"),
        ("What is the default log level?", "other"),
        ("Why did the office open?", "none"),
        ("Is the office in Kyiv?", "none"),
    ],
)
def test_question_kinds(reader, question, kind):
    assert question_kind(question, reader.parse([question])[0]) == kind


def test_candidates_are_whole_phrases_and_exact_slices(reader):
    sentence = "By default, the log level is set to WARNING."
    reading = reader.read("What is the default log level?", [sentence])
    texts = [c.text for c in reading.candidates]
    assert "WARNING" in texts
    assert "set" not in texts  # a verb is never a candidate answer ("set [1]" was shown before)
    for c in reading.candidates:
        assert sentence[c.start : c.end] == c.text
        assert "log level" not in c.text.lower() or c.features["novelty"] < 1.0


def test_type_mismatch_is_a_signal(reader):
    sentence = "The office opened in Kyiv on September 20 with the defence minister."
    found = reader.read("Which company built the office?", [sentence])
    assert found.kind == "organisation" and not found.typed_found
    assert found.signals()["asks_typed"] == 1.0 and found.signals()["typed_found"] == 0.0
    when = reader.read("When did the office open?", [sentence])
    assert when.typed_found and when.signals()["typed_found"] == 1.0


def test_without_a_model_the_rules_alone_give_candidates():
    rules = Reader("")
    reading = rules.read("When did the office open?", ["The office opened in Kyiv on September 20."])
    assert [c.text for c in reading.candidates] == ["September 20"]
