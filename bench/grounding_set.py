"""A grounding claim set built by a fixed procedure (docs/grounding-protocol.md), and its score.

    python -m bench.grounding_set                       # build seeds/checks/grounding-constructed.jsonl
    python -m bench.grounding_set --score --half report # score the grounding check on the report half

Claims come from the public QA sets in ``../shared/datasets`` (SQuAD 2.0 dev sample, PubMedQA
PQA-L), each labelled by how it was made, not by a person reading it against the check: the
gold sentence or a restated question is supported; the same sentence with its answer swapped for
a same-type phrase of another document, its roles exchanged, a number of the same sentence put
in, or "not" inserted is fabricated. Every choice is seeded, so the file is the same on every
machine. Scoring sends every claim through the product's path for generated text against the
whole corpus of its source (``qa.evaluation.grounding``)."""

from __future__ import annotations

import argparse
import datetime
import functools
import json
import random
import re
import string
import sys
from collections.abc import Iterable
from pathlib import Path

from bench.provenance import git_commit
from qa.documents.chunking import split_sentences
from qa.evaluation.splits import Split, load_split, make_split, write_split
from qa.evaluation.testset import load_testset
from qa.text import normalize_answer

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATASETS = ROOT.parent / "shared" / "datasets"
SPLITS_DIR = ROOT / "bench" / "splits"
OUT_FILE = ROOT / "seeds" / "checks" / "grounding-constructed.jsonl"
SEED = "grounding-constructed-v1"
N_PUBMED = 150
SQUAD, PUBMED = "squad2-dev-sample", "pubmedqa-pqal"
SOURCES = (SQUAD, PUBMED)

SQUAD_KINDS = (
    "gold-sentence",
    "question-restated",
    "swap-other-doc",
    "question-swap-other-doc",
    "swap-roles",
    "number-from-sentence",
    "negated",
)
PUBMED_KINDS = ("conclusion", "conclusion-number-from-abstract", "conclusion-term-swap", "conclusion-negated")
KINDS = SQUAD_KINDS + PUBMED_KINDS
SUPPORTED_KINDS = frozenset({"gold-sentence", "question-restated", "conclusion"})
CONTROL_KINDS = frozenset({"gold-sentence"})

# --- common definitions ----------------------------------------------------------------------
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_MONTH = "(?:" + "|".join(MONTHS) + ")"
_YEAR = re.compile(r"^(?:the )?(?:1\d{3}|20\d{2})s?$", re.IGNORECASE)
_HAS_MONTH = re.compile(rf"\b{_MONTH}\b")
NUMBER_WORDS = frozenset(
    """one two three four five six seven eight nine ten eleven twelve thirteen fourteen
    fifteen sixteen seventeen eighteen nineteen twenty hundred thousand million billion""".split()
)
NAME_CONNECTORS = frozenset("of the and de von van la for in".split())
NEGATORS = frozenset("not no never neither nor none without cannot".split())
AUXILIARIES = (
    "is",
    "are",
    "was",
    "were",
    "can",
    "could",
    "will",
    "would",
    "should",
    "must",
    "may",
    "might",
    "does",
    "do",
    "did",
)
_AUXILIARY = re.compile(r"\b(?:" + "|".join(AUXILIARIES) + r")\b")
PREPOSITIONS = frozenset("of to for with by in on at from as about into than like after before".split())
PARTICIPLES = frozenset(
    """built held won made begun born sold lost set put fought taught brought bought shut
    split hit cut found""".split()
)
_SMALL_WORDS = frozenset("a an the of and or to in on at by for".split())
COORDINATIONS = frozenset({" and ", " or ", ", ", ", and "})

