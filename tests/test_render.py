"""The page's pure helpers: relevance in words, card labels, highlighting a short answer."""

import pytest

from qa.types import Citation
from ui.render import card_label, highlight, relevance_words

pytestmark = pytest.mark.unit


def citation(relevance: float, highlight_text: str = "") -> Citation:
    return Citation(
        number=1,
        source="/docs/a.md",
        title="A",
        page=None,
        chunk_id="c",
        quote="It cost 70 euros.",
        passage="It cost 70 euros.",
        relevance=relevance,
        highlight=highlight_text,
    )


def test_relevance_reads_as_words_with_the_number_beside_it():
    assert [relevance_words(r) for r in (0.71, 0.45, 0.3, 0.1)] == [
        "strong match",
        "good match",
        "partial match",
        "weak match",
    ]
    assert card_label(citation(0.66)) == "[1] a.md · A · strong match (0.66)"


def test_a_short_answer_is_marked_inside_its_sentence():
    c = citation(0.5, "70 euros")
    assert highlight(c.quote, c.highlight) == "It cost <mark>70 euros</mark>."
