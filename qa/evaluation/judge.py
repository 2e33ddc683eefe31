"""Optional LLM judge of faithfulness, through any OpenAI-compatible server."""

from __future__ import annotations

from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from pydantic import SecretStr

from qa.documents.chunking import split_sentences
from qa.text import cited_numbers, strip_citations
from qa.types import Answer

JUDGE_PROMPT = ChatPromptTemplate.from_messages(
    [
        (
            "system",
            "You check whether a statement is fully supported by the given passages. Reply with one word: yes or no.",
        ),
        (
            "human",
            "Passages:\n{passages}\n\nStatement: {statement}\n\nIs the statement fully supported by the passages?",
        ),
    ]
)


class LLMJudge:
    """Share of answer sentences the judge model calls supported by the passages they cite."""

    def __init__(self, base_url: str, model: str, api_key: SecretStr, timeout: float) -> None:
        from langchain_openai import ChatOpenAI

        llm = ChatOpenAI(
            base_url=base_url,
            model=model,
            api_key=api_key,
            timeout=timeout,
            max_retries=0,
            temperature=0.0,
            max_tokens=3,
            extra_body={"max_tokens": 3},
        )
        self.chain = JUDGE_PROMPT | llm | StrOutputParser()

    def faithfulness(self, answer: Answer) -> float | None:
        if answer.refused:
            return None
        by_number = {c.number: c.passage for c in answer.citations}
        verdicts = []
        for sentence in split_sentences(answer.text):
            statement = strip_citations(sentence)
            if not statement:
                continue
            passages = "\n".join(by_number[n] for n in cited_numbers(sentence) if n in by_number)
            if not passages:
                verdicts.append(False)
                continue
            reply = self.chain.invoke({"passages": passages, "statement": statement})
            verdicts.append(reply.strip().lower().startswith("yes"))
        return sum(verdicts) / len(verdicts) if verdicts else None
