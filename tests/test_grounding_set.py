"""The constructed grounding set (bench/grounding_set.py, docs/grounding-protocol.md): its
construction is deterministic and follows the written rules; its scoring adds up."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench import grounding_set as gs
from qa.evaluation.grounding import (
    LabelledClaim,
    check_claims,
    grounding_breakdown,
    grounding_metrics,
    load_grounding_set,
)

DATA = Path(__file__).parent / "data" / "grounding"
SHARED = gs.DEFAULT_DATASETS


@pytest.mark.unit
def test_construction_is_deterministic_and_complete(tmp_path):
    first = gs.build(DATA, splits_dir=tmp_path / "no-splits")
    second = gs.build(DATA, splits_dir=tmp_path / "no-splits")
    assert first == second
    assert json.dumps(first) == json.dumps(second)  # same order too
    ids = [c["id"] for c in first]
    assert len(ids) == len(set(ids))
    by_id = {c["id"]: c for c in first}
    for claim in first:
        assert claim["label"] == ("supported" if claim["kind"] in gs.SUPPORTED_KINDS else "fabricated")
        assert claim["half"] in ("tune", "report")
        assert claim["claim"] and claim["claim"] != claim["basis"] or claim["kind"] in ("gold-sentence", "conclusion")
        if "pair" in claim:  # a fabrication is made from a supported claim of the same document and half
            pair = by_id[claim["pair"]]
            assert pair["label"] == "supported" and pair["doc_id"] == claim["doc_id"] and pair["half"] == claim["half"]
    kinds = {c["kind"] for c in first}
    assert {"gold-sentence", "swap-other-doc", "negated", "conclusion", "conclusion-negated"} <= kinds


@pytest.mark.unit
def test_halves_follow_the_document_split_and_donors_stay_in_their_half(tmp_path):
    claims = gs.build(DATA, splits_dir=tmp_path)
    for source in gs.SOURCES:
        split = gs.split_for(DATA, source, tmp_path)
        for c in (c for c in claims if c["source"] == source):
            assert c["half"] == ("tune" if c["doc_id"] in split.tune else "report")
    split = gs.split_for(DATA, gs.SQUAD, tmp_path)
    answers = [(r["reference_answer"], r["doc_id"]) for r in gs.read_rows(DATA, gs.SQUAD) if r["answerable"]]
    for c in (c for c in claims if c["kind"] == "swap-other-doc"):
        donor_docs = {doc for answer, doc in answers if answer in c["claim"] and answer not in c["basis"]}
        assert donor_docs and c["doc_id"] not in donor_docs
        assert any(("tune" if doc in split.tune else "report") == c["half"] for doc in donor_docs)


@pytest.mark.unit
def test_procedure_rules():
    assert gs.answer_type("1961") == "year" and gs.answer_type("the 1990s") == "year"
    assert gs.answer_type("September 20") == "date"
    assert gs.answer_type("3 million") == "number" and gs.answer_type("three") == "number"
    assert gs.answer_type("RAND Corporation") == "name" and gs.answer_type("Bank of England") == "name"
    assert gs.answer_type("survivable communications networks") == "phrase"
    assert gs.negate("The office was opened in Kyiv.") == "The office was not opened in Kyiv."
    assert gs.negate("The office was never opened.") is None and gs.negate("Kyiv hosts it.") is None
    assert (
        gs.rewrite_question("Who is the Minister of Defense?", "Rustem Umyerov")
        == "Rustem Umyerov is the Minister of Defense."
    )
    assert (
        gs.rewrite_question("Who opened the office?", "Ursula von der Leyen")
        == "Ursula von der Leyen opened the office."
    )
    assert (
        gs.rewrite_question("When was the office opened?", "September 20") == "The office was opened on September 20."
    )
    assert gs.rewrite_question("When was the office opened?", "2024") == "The office was opened in 2024."
    assert gs.rewrite_question("How many countries are in the coalition?", "13") == "13 countries are in the coalition."
    assert gs.rewrite_question("What is the office called?", "EDIO") is None  # a passive: subject inside the rest
    assert gs.rewrite_question("Why did it open?", "peace") is None
    assert gs.swap_roles("Umyerov met Leyen in Kyiv.", "Leyen", "name") == "Umyerov met Kyiv in Leyen."
    assert gs.swap_roles("He met Umyerov and Leyen.", "Leyen", "name") is None  # coordination: an exchange may be true
    assert gs.swap_roles("In 2024, 13 countries gave 70 million euros.", "13", "number") is None  # only ", " between
    sentence = "In 2024 it gave 13 countries 70 million euros."
    assert gs.swap_roles(sentence, "13", "number") == "In 13 it gave 2024 countries 70 million euros."
    swapped = gs.number_from_sentence(sentence, "13", "number", gs.chooser("x", "number-from-sentence"))
    assert swapped in (
        "In 2024 it gave 2024 countries 70 million euros.",
        "In 2024 it gave 70 countries 70 million euros.",
    )
    assert swapped == gs.number_from_sentence(sentence, "13", "number", gs.chooser("x", "number-from-sentence"))


@pytest.mark.unit
@pytest.mark.skipif(not (SHARED / gs.SQUAD / "qa.jsonl").is_file(), reason="../shared/datasets is not here")
def test_committed_set_is_what_the_procedure_builds():
    built = gs.build(SHARED)
    committed = [json.loads(line) for line in gs.OUT_FILE.read_text(encoding="utf-8").splitlines()]
    assert built == committed


@pytest.mark.unit
def test_breakdown_arithmetic():
    claims = [
        LabelledClaim("s1", "a", "supported", "k1", "report", "src"),
        LabelledClaim("s2", "b", "supported", "k1", "report", "src"),
        LabelledClaim("f1", "c", "fabricated", "k2", "report", "src", pair="s1", answer_type="name"),
        LabelledClaim("f2", "d", "fabricated", "k2", "report", "src", pair="s1", answer_type="phrase"),
        LabelledClaim("f3", "e", "fabricated", "k3", "report", "other", pair="s2"),
    ]
    kept = [True, False, False, True, False]
    result = grounding_breakdown(claims, kept, control_kinds={"k1"})
    overall = result["groups"]["all"]
    assert (overall["caught"], overall["false_alarms"]) == (2, 1)
    assert overall["fabrication_recall"] == round(2 / 3, 4)
    assert overall["fabrication_precision"] == round(2 / 3, 4)
    assert overall["supported_kept"] == 0.5
    # paired: only f1 and f2 come from a kept supported claim (s1); f1 of them is dropped
    assert (overall["paired_fabricated"], overall["paired_recall"]) == (2, 0.5)
    assert result["groups"]["without k1"]["fabrication_precision"] == 1.0
    assert result["groups"]["without k1"]["supported_kept"] is None
    assert result["groups"]["other"]["fabrication_recall"] == 1.0
    assert result["groups"]["other"]["paired_recall"] is None  # s2 was dropped itself
    assert result["kinds"]["k2"] == {
        "source": "src",
        "label": "fabricated",
        "claims": 2,
        "dropped": 0.5,
        "kept": 0.5,
        "paired_fabricated": 2,
        "paired_recall": 0.5,
    }
    assert set(result["kinds_by_answer_type"]) == {"k2 / name", "k2 / phrase"}
    assert result["kinds_by_answer_type"]["k2 / phrase"]["paired_recall"] == 0.0
    assert result["missed_fabrications"] == ["f2: d"] and result["dropped_supported"] == ["s2: b"]
    assert grounding_metrics(claims, kept)["fabricated"] == 3


@pytest.mark.integration
def test_scoring_constructed_claims_against_their_corpus(tmp_path, embeddings):
    from qa import Assistant, Settings

    rows = [c for c in gs.build(DATA, splits_dir=tmp_path / "no-splits") if c["source"] == gs.SQUAD]
    rows = [c for c in rows if c["kind"] in ("gold-sentence", "swap-other-doc", "negated")][:9]
    path = gs.write_claims(rows, tmp_path / "claims.jsonl")
    claims = load_grounding_set(path)
    assert [c.id for c in claims] == [r["id"] for r in rows] and {c.source for c in claims} == {gs.SQUAD}
    assistant = Assistant(
        Settings(index_dir=tmp_path / "index", upload_dir=tmp_path / "uploads", backend="extractive"),
        embeddings=embeddings,
    )
    try:
        assistant.ingest([DATA / gs.SQUAD / "docs"])
        kept = check_claims(assistant, claims)
    finally:
        assistant.close()
    result = grounding_breakdown(claims, kept, control_kinds=gs.CONTROL_KINDS)
    fabricated = [k for c, k in zip(claims, kept) if c.label == "fabricated"]
    supported = [k for c, k in zip(claims, kept) if c.label == "supported"]
    caught, false_alarms = fabricated.count(False), supported.count(False)
    overall = result["groups"]["all"]
    metrics = grounding_metrics(claims, kept)
    assert {k: overall[k] for k in metrics} == metrics
    kept_by_id = dict(zip((c.id for c in claims), kept))
    paired = [k for c, k in zip(claims, kept) if c.label == "fabricated" and kept_by_id.get(c.pair)]
    assert overall["paired_fabricated"] == len(paired)
    if paired:
        assert overall["paired_recall"] == round(paired.count(False) / len(paired), 4)
    assert overall["claims"] == len(claims) and overall["fabricated"] == len(fabricated)
    assert overall["fabrication_recall"] == round(caught / len(fabricated), 4)
    assert overall["supported_kept"] == round(supported.count(True) / len(supported), 4)
    if caught + false_alarms:
        assert overall["fabrication_precision"] == round(caught / (caught + false_alarms), 4)
    assert sum(m["claims"] for m in result["kinds"].values()) == len(claims)
    assert len(result["missed_fabrications"]) == fabricated.count(True)
    assert all(supported), result["dropped_supported"]  # a document's own sentence, verbatim, stands
    table = gs.markdown_table({**result, "half": "both"}, "python -m bench.grounding_set --score")
    assert "| all | " in table and "| gold-sentence | squad2-dev-sample | supported |" in table
