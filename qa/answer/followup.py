"""Follow-up questions: which need the conversation, and what to search for them.

A question needs the conversation when it points back at it: a pronoun in lower case ("it",
"they"; "IT" is a name), a sentence-initial one ("It", "They"), a demonstrative or place with
nothing after it ("Who said that?", "Who works there?"), an elliptical "what about X?", a bare
question word ("Why?", "How many?"), a leading "And"/"But" before a fragment ("And on Windows?"),
or a leading "And"/"But" before a question (which may continue the previous question, or not:
"And how many countries are in the IT coalition?" is complete). For such a question both the
question alone and the question with its context are searched, and the caller keeps the
better-supported result (``search_queries`` lists them, the one with context first).

A question that stands on its own is searched alone, even after another question: an
existential "there" ("How many Ukrainian drone makers are there?"; but "How many are there?"
names nothing and points back) and an expletive "it" with its own clause ("How long does it take
the team to review a report?", "Is it safe to load a pipeline from a file?") point at nothing; a
possessive after a name ("Why did Harvard end its program?") and a pronoun in a question put
after its topic ("Staging laparoscopy: is it useful?") stand for something inside the question."""

from __future__ import annotations

import re
from collections.abc import Sequence

from langchain_core.language_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

# Case-sensitive on purpose: "IT", "US" and other capitalised names are not pronouns.
_PRONOUN = re.compile(r"\b(it|its|they|them|their|theirs|he|him|his|she|her|hers)\b")
_LEADING_PRONOUN = re.compile(
    r"^\W*(?:(?:[Aa]nd|[Bb]ut|[Ss]o|[Aa]lso)\s+)?(It|Its|They|Them|Their|He|His|She|Her|This|That|"
    r"These|Those)\b"
)
_END = r"\s*[?.!]*\s*$"
_DANGLING_DEMONSTRATIVE = re.compile(r"\b(this|that|these|those|there)" + _END, re.IGNORECASE)
# "there" after a form of "be" is existential ("... are there?"), not a place: the question says
# what there is, unless nothing but a question word stands before it ("How many are there?").
_BE = r"(?:is|are|was|were|be|been|isn't|aren't|wasn't|weren't|'s)"
_EXISTENTIAL_THERE = re.compile(r"\b" + _BE + r"\s+there" + _END, re.IGNORECASE)
_WH = r"(?:what|which|who|whom|whose|when|where|why|how)"
_NOTHING_NAMED = re.compile(
    r"^\W*(?:(?:and|but|so|also|then)\s+)?(?:" + _WH + r"(?:\s+(?:many|much|else|other|others|"
    r"more|ones?|kinds?|sorts?|types?))?)?\s*" + _BE + r"\s+there" + _END,
    re.IGNORECASE,
)
_THERE_ANY = re.compile(
    r"^\W*(?:(?:and|but|so|also|then)\s+)?(?:is|are|was|were)\s+there\s+(?:any|one|some|more|"
    r"others?|many)" + _END,
    re.IGNORECASE,
)
# An expletive "it" has its clause after it ("Is it safe to load a pipeline from a file?", "How
# long does it take the team to review a report?"); with one word or none after "to" it may
# still point back ("Is it safe to use?", "How long does it take?").
_EXPLETIVE_ADJECTIVE = (
    r"(?:possible|impossible|safe|unsafe|necessary|required|mandatory|ok|okay|allowed|advisable|"
    r"recommended|true|enough|hard|harder|easy|easier|difficult|better|best|wise|useful|important|worth|"
    r"appropriate|acceptable|feasible|reasonable|legal|time)"
)
_CLAUSE = r"(?:for\s+\w+(?:\s+\w+)?\s+)?(?:to|that|whether|if)\s+[\w'-]+\s+[\w'-]+"
_EXPLETIVE_IT = re.compile(
    r"\b(?:(?:is|was|isn't|wasn't|would|will|could)\s+(it)\s+"
    + _EXPLETIVE_ADJECTIVE
    + r"\s+"
    + _CLAUSE
    + r"|(it)\s+(?:is|was|'s|would\s+be|will\s+be)\s+"
    + _EXPLETIVE_ADJECTIVE
    + r"\s+"
    + _CLAUSE
    + r"|(?:find|finds|found|make|makes|made|consider|considers|think|thinks)\s+(it)\s+"
    + _EXPLETIVE_ADJECTIVE
    + r"\s+"
    + _CLAUSE
    + r"|(?:does|did|will|would|should|can|could)\s+(it)\s+(?:take|cost)\b(?:\s+[\w'-]+){0,4}?\s+(?:to|for)\s+[\w'-]+\s+[\w'-]+"
    + r"|(it)\s+(?:takes|took|costs)\b(?:\s+[\w'-]+){0,4}?\s+(?:to|for)\s+[\w'-]+\s+[\w'-]+)",
    re.IGNORECASE,
)
# A possessive after a name in the same question is that name's ("When did Great Britain gain its
# colonies?"); a pronoun in a question put after a topic ("Staging laparoscopy: is it useful?",
# "Fast foods - are they a risk?") is the topic's.
# A capital that starts a sentence inside the question ("Thanks. What is its size?") is no name.
_NAME = re.compile(r"(?<![.!?:;\"(]\s)(?<![.!?:;\"(])\b[A-Z][\w'.-]*")
_POSSESSIVE = re.compile(r"\b(its|their|his)\b")
_NOT_A_NAME = {
    "I",
    "It",
    "Its",
    "They",
    "Them",
    "Their",
    "He",
    "His",
    "She",
    "Her",
    "This",
    "That",
    "These",
    "Those",
    "And",
    "But",
    "So",
    "Also",
    "Then",
}
# Words of a reply, not a topic: "Great, thanks: who opened it?" still points back.
_NO_TOPIC = {
    "ok",
    "okay",
    "thanks",
    "thank",
    "you",
    "great",
    "cool",
    "nice",
    "sure",
    "right",
    "alright",
    "well",
    "hmm",
    "yes",
    "no",
    "good",
    "fine",
    "perfect",
    "so",
    "and",
    "but",
    "also",
    "then",
    "now",
    "wait",
    "sorry",
    "please",
    "very",
    "much",
    "a",
    "lot",
    "oh",
    "i",
    "see",
}
_TOPIC_HEAD = re.compile(
    r"^\W*(?P<head>[^:;?]*?\w)(?:\s*[:;]\s+|\s+[-\u2013\u2014]\s+|\s*(?:--|\u2013|\u2014)\s*)"
    r"(?P<tail>\S.*)$",
    re.DOTALL,
)
# "that" is a subject only where a relative "that" cannot be ("What does that mean?", not "a
# dependency that is not installed"); "this", "these", "those" are never relative.
_DEMONSTRATIVE_SUBJECT = re.compile(
    r"(?:\b(?:this|these|those)|(?:^\W*|\b(?:what|which|who|when|where|why|how|and|but|so|is|was|are|were|do|does|did|"
    r"will|would|can|could|should)\s+)that)\s+(?:is|was|are|were|mean|means|meant|do|does|did|cost|costs)\b",
    re.IGNORECASE,
)
_ELLIPTICAL = re.compile(r"^\W*(?:and\s+)?(what|how)\s+about\b", re.IGNORECASE)
# A question word and nothing it asks about: "Why?", "When?", "How many?", "What else?".
_BARE_QUESTION = re.compile(
    r"^\W*(?:(?:and|but|so|also|then)\s+)?(?:why(?:\s+not)?|when|where|who|whom|what(?:\s+else)?|"
    r"which(?:\s+ones?)?|how(?:\s+(?:many|much|long|often|come|so))?|since\s+when|"
    r"anything\s+else)" + _END,
    re.IGNORECASE,
)
# "And ...?" may continue the previous question or be complete: unsure, so both are searched.
_CONNECTOR = re.compile(r"^\W*(and|but|also|so|then)\b", re.IGNORECASE)
# ... but "And" before a short fragment that is no question of its own points back: "And on
# Windows?", "And the developers?", "And then?".
_QUESTION_START = re.compile(
    r"^(?:" + _WH + r"|is|are|was|were|am|do|does|did|can|could|should|would|will|shall|"
    r"may|might|must|has|have|had|isn't|aren't|don't|doesn't|didn't|can't|won't|tell|list|"
    r"give|show|explain|describe|name)\b",
    re.IGNORECASE,
)
_FRAGMENT_WORDS = 4

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


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + "_" * (end - start) + text[end:]