_PUNCT = re.compile(f"[{re.escape(string.punctuation)}‘’“”–—]")
_NAME_RUN = re.compile(r"[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*")
_DIGITS = re.compile(r"(?<![\w.,-])\d+(?:[.,]\d+)*(?![\w-])")
_DATE_PHRASE = re.compile(rf"{_MONTH}(?:\s+\d{{1,2}})?(?:,?\s+\d{{4}})?|\d{{1,2}}\s+{_MONTH}(?:\s+\d{{4}})?")
_STANDALONE_NUMBER = re.compile(r"(?<![A-Za-z0-9.\-])\d+(?:\.\d+)?%?(?![A-Za-z0-9\-])")
_TERM = re.compile(r"[A-Za-z][\w'-]*")


# The product's own normalisation (lower case, punctuation to spaces, no articles).
norm = normalize_answer


def occurs(phrase: str, text: str) -> bool:
    """Whether ``phrase`` occurs in ``text`` after normalisation, at word boundaries."""
    p = norm(phrase)
    return bool(p) and f" {p} " in f" {norm(text)} "


def chooser(row_id: str, kind: str) -> random.Random:
    return random.Random(f"{SEED}:{row_id}:{kind}")


def answer_type(phrase: str) -> str:
    """year, date, number, name or phrase (the first that fits)."""
    text = phrase.strip()
    words = text.split()
    if _YEAR.match(text):
        return "year"
    if _HAS_MONTH.search(text):
        return "date"
    if any(c.isdigit() for c in text) or (words and words[0].lower() in NUMBER_WORDS and len(words) <= 3):
        return "number"
    significant = [w.lstrip("(\"'“‘") for w in words if w.lower() not in NAME_CONNECTORS]
    significant = [w for w in significant if w]
    if significant and all(w[0].isupper() for w in significant):
        return "name"
    return "phrase"


def has_content_word(phrase: str) -> bool:
    return any(w not in _SMALL_WORDS for w in norm(phrase).split())


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def statement(text: str) -> str:
    text = " ".join(text.split()).rstrip(" ?.!,;:")
    return capitalise(text) + "."


def replace_first(sentence: str, old: str, new: str) -> str | None:
    at = sentence.find(old)
    if at < 0:
        return None
    out = sentence[:at] + new + sentence[at + len(old) :]
    return capitalise(out) if at == 0 else out


def negate(sentence: str) -> str | None:
    """ "not" after the first auxiliary; None when the sentence has a negator or no auxiliary."""
    lowered = sentence.lower()
    if "n't" in lowered or "n’t" in lowered or any(w in NEGATORS for w in norm(sentence).split()):
        return None
    m = _AUXILIARY.search(sentence)
    if m is None:
        return None
    return sentence[: m.end()] + " not" + sentence[m.end() :]


def rewrite_question(question: str, answer: str) -> str | None:
    """The question as a statement with the answer (rules Q1-Q4 of the protocol), or None."""
    q = " ".join(question.split()).rstrip(" ?")
    m = re.match(r"^(Who|What|Which)( [a-z]+)? (is|was|are|were) (.+)$", q)
    if m:
        last = _PUNCT.sub("", m.group(4).split()[-1]).lower()
        if last in PREPOSITIONS or last.endswith("ed"):
            return None
        return statement(f"{answer} {m.group(3)} {m.group(4)}")
    m = re.match(r"^Who ([a-z]+) (.+)$", q)
    if m:
        if m.group(1) in AUXILIARIES or m.group(1) in ("has", "have", "had"):
            return None
        return statement(f"{answer} {m.group(1)} {m.group(2)}")
    m = re.match(r"^When (was|were) (.+) ([a-z]+)$", q)
    if m:
        participle = m.group(3)
        if not (participle.endswith(("ed", "en", "wn")) or participle in PARTICIPLES):
            return None
        prep = "on" if any(c.isdigit() for c in answer) and _HAS_MONTH.search(answer) else "in"
        return statement(f"{m.group(2)} {m.group(1)} {participle} {prep} {answer}")
    m = re.match(r"^How many ((?:[\w-]+ ){0,2}?[\w-]+) (are|were|is|was) (.+)$", q)
    if m:
        noun = m.group(1)
        noun_part = "" if answer.split()[-1].lower() == noun.split()[-1].lower() else f" {noun}"
        return statement(f"{answer}{noun_part} {m.group(2)} {m.group(3)}")
    return None


