"""Hybrid retrieval with the real model, real Chroma and the manifest's FTS5 index: keyword
hits, fusion, relevance kept apart from rank, consistency with every change, filters and
neighbouring chunks."""

from __future__ import annotations

import pytest

from qa.assistant import AskOptions
from qa.types import SearchFilter

pytestmark = pytest.mark.integration

PARTS = {
    "parts.txt": "Order the replacement valve under catalogue code QX-7741 from the depot in Tartu.\n",
    "garden.txt": "The botanical garden waters its greenhouse orchids every second morning.\n",
    "ferries.md": "---\ntitle: Ferries\ndate: 2024-05-01\n---\nThe night ferry to Helsinki leaves at eleven from pier four.\n",
}


@pytest.fixture
def small_corpus(tmp_path):
    folder = tmp_path / "small"
    folder.mkdir()
    for name, text in PARTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def search(bot, query, k=3, mode="hybrid", filters=None):
    """Through the public door (``Assistant.search``), as the evaluation and the benches search."""
    return bot.search(query, AskOptions(top_k=k, retrieval=mode, filters=filters))


def test_keyword_search_finds_an_exact_code_and_hybrid_keeps_it(assistant, small_corpus):
    assistant.ingest([small_corpus])
    keyword = search(assistant, "QX-7741", mode="keyword")
    assert keyword and keyword[0].file_name == "parts.txt" and keyword[0].found_by == ("keyword",)
    hybrid = search(assistant, "QX-7741")
    assert hybrid[0].file_name == "parts.txt" and "keyword" in hybrid[0].found_by


def test_relevance_is_the_cosine_whatever_found_the_passage(assistant, small_corpus):
    assistant.ingest([small_corpus])
    query = "When does the night ferry leave?"
    dense = {p.chunk_id: p.relevance for p in search(assistant, query, mode="dense")}
    for passage in search(assistant, query, mode="keyword") + search(assistant, query):
        assert passage.relevance == pytest.approx(dense[passage.chunk_id], abs=1e-4)
        assert 0.0 <= passage.rank_score <= 1.0  # an order within this query, never read as relevance
    best = search(assistant, query)[0]
    assert best.file_name == "ferries.md" and best.relevance > 0.5


def test_keyword_index_follows_updates_and_removals(assistant, small_corpus):
    assistant.ingest([small_corpus])
    parts = small_corpus / "parts.txt"
    parts.write_text("Order the replacement valve under catalogue code ZR-9902 from the depot in Narva.\n")
    assistant.ingest([small_corpus])
    assert search(assistant, "QX-7741 Tartu", mode="keyword") == []
    assert search(assistant, "ZR-9902", mode="keyword")[0].file_name == "parts.txt"
    assistant.remove(str(parts.resolve()))
    assert search(assistant, "ZR-9902 Narva valve", mode="keyword") == []
    assert all(p.file_name != "parts.txt" for p in search(assistant, "replacement valve depot"))


def test_filters_limit_every_search_to_the_chosen_files(assistant, small_corpus):
    assistant.ingest([small_corpus])
    only_garden = SearchFilter(sources=("garden.txt",))
    for mode in ("dense", "keyword", "hybrid"):
        found = search(assistant, "ferry to Helsinki orchids", mode=mode, filters=only_garden)
        assert found and {p.file_name for p in found} == {"garden.txt"}, mode
    dated = search(assistant, "ferry", filters=SearchFilter(metadata={"date": "2024-05-01"}))
    assert {p.file_name for p in dated} == {"ferries.md"}
    assert search(assistant, "ferry", filters=SearchFilter(sources=("nothing.txt",))) == []
    answer = assistant.ask("When does the night ferry leave?", options=AskOptions(filters=only_garden))
    assert answer.refused  # the only file allowed does not hold the answer


def test_neighbouring_chunks_are_added_after_the_best_passage(settings, embeddings, tmp_path):
    from qa.assistant import Assistant

    small = settings.changed(**{"chunk_tokens": 24, "chunk_overlap_tokens": 0})
    bot = Assistant(small, embeddings=embeddings)
    folder = tmp_path / "long"
    folder.mkdir()
    sentences = [
        f"Station {n} of the coastal survey recorded {n * 7} seabirds on the northern cliffs." for n in range(1, 9)
    ]
    (folder / "survey.txt").write_text(" ".join(sentences), encoding="utf-8")
    bot.ingest([folder])
    wider_bot = Assistant(small.changed(**{"neighbour_chunks": 1}), embeddings=embeddings)
    plain = search(bot, "How many seabirds did station 5 record?", k=1)
    wider = search(wider_bot, "How many seabirds did station 5 record?", k=1)
    assert len(plain) == 1 and len(wider) > 1
    assert wider[0].chunk_id == plain[0].chunk_id and all(p.found_by == ("neighbour",) for p in wider[1:])


def test_the_langchain_retriever_returns_passages(assistant, small_corpus):
    assistant.ingest([small_corpus])
    docs = assistant.as_retriever(AskOptions(top_k=2)).invoke("catalogue code for the valve")
    assert docs and docs[0].metadata["passage"].file_name == "parts.txt"


@pytest.fixture(scope="module")
def tiny_cross_encoder(tmp_path_factory):
    """A cross-encoder built here (random weights, MiniLM's tokenizer): no download."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    from qa.embeddings import resolve_embedding_model

    folder = tmp_path_factory.mktemp("tiny-cross-encoder")
    tokenizer = AutoTokenizer.from_pretrained(resolve_embedding_model("all-MiniLM-L6-v2"))
    tokenizer.save_pretrained(folder)
    torch.manual_seed(0)
    # ignore[call-arg]: transformers' BertConfig signature leaves out the **kwargs (num_labels) PretrainedConfig takes
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,  # type: ignore[call-arg]
        intermediate_size=64,
        num_labels=1,
    )
    BertForSequenceClassification(config).save_pretrained(folder)
    return str(folder)


def test_a_cross_encoder_reorders_candidates_and_leaves_relevance_alone(
    settings, embeddings, small_corpus, tiny_cross_encoder
):
    from sentence_transformers import CrossEncoder

    from qa.assistant import Assistant

    plain = Assistant(settings, embeddings=embeddings)
    plain.ingest([small_corpus])
    reranked = Assistant(settings.changed(**{"reranker_model": tiny_cross_encoder}), embeddings=embeddings)
    query = "Which depot has the valve?"
    before = {p.chunk_id: p for p in search(plain, query, k=3)}
    after = search(reranked, query, k=3)
    logits = CrossEncoder(tiny_cross_encoder, device="cpu").predict([(query, p.text) for p in after])
    assert list(logits) == sorted(logits, reverse=True)  # the cross-encoder's order
    assert [p.rank_score for p in after] == pytest.approx([float(x) for x in logits], abs=1e-5)
    for p in after:
        assert "rerank" in p.found_by and p.relevance == pytest.approx(before[p.chunk_id].relevance, abs=1e-6)
    assert [p.number for p in after] == [1, 2, 3]


def test_a_missing_reranker_is_one_clear_error(settings, embeddings, tmp_path):
    from qa.assistant import Assistant
    from qa.errors import SettingsError

    with pytest.raises(SettingsError, match="QA_RERANKER_MODEL"):
        Assistant(settings.changed(**{"reranker_model": str(tmp_path / "no-such-model")}), embeddings=embeddings)
