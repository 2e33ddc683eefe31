"""Speed on this CPU: index build for seeds/ and answer latency per backend, against the
naive LangChain tutorial pipeline measured in the same run.

    python -m bench.latency --repeats 3

Prints medians over repeats (index build) and over the seed questions (answers)."""

from __future__ import annotations

import argparse
import platform
import statistics
import tempfile
import time
from pathlib import Path

from qa import Assistant, Settings
from qa.embeddings import make_embeddings
from qa.evaluation import load_testset
from qa.answer.generate import make_generator

ROOT = Path(__file__).resolve().parents[1]


def median_ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--backends", nargs="*", default=["extractive", "local"])
    args = parser.parse_args()
    base = Settings()
    started = time.perf_counter()
    embeddings = make_embeddings(base)
    print(f"embedding model load: {time.perf_counter() - started:.2f} s")
    questions = [c.question for c in load_testset(ROOT / "seeds" / "testset.jsonl")]

    builds, naive_builds = [], []
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory() as tmp:
            bot = Assistant(base.model_copy(update={"index_dir": Path(tmp)}), embeddings=embeddings)
            t = time.perf_counter()
            bot.ingest([ROOT / "seeds" / "docs"])
            builds.append(time.perf_counter() - t)
        with tempfile.TemporaryDirectory() as tmp:
            from langchain_chroma import Chroma
            from langchain_community.document_loaders import DirectoryLoader, TextLoader
            from langchain_text_splitters import RecursiveCharacterTextSplitter

            t = time.perf_counter()
            docs = DirectoryLoader(str(ROOT / "seeds" / "docs"), glob="*.md", loader_cls=TextLoader).load()
            splits = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(docs)
            Chroma.from_documents(splits, embeddings, persist_directory=tmp)
            naive_builds.append(time.perf_counter() - t)
    print(f"index build seeds/ (median of {args.repeats}): ours {median_ms(builds)}, "
          f"naive {median_ms(naive_builds)}, ratio {statistics.median(builds) / statistics.median(naive_builds):.2f}")

    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backends:
            bot = Assistant(base.model_copy(update={"index_dir": Path(tmp), "backend": backend}), embeddings=embeddings)
            bot.ingest([ROOT / "seeds" / "docs"])
            bot.ask(questions[0])  # warm-up: loads the generator
            totals, firsts = [], []
            for q in questions:
                answer = bot.ask(q)
                totals.append(answer.timings["total_s"])
                if "first_token_s" in answer.timings:
                    firsts.append(answer.timings["first_token_s"])
            first = f", first token {median_ms(firsts)}" if firsts else ""
            print(f"answer latency {backend} (median of {len(questions)} seed questions): {median_ms(totals)}"
                  f" (p95 {statistics.quantiles(totals, n=20)[-1] * 1000:.0f} ms){first}")

        if "local" in args.backends:
            from langchain_chroma import Chroma
            from langchain_core.output_parsers import StrOutputParser

            from bench.naive_baseline import TUTORIAL_PROMPT

            llm = make_generator(base.model_copy(update={"backend": "local"}))
            llm.stop = ["\nQuestion:"]
            docs = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds" / "docs").glob("*.md"))]
            from langchain_text_splitters import RecursiveCharacterTextSplitter

            splits = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).create_documents(docs)
            retriever = Chroma.from_documents(splits, embeddings, persist_directory=str(Path(tmp) / "naive")).as_retriever(
                search_kwargs={"k": 4})
            chain = TUTORIAL_PROMPT | llm | StrOutputParser()
            totals = []
            for q in questions:
                t = time.perf_counter()
                context = "\n\n".join(d.page_content for d in retriever.invoke(q))
                chain.invoke({"question": q, "context": context})
                totals.append(time.perf_counter() - t)
            print(f"answer latency naive tutorial pipeline + same Gemma (median of {len(questions)}): {median_ms(totals)}")
    print(f"{platform.machine()} · {platform.processor() or 'cpu'} · Python {platform.python_version()}")


if __name__ == "__main__":
    main()
