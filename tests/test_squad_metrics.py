"""SQuAD 2.0's official normalisation and scores, and the shown-answer metrics built on them."""

import pytest

from qa.evaluation import metrics as m
from qa.evaluation import squad

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    "text, expected",
    [
        # Punctuation is deleted, not replaced by a space (the official script's remove_punc).
        ("The U.S.-led coalition", "usled coalition"),
        ("well-known", "wellknown"),
        ("Kyiv.", "kyiv"),
        # Articles go as whole words only, in any case; "another" and "theme" keep theirs.
        ("An apple and THE pear, a banana", "apple and pear banana"),
        ("another theme", "another theme"),
        # Whitespace of any kind collapses.
        ("  two\tspaced \n words ", "two spaced words"),
        # Only ASCII punctuation is removed, as string.punctuation holds.
        ("it’s “quoted”", "it’s “quoted”"),
    ],
)
def test_official_normalisation(text, expected):
    assert squad.normalize(text) == expected


def test_official_f1_and_exact():
    assert squad.f1("the cat sat", "a cat sat down") == pytest.approx(0.8)
    assert squad.exact("The Cat", "cat.") == 1.0
    assert squad.f1("cat", "dog") == 0.0


def test_unanswerable_credits_abstention_only():
    assert squad.best_f1("", []) == 1.0 and squad.best_exact("", []) == 1.0
    assert squad.best_f1("Paris", []) == 0.0
    # An accepted answer that normalises to nothing is dropped, as the script does.
    assert squad.gold_answers(["the", "Paris"]) == ["Paris"]
    assert m.official_scores("Paris [1].", True, [], False) == {"official_exact": 1.0, "official_f1": 1.0}
    assert m.official_scores("Paris", False, [], False) == {"official_exact": 0.0, "official_f1": 0.0}


def test_shown_right_counts_holding_or_f1():
    answers = ["September 20"]
    assert m.shown_right("On September 20, the office opened.", answers, True)  # holds the reference
    assert m.shown_right("20 September", answers, True)  # F1 1.0 by tokens
    assert not m.shown_right("Kyiv", answers, True)
    assert not m.shown_right("September 20", answers, False)  # any answer to an unanswerable question is wrong
    # A fragment of the reference is right only when it shares enough of it.
    assert m.shown_right("5 business", ["5 business days"], True)  # F1 0.8: right by this measure, though cut short
    assert not m.shown_right("set", ["WARNING"], True)
