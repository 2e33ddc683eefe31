"""The naive baseline: LangChain's RAG tutorial pipeline with the same embedding model and LLM.

RecursiveCharacterTextSplitter(1000, 200) -> Chroma.from_documents -> top-4 retriever ->
the tutorial's prompt, all passages stuffed -> the LLM. It cites nothing; an answer saying it
does not know counts as a refusal. Wrapped to return ``qa.Answer`` so the same metrics apply."""

from __future__ import annotations

import re
import time
from pathlib import Path

from langchain_chroma import Chroma
from langchain_core.documents import Document
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import PromptTemplate
from langchain_text_splitters import RecursiveCharacterTextSplitter

from qa.types import Answer, Passage

# The prompt of LangChain's RAG tutorial (hub "rlm/rag-prompt"), written out: no hub access here.
TUTORIAL_PROMPT = PromptTemplate.from_template(
    "You are an assistant for question-answering tasks. Use the following pieces of retrieved context "
    "to answer the question. If you don't know the answer, just say that you don't know. Use three "
    "sentences maximum and keep the answer concise.\nQuestion: {question} \nContext: {context} \nAnswer:"
)
DONT_KNOW = re.compile(r"\b(don'?t|do not) know\b|\bnot (provided|mentioned)\b", re.IGNORECASE)


class NaiveBaseline:
    def __init__(self, corpus: Path, embeddings, llm, persist_directory: Path) -> None:
        docs = [
            Document(page_content=p.read_text(encoding="utf-8"), metadata={"source": str(p)})
            for p in sorted(corpus.glob("*.txt"))
        ]
        splits = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(docs)
        started = time.perf_counter()
        self.vectorstore = Chroma.from_documents(splits, embeddings, persist_directory=str(persist_directory))
        self.index_seconds = time.perf_counter() - started
        self.retriever = self.vectorstore.as_retriever(search_kwargs={"k": 4})
        self.chain = TUTORIAL_PROMPT | llm | StrOutputParser()

    def ask(self, question: str) -> Answer:
        started = time.perf_counter()
        docs = self.retriever.invoke(question)
        retrieved = time.perf_counter()
        text = self.chain.invoke({"question": question, "context": "\n\n".join(d.page_content for d in docs)}).strip()
        done = time.perf_counter()
        refused = not text or bool(DONT_KNOW.search(text))
        passages = [
            Passage(i + 1, str(d.id or ""), d.page_content, d.metadata["source"], "", None, 0.0)
            for i, d in enumerate(docs)
        ]
        return Answer(
            question=question,
            text=text,
            citations=[],
            refused=refused,
            backend="naive-baseline",
            search_query=question,
            passages=passages,
            timings={"retrieve_s": retrieved - started, "generate_s": done - retrieved, "total_s": done - started},
        )
