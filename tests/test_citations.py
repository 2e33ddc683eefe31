import pytest

from qa.answer.ground import Claim, assemble, ground_generated, says_not_found
from qa.answer.support import support
from qa.text import content_words, normalize_answer
from qa.types import Passage

pytestmark = pytest.mark.unit


def passage(n, text, source="a.txt"):
    return Passage(
        number=n, chunk_id=f"id{n}", text=text, source=f"/docs/{source}", title="T", page=None, relevance=0.5
    )


PASSAGES = [
    passage(1, "The office opened in Kyiv. It was opened by two officials."),
    passage(2, "Ukraine can produce up to 3 million drones a year. Over 500 makers exist.", "b.txt"),
]


def test_normalize_answer_is_squad_style():
    assert normalize_answer("The  Drone, an UAV!") == "drone uav"


def test_support_is_share_of_claim_content_words_in_evidence():
    assert support("Ukraine produces 3 million drones", PASSAGES[1].text) == 1.0
    assert support("Ukraine builds tanks", PASSAGES[1].text) == 1 / 3
    assert support("", "anything") == 0.0
    assert content_words("the drones") == content_words("drone")


def test_assemble_renumbers_by_first_use_and_quotes_supporting_sentence():
    text, citations = assemble([Claim("Up to 3 million drones a year", 2), Claim("It opened in Kyiv.", 1)], PASSAGES)
    assert text == "Up to 3 million drones a year [1]. It opened in Kyiv [2]."
    assert [c.number for c in citations] == [1, 2]
    assert citations[0].source == "/docs/b.txt" and citations[0].file_name == "b.txt"
    assert citations[0].quote == "Ukraine can produce up to 3 million drones a year."
    assert citations[1].quote == "The office opened in Kyiv."
    assert citations[0].chunk_id == "id2"


def test_assemble_cites_a_passage_once_when_two_claims_use_it():
    text, citations = assemble([Claim("The office opened in Kyiv.", 1), Claim("Two officials opened it.", 1)], PASSAGES)
    assert text.count("[1]") == 2 and len(citations) == 1
    assert "Kyiv" in citations[0].quote and "officials" in citations[0].quote


def test_ground_generated_moves_wrong_citation_and_drops_unsupported_sentence():
    draft = "Ukraine can make 3 million drones a year [1]. The moon is made of cheese [2]."
    claims = ground_generated(draft, PASSAGES, min_support=0.5)
    assert claims == [Claim("Ukraine can make 3 million drones a year.", 2, is_best=True)]


def test_ground_generated_treats_not_found_as_no_claim():
    assert ground_generated("Not in the documents.", PASSAGES, min_support=0.5) == []
    assert says_not_found("The passages do not contain this.")
    assert not says_not_found("The office opened in Kyiv.")


def test_sentence_vectors_embed_each_sentence_once_and_stay_bounded():
    from langchain_core.embeddings import Embeddings

    from qa.answer.select import SentenceVectors

    class Fake(Embeddings):
        calls: list[list[str]] = []

        def embed_documents(self, texts):
            self.calls.append(list(texts))
            return [[float(len(t)), 1.0] for t in texts]

        def embed_query(self, text):
            return [1.0, 0.0]

    fake = Fake()
    vectors = SentenceVectors(fake, max_items=2)
    assert vectors(["a", "bb"]).tolist() == [[1.0, 1.0], [2.0, 1.0]]
    assert vectors(["bb", "a"]).tolist() == [[2.0, 1.0], [1.0, 1.0]]
    assert fake.calls == [["a", "bb"]]
    vectors(["ccc"])  # evicts the least recently used ("bb" was used before "a")
    vectors(["a"])
    assert fake.calls == [["a", "bb"], ["ccc"]]


def test_fits_question_checks_the_answer_type():
    from qa.answer.select import fits_question

    assert fits_question("How many drones are made?", "Up to 3 million drones a year.")
    assert fits_question("How many countries take part?", "Thirteen countries; a dozen of them in the EU.")
    assert not fits_question("How much did the office cost?", "The office opened in Kyiv.")
    assert not fits_question("In what year will Ukraine join?", "Ukraine wants to join the EU on 20 September.")
    assert fits_question("In what year did it open?", "It opened in 2024.")
    assert not fits_question("How many drones were made in 2022?", "Ukraine makes 3 million drones a year.")
    assert fits_question("Who opened the office?", "The minister opened the office.")


def test_a_candidate_limit_embeds_only_the_sentences_that_fit_and_share_most_words():
    from langchain_core.embeddings import Embeddings

    from qa.answer.select import SentenceVectors, answering_sentences, rank_sentences

    class Fake(Embeddings):
        embedded: list[str] = []

        def embed_documents(self, texts):
            self.embedded.extend(texts)
            return [[1.0, 0.0] for _ in texts]

        def embed_query(self, text):
            return [1.0, 0.0]

    text = (
        "Drone makers met in Kyiv last spring. "
        "About 500 firms build drones there. "
        "Many drone makers in Ukraine are small firms. "
        "The weather in Kyiv was cold and wet."
    )
    question = "How many drone makers does Ukraine have?"
    fake = Fake()
    limited = rank_sentences(question, [passage(1, text)], SentenceVectors(fake), embed_at_most=2)
    # The one sentence with a number fits "how many" and comes first; then the most shared words.
    assert fake.embedded == [
        "About 500 firms build drones there.",
        "Many drone makers in Ukraine are small firms.",
    ]
    assert answering_sentences(question, limited)[0][1] == "About 500 firms build drones there."
    fake.embedded = []
    everything = rank_sentences(question, [passage(1, text)], SentenceVectors(fake))
    assert len(fake.embedded) == len(everything) == 4


def test_of_two_equally_good_sentences_the_one_from_the_higher_ranked_passage_wins():
    from langchain_core.embeddings import Embeddings

    from qa.answer.select import PASSAGE_RANK_PENALTY, SentenceVectors, rank_sentences

    class Fake(Embeddings):
        def embed_documents(self, texts):
            # The lower-ranked passage's sentence is a shade closer to the question.
            return [[1.0, 0.0] if "trial" in t else [0.999, 0.045] for t in texts]

        def embed_query(self, text):
            return [1.0, 0.0]

    question = "Does aspirin lower the risk of stroke?"
    first = passage(1, "Aspirin lowered the risk of stroke in older adults.")
    third = passage(3, "Aspirin lowered the risk of stroke in the trial.")
    ranked = rank_sentences(question, [first, third], SentenceVectors(Fake()))
    assert [n for _, _, n in ranked] == [1, 3]
    # Without the penalty the third passage's sentence would lead.
    assert ranked[1][0] + 2 * PASSAGE_RANK_PENALTY > ranked[0][0]


def test_a_second_sentence_from_a_lower_passage_is_added_when_it_scores_nearly_as_well():
    from langchain_core.embeddings import Embeddings

    from qa.answer.select import SentenceVectors, select_sentences

    class Fake(Embeddings):
        def embed_documents(self, texts):
            return [[1.0, 0.0] if "default" in t else [0.98, 0.199] for t in texts]

        def embed_query(self, text):
            return [1.0, 0.0]

    question = "What is the default logging level and how is it changed?"
    first = passage(1, "The default logging level is WARNING for every logger.")
    third = passage(3, "Change the logging level with setLevel on the logger.")
    selection = select_sentences(question, [first, third], SentenceVectors(Fake()))
    assert selection is not None
    # The third passage's sentence loses 0.1 to the rank penalty, but without it scores within
    # the margin: both are the answer.
    assert [c.passage_number for c in selection.claims] == [1, 3]
