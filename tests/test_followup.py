import pytest

from qa.answer.followup import condense_question, looks_like_follow_up, search_queries

pytestmark = pytest.mark.unit

HISTORY = [("What is Ukraine's annual drone production capacity?", "Up to 3 million [1].")]


def test_follow_up_detection():
    assert looks_like_follow_up("When did it open?")
    assert looks_like_follow_up("It opened when?")
    assert looks_like_follow_up("Who said that?")
    assert looks_like_follow_up("What about Poland?")
    assert looks_like_follow_up("And how many countries take part?")  # unsure: both are searched
    assert not looks_like_follow_up("What is the capital of France?")
    assert not looks_like_follow_up("Who opened the EU Defense Innovation Office?")
    # "IT" is a name, not the pronoun "it"; a relative "that" points at nothing before it.
    assert not looks_like_follow_up("How many countries are in the IT coalition?")
    assert not looks_like_follow_up("What pathway that plays a role in immunity is present in all eukaryotes?")


def test_a_follow_up_searches_with_its_context_and_alone():
    assert search_queries("Who said that?", HISTORY) == [
        "Who said that? (What is Ukraine's annual drone production capacity?)", "Who said that?"]
    assert search_queries("And how many countries are in the IT coalition?", HISTORY)[0] == (
        "And how many countries are in the IT coalition?")
    assert search_queries("What is the capital of France?", HISTORY) == ["What is the capital of France?"]
    assert condense_question("And then?", []) == "And then?"
