import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa.documents.chunking import chunk_id, chunk_pages, pack_sentences, split_sentences

pytestmark = pytest.mark.unit


def words(text: str) -> int:
    return len(text.split())


def test_split_sentences_breaks_on_lines_and_sentence_ends():
    text = "Heading without period\nFirst sentence here. Second one, Dr. Smith said.\n\n- a list item"
    assert split_sentences(text) == [
        "Heading without period",
        "First sentence here.",
        "Second one, Dr. Smith said.",
        "a list item",
    ]


def test_pack_sentences_respects_size_and_overlaps_whole_sentences():
    sentences = [f"s{i} " + "w " * 4 for i in range(10)]  # 5 words each
    chunks = pack_sentences(sentences, max_tokens=15, overlap_tokens=5, count=words)
    assert all(words(c) <= 15 for c in chunks)
    # every sentence appears, in order, and consecutive chunks share exactly one sentence
    assert chunks[0].startswith("s0") and "s9" in chunks[-1]
    for a, b in zip(chunks, chunks[1:]):
        assert b.split()[0] in a.split()
    joined = " ".join(chunks)
    assert all(f"s{i} " in joined for i in range(10))


def test_pack_sentences_without_overlap_partitions_text():
    sentences = ["a b c.", "d e f.", "g h i.", "j k l."]
    chunks = pack_sentences(sentences, max_tokens=6, overlap_tokens=0, count=words)
    assert chunks == ["a b c.\nd e f.", "g h i.\nj k l."]  # a sentence a line: Markdown lines stay lines


def test_overlong_sentence_is_split_by_words():
    chunks = pack_sentences(["x " * 25], max_tokens=10, overlap_tokens=0, count=words)
    assert [words(c) for c in chunks] == [10, 10, 5]


def test_chunk_ids_are_stable_and_depend_on_source_page_and_text():
    assert chunk_id("a.txt", None, "hello") == chunk_id("a.txt", None, "hello")
    assert (
        len(
            {
                chunk_id("a.txt", None, "hello"),
                chunk_id("b.txt", None, "hello"),
                chunk_id("a.txt", 2, "hello"),
                chunk_id("a.txt", None, "hello!"),
            }
        )
        == 4
    )


def test_chunk_pages_keeps_page_numbers_and_drops_duplicate_chunks():
    chunks = chunk_pages("doc.pdf", [(1, "One. Two."), (2, "Three."), (3, "Three.")], 50, 0, words)
    assert [(c.page, c.text) for c in chunks] == [(1, "One.\nTwo."), (2, "Three."), (3, "Three.")]
    repeated = chunk_pages("doc.txt", [(None, "Same.\nSame.")], 1, 0, words)
    assert [c.text for c in repeated] == ["Same."]
    assert [c.index for c in chunks] == [0, 1, 2]


def test_code_blocks_stay_whole_so_a_chunk_never_starts_inside_one():
    from qa.documents.chunking import keep_fences_whole, pack_pages

    lines = [
        "Build the base image:",
        "```sh",
        "docker buildx bake base",
        "```",
        "### Multi-Platform Builds",
        "Images support many architectures.",
    ]
    assert keep_fences_whole(lines) == [
        "Build the base image:",
        "```sh\ndocker buildx bake base\n```",
        "### Multi-Platform Builds",
        "Images support many architectures.",
    ]
    assert keep_fences_whole(["```", "never closed"]) == ["```", "never closed"]
    text = (
        "Intro sentence here.\n" * 6
        + "```sh\ndocker buildx bake base\n```\n\n### Multi-Platform Builds\n\nImages work."
    )
    for _, chunk in pack_pages([(None, text)], max_tokens=12, overlap_tokens=4, count=words):
        assert chunk.count("```") % 2 == 0, chunk  # every fence a chunk holds is closed in it


SEGMENTER_SAMPLES = [
    "Dr. Smith went to Washington, D.C. on Jan. 5. He met the U.S. team at 3 p.m. It rained.",
    "The dose was 5 mg/kg i.v. in 10 pts. Results: p < 0.05. Results: p < 0.05.",
    "Yes.  Yes.  Yes.",  # the same sentence three times: each found after the one before
    "Is it? It is! It is… maybe.   Trailing spaces.   ",
    "e.g. this one, i.e. that one. Mr. and Mrs. Jones (b. 1950) left.",
]


@pytest.mark.parametrize("text", SEGMENTER_SAMPLES)
def test_the_faster_sentence_locator_gives_pysbds_own_results(text):
    import pysbd

    from qa.documents.chunking import _Segmenter

    assert _Segmenter(language="en", clean=False).segment(text) == pysbd.Segmenter(language="en", clean=False).segment(
        text
    )


@given(
    st.lists(
        st.sampled_from(["Dr. A left.", "It is 5 p.m. now", "  ", "x.", "U.S. data?", "Yes!", "e.g."]), max_size=12
    )
)
@settings(max_examples=200, deadline=None)
def test_the_faster_sentence_locator_agrees_with_pysbd_on_generated_text(parts):
    import pysbd

    from qa.documents.chunking import _Segmenter

    text = " ".join(parts)
    assert _Segmenter(language="en", clean=False).segment(text) == pysbd.Segmenter(language="en", clean=False).segment(
        text
    )