def _without_standalone_forms(question: str) -> str:
    """The question with the pronouns blanked that stand for something inside it: expletive
    "it"s (their clause says what they stand for), possessives after a name, pronouns in a
    question put after a topic."""
    question = question.replace("\u2019", "'")
    for match in _EXPLETIVE_IT.finditer(question):
        group = next(g for g in range(1, 6) if match.group(g) is not None)
        question = _blank(question, *match.span(group))
    first_word = re.match(r"\W*\S+", question)
    names = [
        m.start()
        for m in _NAME.finditer(question)
        if first_word and m.start() >= first_word.end() and m.group().rstrip(".'") not in _NOT_A_NAME
    ]
    for match in _POSSESSIVE.finditer(question):
        if any(start < match.start() for start in names):
            question = _blank(question, *match.span())
    topic = _TOPIC_HEAD.match(question)
    if topic and len([w for w in re.findall(r"[\w'-]+", topic.group("head")) if w.lower() not in _NO_TOPIC]) >= 2:
        tail_start = topic.start("tail")
        tail = _PRONOUN.sub(lambda m: "_" * len(m.group()), question[tail_start:])
        tail = re.sub(
            r"^(\W*)(It|Its|They|Them|Their|He|His|She|Her)\b", lambda m: m.group(1) + "_" * len(m.group(2)), tail
        )
        question = question[:tail_start] + tail
    return question