def _spans(sentence: str, kind: str) -> list[tuple[int, int]]:
    if kind == "name":
        return [(m.start(), m.end()) for m in _NAME_RUN.finditer(sentence) if m.start() > 0]
    if kind in ("number", "year"):
        return [(m.start(), m.end()) for m in _DIGITS.finditer(sentence)]
    if kind == "date":
        return [(m.start(), m.end()) for m in _DATE_PHRASE.finditer(sentence)]
    return []


def swap_roles(sentence: str, answer: str, kind: str) -> str | None:
    """The answer and the first other phrase of its type in the sentence, exchanged."""
    start = sentence.find(answer)
    if start < 0 or kind not in ("name", "number", "year", "date"):
        return None
    end = start + len(answer)
    partner = next(((s, e) for s, e in _spans(sentence, kind) if e <= start or s >= end), None)
    if partner is None:
        return None
    other = sentence[partner[0] : partner[1]]
    a, b = norm(answer), norm(other)
    if not b or a == b or a in b or b in a:
        return None
    (s1, e1), (s2, e2) = sorted([(start, end), partner])
    if sentence[e1:s2] in COORDINATIONS:
        return None
    first, second = sentence[s1:e1], sentence[s2:e2]
    out = sentence[:s1] + second + sentence[e1:s2] + first + sentence[e2:]
    return capitalise(out) if s1 == 0 else out


def number_from_sentence(sentence: str, answer: str, kind: str, rng: random.Random) -> str | None:
    start = sentence.find(answer)
    if start < 0 or kind not in ("number", "year"):
        return None
    end = start + len(answer)
    candidates = sorted(
        {
            m.group()
            for m in _DIGITS.finditer(sentence)
            if (m.end() <= start or m.start() >= end) and norm(m.group()) != norm(answer)
        }
    )
    if not candidates:
        return None
    return replace_first(sentence, answer, rng.choice(candidates))


def _number_value(text: str) -> float:
    return float(text.rstrip("%"))


@functools.lru_cache(maxsize=65536)
def _terms(sentence: str) -> tuple[tuple[str, str], ...]:
    """(shape, term) after the sentence's first word: acronyms (two or more capitals) and
    capitalised words. Cached: building the set asks it of the same sentences thousands of times."""
    found = []
    for i, m in enumerate(_TERM.finditer(sentence)):
        word = m.group()
        if i == 0:
            continue
        if sum(c.isupper() for c in word) >= 2:
            found.append(("acronym", word))
        elif word[0].isupper():
            found.append(("capitalised", word))
    return tuple(found)


def _word_in(term: str, text: str) -> bool:
    return bool(re.search(rf"(?<![\w-]){re.escape(term.lower())}(?![\w-])", text.lower()))


# --- data --------------------------------------------------------------------------------------
def read_rows(datasets: Path, source: str) -> list[dict]:
    path = datasets / source / "qa.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


def split_for(datasets: Path, source: str, splits_dir: Path = SPLITS_DIR) -> Split:
    """The committed split when there is one, else the same split made from the test set."""
    path = splits_dir / f"{source}.json"
    if path.is_file():
        return load_split(path)
    return make_split(load_testset(datasets / source / "qa.jsonl"))


def write_splits(datasets: Path, splits_dir: Path = SPLITS_DIR) -> list[Path]:
    return [write_split(make_split(load_testset(datasets / s / "qa.jsonl")), splits_dir / f"{s}.json") for s in SOURCES]


def _half(split: Split, doc_id: str) -> str:
    if doc_id in split.tune:
        return "tune"
    if doc_id in split.report:
        return "report"
    from qa.evaluation.splits import half_of

    return half_of(doc_id, split.key)


