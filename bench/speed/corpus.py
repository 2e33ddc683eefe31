"""Benchmark corpora: a slice of PubMedQA, and generated corpora of a chosen chunk count."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATASETS = ROOT.parent / "shared" / "datasets"
PUBMEDQA = DATASETS / "pubmedqa-pqal"
CHUNKS_PER_FILE = 10  # a generated file of ~1,100 tokens makes about ten 128-token chunks
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def pubmedqa_files(limit: int) -> list[Path]:
    return sorted((PUBMEDQA / "docs").glob("*.txt"))[:limit]


def pubmedqa_questions(limit: int) -> list[str]:
    with open(PUBMEDQA / "qa.jsonl", encoding="utf-8") as handle:
        return [json.loads(line)["question"] for line, _ in zip(handle, range(limit))]


def copy_files(files: list[Path], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for path in files:
        (folder / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    return folder


def generate_corpus(folder: Path, chunks: int, seed: int = 7) -> Path:
    """About ``chunks`` chunks of real biomedical prose: files of sentences drawn at random
    (fixed seed) from the PubMedQA abstracts, each file distinct."""
    sentences = [
        s
        for p in sorted((PUBMEDQA / "docs").glob("*.txt"))
        for s in _SENTENCE.split(p.read_text(encoding="utf-8"))
        if len(s) > 40
    ]
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(max(1, chunks // CHUNKS_PER_FILE)):
        text, size = [], 0
        while size < 5_600:  # characters: about 1,100 MiniLM tokens of this prose
            sentence = rng.choice(sentences)
            text.append(sentence)
            size += len(sentence) + 1
        (folder / f"gen-{number:06d}.txt").write_text(f"Generated file {number}\n\n" + " ".join(text), encoding="utf-8")
    return folder


def change_files(folder: Path, share: float, seed: int = 11) -> int:
    """Edit one sentence's worth of text in ``share`` of the files; returns how many changed."""
    files = sorted(folder.glob("*.txt"))
    chosen = random.Random(seed).sample(files, max(1, round(len(files) * share)))
    for path in chosen:
        path.write_text(
            path.read_text(encoding="utf-8") + "\n\nAn added closing remark for the benchmark.", encoding="utf-8"
        )
    return len(chosen)
