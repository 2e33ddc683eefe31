"""Follow-up questions: which need the conversation, and what to search for them.

A question needs the conversation when it points back at it: a pronoun in lower case ("it",
"they"; "IT" is a name), a sentence-initial one ("It", "They"), a demonstrative with nothing
after it ("Who said that?"), an elliptical "what about X?", or a leading "And"/"But" (which
may continue the previous question, or not: "And how many countries are in the IT coalition?"
is complete). For such a question both the question alone and the question with its context
are searched, and the caller keeps the better-supported result (``search_queries`` lists
them, the one with context first)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from langchain_core.language_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

# Case-sensitive on purpose: "IT", "US" and other capitalised names are not pronouns.
_PRONOUN = re.compile(r"\b(it|its|they|them|their|theirs|he|him|his|she|her|hers)\b")
_LEADING_PRONOUN = re.compile(r"^\W*(?:(?:[Aa]nd|[Bb]ut|[Ss]o|[Aa]lso)\s+)?(It|Its|They|Them|Their|He|His|She|Her|This|That|"
                              r"These|Those)\b")
_DANGLING_DEMONSTRATIVE = re.compile(r"\b(this|that|these|those|there)\s*[?.!]*\s*$", re.IGNORECASE)
_DEMONSTRATIVE_SUBJECT = re.compile(r"\b(this|that|these|those)\s+(is|was|are|were|mean|means|meant|do|does|did|cost|costs)\b")
_ELLIPTICAL = re.compile(r"^\W*(?:and\s+)?(what|how)\s+about\b", re.IGNORECASE)
# "And ...?" may continue the previous question or be complete: unsure, so both are searched.
_CONNECTOR = re.compile(r"^\W*(and|but|also|so|then)\b", re.IGNORECASE)

CONDENSE_PROMPT = ChatPromptTemplate.from_messages(
    [
        (
            "system",
            "Rewrite the user's last question as one standalone question that can be understood "
            "without the conversation. Keep every name and term of the question exactly as written. "
            "If it is already standalone, return it unchanged. Reply with the question only.",
        ),
        ("human", "Conversation:\n{history}\n\nLast question: {question}"),
    ]
)


def looks_like_follow_up(question: str) -> bool:
    """Whether the question points back at the conversation (see the module docstring)."""
    return bool(
        _PRONOUN.search(question)
        or _LEADING_PRONOUN.search(question)
        or _DANGLING_DEMONSTRATIVE.search(question)
        or _DEMONSTRATIVE_SUBJECT.search(question)
        or _ELLIPTICAL.search(question)
        or _CONNECTOR.search(question)
    )


def points_back(question: str) -> bool:
    """A follow-up for sure (a pronoun, a dangling "that", "what about"), not just a leading "And"."""
    return looks_like_follow_up(question) and not (_CONNECTOR.search(question) and not looks_like_follow_up(
        _CONNECTOR.sub("", question, count=1)))


def search_queries(question: str, history: Sequence[tuple[str, str]],
                   chat_model: BaseChatModel | None = None) -> list[str]:
    """What to search, in order of preference: the question alone; or for a question that
    points back at the conversation, the question with its context first and alone second; for
    one that only starts with "And"/"But", alone first and with its context second. The caller
    keeps the first whose answer is supported well enough. With a chat model the model rewrites
    the follow-up; otherwise the previous question (which names the subject) is added to it."""
    if not history or not looks_like_follow_up(question):
        return [question]
    if chat_model is not None:
        transcript = "\n".join(f"User: {q}\nAssistant: {a}" for q, a in history[-3:])
        rewritten = (CONDENSE_PROMPT | chat_model | StrOutputParser()).invoke({"history": transcript, "question": question})
        rewritten = " ".join(rewritten.split())
        queries = [rewritten, question] if rewritten and rewritten != question else [question]
    else:
        queries = [f"{question.strip()} ({history[-1][0].strip()})", question]
    return queries if points_back(question) else queries[::-1]


def condense_question(question: str, history: Sequence[tuple[str, str]], chat_model: BaseChatModel | None = None) -> str:
    """The question with its context (or the question itself when it needs none)."""
    queries = search_queries(question, history, chat_model)
    return queries[0] if points_back(question) else queries[-1]
