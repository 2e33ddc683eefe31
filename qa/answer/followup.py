"""Standalone questions from follow-ups, so retrieval sees what the user means."""

from __future__ import annotations

import re
from collections.abc import Sequence

from langchain_core.language_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate


_FOLLOW_UP = re.compile(
    r"^\s*(and|but|also|so|then|what about|how about|and what|why)\b"
    r"|\b(it|its|they|them|their|theirs|this|that|these|those|there|he|him|his|she|her|hers)\b",
    re.IGNORECASE,
)

CONDENSE_PROMPT = ChatPromptTemplate.from_messages(
    [
        (
            "system",
            "Rewrite the user's last question as one standalone question that can be understood "
            "without the conversation. Reply with the question only.",
        ),
        ("human", "Conversation:\n{history}\n\nLast question: {question}"),
    ]
)


def looks_like_follow_up(question: str) -> bool:
    return bool(_FOLLOW_UP.search(question))


def condense_question(question: str, history: Sequence[tuple[str, str]], chat_model: BaseChatModel | None = None) -> str:
    """The question to search for. Without history it is the question itself. With a chat
    model, the model rewrites a follow-up; otherwise a follow-up is prefixed with the previous
    question, which carries the subject ("the IT coalition") that the follow-up leaves out."""
    if not history or not looks_like_follow_up(question):
        return question
    previous = history[-1][0]
    if chat_model is not None:
        transcript = "\n".join(f"User: {q}\nAssistant: {a}" for q, a in history[-3:])
        rewritten = (CONDENSE_PROMPT | chat_model | StrOutputParser()).invoke({"history": transcript, "question": question})
        return rewritten.strip() or question
    return f"{previous.rstrip()} {question.strip()}"
