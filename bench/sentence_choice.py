"""How the select stage's sentence embedding could be made cheaper, measured on the TUNE halves.

    python -m bench.sentence_choice [--datasets ../shared/datasets] [--busy 1]

For every tune-half question of the SQuAD 2.0 dev sample and PubMedQA it retrieves the passages
once, then ranks their sentences with each variant and records whether the top sentence (after
the question-type filter) is right (SQuAD: it holds an accepted answer; PubMedQA: it comes from
the gold abstract) and the seconds spent embedding sentences. Every variant embeds without a
cache, so the times compare the work one new question costs. The report halves are never read.

Variants: ``full`` (today: every candidate sentence, the index's model); ``int8`` (the same
model with dynamically quantised linear layers, for this step only); ``overlap-K`` (only K
candidates are embedded and ranked, as ``QA_SENTENCE_CANDIDATES=K`` does: those that fit the
question's type, then those sharing most of its content words; the rest are dropped).

``--priors rank:W relevance:W`` adds variants that re-order the ``overlap-6`` ranking by the
passage each sentence stands in: score minus W per rank below the first passage, or plus W x the
passage's relevance (cosine to the query). Today's score already carries
``PASSAGE_RANK_PENALTY``, chosen with these variants before it existed."""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from bench.busy import busy_cores
from bench.provenance import git_commit
from qa import AskOptions, Assistant, Settings
from qa.answer.select import SentenceVectors, answering_sentences, rank_sentences
from qa.embeddings import SentenceEmbeddings, _quantized
from qa.evaluation import load_testset
from qa.evaluation.api import corpus_collection
from qa.evaluation.metrics import is_gold_document, shown_right
from qa.evaluation.splits import load_split
from qa.types import Passage

ROOT = Path(__file__).resolve().parents[1]


class Timed(SentenceVectors):
    """Sentence vectors without a cache, the seconds spent embedding summed."""

    def __init__(self, embeddings) -> None:
        super().__init__(embeddings, max_items=0)
        self.seconds = 0.0

    def __call__(self, sentences: list[str]) -> np.ndarray:
        started = time.perf_counter()
        try:
            return super().__call__(sentences)
        finally:
            self.seconds += time.perf_counter() - started


def with_prior(
    ranked: list[tuple[float, str, int]], prior: str, passages: list[Passage]
) -> list[tuple[float, str, int]]:
    """``ranked`` re-ordered by a passage prior: "rank:W" (minus W per rank below the first
    passage) or "relevance:W" (plus W x the passage's relevance)."""
    kind, weight = prior.split(":")
    w = float(weight)
    relevance = {p.number: p.relevance for p in passages}

    def key(item: tuple[float, str, int]) -> float:
        return item[0] + (-w * (item[2] - 1) if kind == "rank" else w * relevance[item[2]])

    return sorted(ranked, key=key, reverse=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", default=str(ROOT.parent / "shared" / "datasets"))
    parser.add_argument("--only", nargs="*", default=["squad2-dev-sample", "pubmedqa-pqal"])
    parser.add_argument("--busy", type=int, default=1, help="processes keeping a core busy meanwhile")
    parser.add_argument("--keep", nargs="*", type=int, default=[6, 10, 16])
    parser.add_argument("--priors", nargs="*", default=[], help="rank:W or relevance:W variants")
    parser.add_argument("--no-int8", action="store_true", help="skip the quantised variant")
    parser.add_argument("--out", default="bench-out/sentence-choice")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    settings = Settings(index_dir=Path(args.out) / "index")
    embeddings = None
    results: dict[str, dict[str, list]] = {}
    for name in args.only:
        data = Path(args.datasets) / name
        bot = Assistant(settings, collection=corpus_collection(data / "docs", settings), embeddings=embeddings)
        embeddings = bot.embeddings
        bot.ingest([data / "docs"])
        assert isinstance(embeddings, SentenceEmbeddings)
        variants = {"full": Timed(embeddings)}
        if not args.no_int8:
            int8 = SentenceEmbeddings(_quantized(embeddings.model), "int8", query_threads=embeddings.query_threads)
            variants["int8"] = Timed(int8)
        for keep in args.keep:
            variants[f"overlap-{keep}"] = Timed(embeddings)
        cases = load_split(ROOT / "bench" / "splits" / f"{name}.json").select(load_testset(data / "qa.jsonl"), "tune")
        pubmed = name.startswith("pubmed")
        with busy_cores(args.busy):
            for case in cases:
                passages = bot.search(case.question, AskOptions())
                sources = {p.number: p.source for p in passages}
                rankings = {}
                for label, vectors in variants.items():
                    before = vectors.seconds
                    keep = int(label.split("-")[1]) if label.startswith("overlap") else 0
                    rankings[label] = answering_sentences(
                        case.question, rank_sentences(case.question, passages, vectors, embed_at_most=keep)
                    )
                    results.setdefault(f"{name} {label}", {"right": [], "seconds": []})["seconds"].append(
                        vectors.seconds - before
                    )
                for prior in args.priors:
                    rankings[prior] = with_prior(rankings["overlap-6"], prior, passages)
                for label, ranked in rankings.items():
                    if not case.answerable or not ranked:
                        right = False
                    elif pubmed:
                        right = is_gold_document(sources[ranked[0][2]], case.source, case.doc_id)
                    else:
                        right = shown_right(ranked[0][1], case.answers, case.answerable)
                    row = results.setdefault(f"{name} {label}", {"right": [], "seconds": []})
                    if case.answerable:
                        row["right"].append(right)
    print(f"commit {git_commit()}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, tune halves, {args.busy} busy")
    print("| data set, variant | top sentence right (answerable) | embedding s/question p50 | mean |")
    print("|---|---|---|---|")
    for label, row in results.items():
        seconds = row["seconds"] or [float("nan")]  # a prior re-orders overlap-6: no embedding of its own
        print(
            f"| {label} | {sum(row['right']) / len(row['right']):.3f} ({len(row['right'])}) | "
            f"{statistics.median(seconds):.3f} | {statistics.mean(seconds):.3f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