def _claim(
    source: str,
    row_id: str,
    kind: str,
    text: str,
    half: str,
    doc_id: str,
    basis: str,
    pair: str | None = None,
    changed_type: str | None = None,
) -> dict:
    row = {
        "id": f"{source}:{row_id}:{kind}",
        "claim": text,
        "label": "supported" if kind in SUPPORTED_KINDS else "fabricated",
        "kind": kind,
        "half": half,
        "source": source,
        "doc_id": doc_id,
        "basis": basis,
    }
    if pair:
        row["pair"] = pair
    if changed_type:  # the answer type of the phrase the fabrication changed
        row["answer_type"] = changed_type
    return row


def build_squad(rows: list[dict], documents: dict[str, str], split: Split) -> list[dict]:
    prepared = []
    for row in rows:
        if not row.get("answerable"):
            continue
        doc = documents[row["doc_id"]]
        accepted = [row.get("reference_answer") or "", *row.get("all_answers", [])]
        answer = next((a for a in accepted if a and a in doc), None)
        if answer is None:
            continue
        sentence = next((s for s in split_sentences(doc) if answer in s), None)
        if sentence is None:
            continue
        prepared.append((row, answer, sentence, _half(split, row["doc_id"])))
    donors_by = [(row["doc_id"], half, row.get("reference_answer") or "") for row, _, _, half in prepared]

    def donors(row: dict, answer: str, half: str) -> list[str]:
        kind = answer_type(answer)
        accepted = {norm(a) for a in [row.get("reference_answer") or "", *row.get("all_answers", [])]}
        doc = documents[row["doc_id"]]
        return sorted(
            {
                d
                for doc_id, h, d in donors_by
                if d
                and h == half
                and doc_id != row["doc_id"]
                and answer_type(d) == kind
                and not occurs(d, doc)
                and norm(d) not in accepted
                and has_content_word(d)
            }
        )

    claims: list[dict] = []
    for row, answer, sentence, half in prepared:
        rid, doc_id = row["id"], row["doc_id"]
        kind = answer_type(answer)
        made = [_claim(SQUAD, rid, "gold-sentence", sentence, half, doc_id, sentence)]
        gold_id = made[0]["id"]
        restated = rewrite_question(row["question"], answer)
        if restated:
            made.append(_claim(SQUAD, rid, "question-restated", restated, half, doc_id, sentence))
        pool = donors(row, answer, half)
        if pool:
            text = replace_first(sentence, answer, chooser(rid, "swap-other-doc").choice(pool))
            if text:
                made.append(_claim(SQUAD, rid, "swap-other-doc", text, half, doc_id, sentence, gold_id, kind))
            if restated:  # the restated question with the donor in the answer's place
                text = rewrite_question(row["question"], chooser(rid, "question-swap-other-doc").choice(pool))
                if text:
                    made.append(
                        _claim(
                            SQUAD,
                            rid,
                            "question-swap-other-doc",
                            text,
                            half,
                            doc_id,
                            sentence,
                            f"{SQUAD}:{rid}:question-restated",
                            kind,
                        )
                    )
        text = swap_roles(sentence, answer, kind)
        if text:
            made.append(_claim(SQUAD, rid, "swap-roles", text, half, doc_id, sentence, gold_id, kind))
        text = number_from_sentence(sentence, answer, kind, chooser(rid, "number-from-sentence"))
        if text:
            made.append(_claim(SQUAD, rid, "number-from-sentence", text, half, doc_id, sentence, gold_id, kind))
        text = negate(sentence)
        if text:
            made.append(_claim(SQUAD, rid, "negated", text, half, doc_id, sentence, gold_id))
        claims.extend(made)
    return claims