def _dangling(question: str) -> bool:
    """A demonstrative or "there" with nothing after it; an existential "there" only when the
    question names nothing that is there."""
    if not _DANGLING_DEMONSTRATIVE.search(question):
        return False
    if _EXISTENTIAL_THERE.search(question):
        return bool(_NOTHING_NAMED.search(question))
    return True


def _connector_fragment(question: str) -> bool:
    """A leading "And"/"But"/"So" before a few words that are no question of their own."""
    connector = _CONNECTOR.search(question)
    if not connector:
        return False
    rest = question[connector.end() :].strip(" \t\n,;:-?.!")
    return 0 < len(rest.split()) <= _FRAGMENT_WORDS and not _QUESTION_START.search(rest)


def points_back(question: str) -> bool:
    """A follow-up for sure (a pronoun, a dangling "that", "what about", a bare "Why?", "And"
    before a fragment), not just a leading "And" before a question of its own."""
    text = _without_standalone_forms(question)
    return bool(
        _PRONOUN.search(text)
        or _LEADING_PRONOUN.search(text)
        or _dangling(text)
        or _THERE_ANY.search(text)
        or _DEMONSTRATIVE_SUBJECT.search(text)
        or _ELLIPTICAL.search(text)
        or _BARE_QUESTION.search(text)
        or _connector_fragment(text)
    )


def looks_like_follow_up(question: str) -> bool:
    """Whether the question may point back at the conversation (see the module docstring): it
    does for sure (``points_back``), or it starts with "And"/"But" and may continue it."""
    return points_back(question) or bool(_CONNECTOR.search(question))


def search_queries(
    question: str, history: Sequence[tuple[str, str]], chat_model: BaseChatModel | None = None
) -> list[str]:
    """What to search, in order of preference: the question alone; or for a question that
    points back at the conversation, the question with its context first and alone second; for
    one that only starts with "And"/"But", alone first and with its context second. The caller
    keeps the first whose answer is supported well enough. With a chat model the model rewrites
    the follow-up; otherwise the previous question (which names the subject) is added to it."""
    if not history or not looks_like_follow_up(question):
        return [question]
    if chat_model is not None:
        transcript = "\n".join(f"User: {q}\nAssistant: {a}" for q, a in history[-3:])
        rewritten = (CONDENSE_PROMPT | chat_model | StrOutputParser()).invoke(
            {"history": transcript, "question": question}
        )
        rewritten = " ".join(rewritten.split())
        queries = [rewritten, question] if rewritten and rewritten != question else [question]
    else:
        queries = [f"{question.strip()} ({history[-1][0].strip()})", question]
    return queries if points_back(question) else queries[::-1]


def condense_question(
    question: str, history: Sequence[tuple[str, str]], chat_model: BaseChatModel | None = None
) -> str:
    """The question with its context (or the question itself when it needs none)."""
    queries = search_queries(question, history, chat_model)
    return queries[0] if points_back(question) else queries[-1]
