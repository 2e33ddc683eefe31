"""How well do candidate answerability signals separate answerable from unanswerable questions?

    python -m bench.answerability_probe [--half tune]

Tune half only by default (a probe informs a choice, so it must not read the report half). Each
SQuAD 2.0 dev-sample question is paired with the sentence of its gold paragraph that shares most
content words with it (what a retriever would likely pick; no index needed), and each signal is
scored by ROC AUC, answerable vs unanswerable:

- ``overlap_share``: share of the question's content words in that sentence;
- ``answerability_model``: the answerability cross-encoder's probability (``qa/answer/answerability.py``);
- ``local_llm_yes_minus_no``: the local model (Gemma 3 270M through llama.cpp) asked whether the
  sentence answers the question, log P(" yes") - log P(" no") of its next token;
- ``local_llm_min_pmi``: how much the gold paragraph raises the local model's likelihood of each
  question token (log P(token | paragraph, question so far) - log P(token | question so far)),
  its minimum over the question: an unanswerable question's changed detail should get no lift.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.provenance import git_commit
from qa.answer.decide import share_in
from qa.documents.chunking import split_sentences
from qa.evaluation.splits import Half, load_split
from qa.evaluation.testset import load_testset
from qa.text import content_words

ROOT = Path(__file__).resolve().parents[1]
DATASET = ROOT.parent / "shared" / "datasets" / "squad2-dev-sample" / "qa.jsonl"
SPLIT = ROOT / "bench" / "splits" / "squad2-dev-sample.json"
PROMPT = "Passage: {sentence}\nQuestion: {question}\nDoes the passage answer the question? Answer yes or no.\nAnswer:"


def overlap_share(question: str, sentence: str) -> float:
    """The answer model's ``sentence_coverage``: share of the question's content words in the sentence."""
    return share_in(list(dict.fromkeys(content_words(question))), sentence)


def probe_rows(half: Half) -> list[tuple[str, str, str, int]]:
    """(question, best-overlap sentence, gold paragraph, answerable) for the half's questions."""
    found = []
    for case in load_split(SPLIT).select(load_testset(DATASET), half):
        sentence = max(split_sentences(case.gold_passage), key=lambda s: overlap_share(case.question, s))
        found.append((case.question, sentence, case.gold_passage, int(case.answerable)))
    return found


def local_llm() -> Any:
    from llama_cpp import Llama

    from qa.answer.generate import local_model_path
    from qa.settings import Settings

    return Llama(
        model_path=str(local_model_path(Settings().generation)),
        n_ctx=1024,
        n_threads=2,
        logits_all=True,  # next-token log-probabilities
        verbose=False,
    )


def yes_minus_no_scorer(llm: Any) -> Callable[[str, str], float]:

    def yes_minus_no(question: str, sentence: str) -> float:
        result = llm.create_completion(
            PROMPT.format(sentence=sentence, question=question), max_tokens=1, logprobs=50, temperature=0
        )
        top: dict[str, float] = result["choices"][0]["logprobs"]["top_logprobs"][0]

        def best(word: str) -> float:
            return max((lp for token, lp in top.items() if token.strip().lower() == word), default=-30.0)

        return best("yes") - best("no")

    return yes_minus_no


def min_pmi_scorer(llm: Any) -> Callable[[str, str], float]:
    import numpy as np
    from scipy.special import log_softmax

    def question_log_probs(prefix: str, question: str) -> Any:
        head = llm.tokenize(prefix.encode(), add_bos=True)
        tail = llm.tokenize(question.encode(), add_bos=False)
        llm.reset()
        llm.eval(head + tail)
        logits = np.asarray(llm.scores[: len(head) + len(tail)], dtype=np.float64)
        log_probs = log_softmax(logits, axis=1)
        return log_probs[np.arange(len(head) - 1, len(head) + len(tail) - 1), tail]

    def min_pmi(question: str, paragraph: str) -> float:
        question = question.strip()
        lift = question_log_probs(f"Passage: {paragraph}\nQuestion: ", question) - question_log_probs(
            "Question: ", question
        )
        return float(lift.min())

    return min_pmi


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--half", choices=["tune", "report"], default="tune")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    from sklearn.metrics import roc_auc_score

    from qa.answer.answerability import Answerability

    rows = probe_rows(args.half)
    labels = [label for *_, label in rows]
    cross_encoder = Answerability(enabled=True)
    llm = local_llm()
    yes_minus_no, min_pmi = yes_minus_no_scorer(llm), min_pmi_scorer(llm)
    # Each scorer reads (question, best sentence, gold paragraph).
    scorers: dict[str, Callable[[str, str, str], float]] = {
        "overlap_share": lambda q, s, _: overlap_share(q, s),
        "answerability_model": lambda q, s, _: cross_encoder.score(q, [s])[0],
        "local_llm_yes_minus_no": lambda q, s, _: yes_minus_no(q, s),
        "local_llm_min_pmi": lambda q, _, p: min_pmi(q, p),
    }
    result: dict[str, object] = {"half": args.half, "questions": len(rows), "answerable": sum(labels)}
    for name, scorer in scorers.items():
        started = time.monotonic()
        scores = [scorer(question, sentence, paragraph) for question, sentence, paragraph, _ in rows]
        result[name] = {
            "roc_auc": round(float(roc_auc_score(labels, scores)), 3),
            "seconds_per_question": round((time.monotonic() - started) / len(rows), 3),
        }
    result |= {"commit": git_commit(), "command": f"python -m bench.answerability_probe --half {args.half}"}
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