def pubmed_sample(rows: list[dict], split: Split, half: str, n: int = N_PUBMED) -> list[str]:
    ids = sorted({r["doc_id"] for r in rows if _half(split, r["doc_id"]) == half})
    random.Random(f"{SEED}:pubmed:{half}").shuffle(ids)
    return ids[:n]


def conclusion_sentence(reference: str) -> str | None:
    return next((s for s in split_sentences(reference) if len(s.split()) >= 6), None)


def build_pubmed(rows: list[dict], documents: dict[str, str], split: Split, n: int = N_PUBMED) -> list[dict]:
    claims: list[dict] = []
    for half in ("tune", "report"):
        sample = set(pubmed_sample(rows, split, half, n))
        found = [(r, conclusion_sentence(r.get("reference_answer") or "")) for r in rows if r["doc_id"] in sample]
        chosen = [(r, s) for r, s in found if s]
        for row, sentence in chosen:
            rid, doc_id = row["id"], row["doc_id"]
            doc = documents[doc_id]
            conclusion_id = f"{PUBMED}:{rid}:conclusion"
            claims.append(_claim(PUBMED, rid, "conclusion", sentence, half, doc_id, sentence))
            first = _STANDALONE_NUMBER.search(sentence)
            if first:
                value = _number_value(first.group())
                candidates = sorted(
                    {m.group() for m in _STANDALONE_NUMBER.finditer(doc) if _number_value(m.group()) != value}
                )
                if candidates:
                    new = chooser(rid, "conclusion-number-from-abstract").choice(candidates)
                    text = sentence[: first.start()] + new + sentence[first.end() :]
                    claims.append(
                        _claim(
                            PUBMED, rid, "conclusion-number-from-abstract", text, half, doc_id, sentence, conclusion_id
                        )
                    )
            terms = _terms(sentence)
            target = next((t for t in terms if t[0] == "acronym"), None) or next(iter(terms), None)
            if target:
                shape, term = target
                pool = sorted(
                    {
                        t
                        for other, s in chosen
                        if other["doc_id"] != doc_id
                        for sh, t in _terms(s)
                        if sh == shape and not _word_in(t, doc) and not _word_in(t, sentence)
                    }
                )
                if pool:
                    new = chooser(rid, "conclusion-term-swap").choice(pool)
                    at = next(m.start() for i, m in enumerate(_TERM.finditer(sentence)) if i > 0 and m.group() == term)
                    text = sentence[:at] + new + sentence[at + len(term) :]
                    claims.append(
                        _claim(PUBMED, rid, "conclusion-term-swap", text, half, doc_id, sentence, conclusion_id)
                    )
            negated = negate(sentence)
            if negated:
                claims.append(_claim(PUBMED, rid, "conclusion-negated", negated, half, doc_id, sentence, conclusion_id))
    return claims


def read_documents(datasets: Path, source: str) -> dict[str, str]:
    folder = datasets / source / "docs"
    return {p.stem: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))}


def build(datasets: Path = DEFAULT_DATASETS, splits_dir: Path = SPLITS_DIR) -> list[dict]:
    """Every claim of the set, both halves, in a fixed order."""
    squad = build_squad(
        read_rows(datasets, SQUAD), read_documents(datasets, SQUAD), split_for(datasets, SQUAD, splits_dir)
    )
    pubmed = build_pubmed(
        read_rows(datasets, PUBMED), read_documents(datasets, PUBMED), split_for(datasets, PUBMED, splits_dir)
    )
    return squad + pubmed


def write_claims(claims: Iterable[dict], path: Path = OUT_FILE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in claims), encoding="utf-8")
    return path


# --- scoring -------------------------------------------------------------------------------------
def _pct(value) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def markdown_table(result: dict, command: str) -> str:
    """The result as Markdown: overall and per source, per kind, and the fabrications that
    changed an answer by its type. "paired" counts only fabrications whose supported source
    claim the check keeps, so a drop there is the check seeing the change."""
    lines = [
        f"Grounding check on the constructed set ({result['half']} half) — commit {git_commit()}, "
        f"{datetime.date.today().isoformat()}, `{command}`",
        "",
        "| claims | n | fabricated | supported | fabrication recall | fabrication precision | supported kept "
        "| paired n | paired recall |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, m in result["groups"].items():
        lines.append(
            f"| {name} | {m['claims']} | {m['fabricated']} | {m['supported']} | "
            f"{_pct(m['fabrication_recall'])} | {_pct(m['fabrication_precision'])} | {_pct(m['supported_kept'])} "
            f"| {m['paired_fabricated']} | {_pct(m['paired_recall'])} |"
        )
    for title, rows in (
        ("kind", result["kinds"]),
        ("kind / changed answer type", result.get("kinds_by_answer_type") or {}),
    ):
        if not rows:
            continue
        lines += [
            "",
            f"| {title} | source | label | n | dropped | kept | paired n | paired recall |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for name, m in rows.items():
            paired = (m["paired_fabricated"], _pct(m["paired_recall"])) if m["label"] == "fabricated" else ("", "")
            lines.append(
                f"| {name} | {m['source']} | {m['label']} | {m['claims']} | {_pct(m['dropped'])} | "
                f"{_pct(m['kept'])} | {paired[0]} | {paired[1]} |"
            )
    return "\n".join(lines)


def score(claims_path: Path, half: str, datasets: Path, out: Path, settings_changes: dict | None = None) -> dict:
    from qa import Assistant, Settings
    from qa.evaluation.api import corpus_collection
    from qa.evaluation.grounding import check_claims, grounding_breakdown, load_grounding_set

    claims = [c for c in load_grounding_set(claims_path) if not half or c.half == half]
    settings = Settings(index_dir=out / "index", upload_dir=out / "uploads", **(settings_changes or {}))
    embeddings = None
    kept: dict[str, bool] = {}
    for source in sorted({c.source for c in claims}):
        corpus = datasets / source / "docs"
        assistant = Assistant(settings, collection=corpus_collection(corpus, settings), embeddings=embeddings)
        embeddings = assistant.embeddings
        try:
            assistant.ingest([corpus])
            mine = [c for c in claims if c.source == source]
            kept.update(zip((c.id for c in mine), check_claims(assistant, mine)))
        finally:
            assistant.close()
    ordered = [kept[c.id] for c in claims]
    result = grounding_breakdown(claims, ordered, control_kinds=CONTROL_KINDS)
    result["half"] = half or "both"
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS)
    parser.add_argument("--claims", type=Path, default=OUT_FILE)
    parser.add_argument(
        "--write-splits", action="store_true", help="write bench/splits/<source>.json from the test sets"
    )
    parser.add_argument(
        "--score", action="store_true", help="score the grounding check on --claims instead of building"
    )
    parser.add_argument("--half", choices=("tune", "report"), default=None, help="score only this half")
    parser.add_argument("--out", type=Path, default=Path("bench-out/grounding"))
    parser.add_argument("--json", type=Path, help="also write the full result (with missed claims) here")
    args = parser.parse_args(argv)
    if args.write_splits:
        for path in write_splits(args.datasets):
            print(f"wrote {path}")
    if not args.score:
        claims = build(args.datasets)
        path = write_claims(claims, args.claims)
        counts: dict[tuple[str, str], int] = {}
        for c in claims:
            counts[(c["half"], c["kind"])] = counts.get((c["half"], c["kind"]), 0) + 1
        print(f"wrote {len(claims)} claims to {path}")
        for kind in KINDS:
            print(f"  {kind:34s} tune {counts.get(('tune', kind), 0):4d}  report {counts.get(('report', kind), 0):4d}")
        return 0
    result = score(args.claims, args.half, args.datasets, args.out)
    command = "python -m bench.grounding_set --score" + (f" --half {args.half}" if args.half else "")
    print(markdown_table(result, command))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
