"""Request bodies and the JSON shape of answers (built from the Python API's typed results)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path, PurePath
from typing import Any

from pydantic import BaseModel, Field

from qa import Answer, AskOptions, Backend, Citation, ConversationInfo, Passage, SearchFilter, Turn


class AskRequest(BaseModel):
    question: str = Field(min_length=1, max_length=4000)
    conversation_id: str | None = Field(
        None, description="Ask within this chat of yours (its history is used and the answer is saved in it)."
    )
    backend: Backend | None = None
    top_k: int | None = Field(None, ge=1, le=50)
    files: list[str] = Field(default_factory=list, description="Search only these files (names or path tails).")
    section: str = Field(
        "",
        max_length=200,
        description="Search only passages whose section path contains this text, ignoring case "
        "('docker' matches 'Install › Docker').",
    )

    def options(self) -> AskOptions:
        filters = SearchFilter(tuple(self.files), section=self.section.strip())
        return AskOptions(backend=self.backend, top_k=self.top_k, filters=filters if filters.active else None)


class SignInRequest(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class NewUserRequest(SignInRequest):
    role: str = Field(pattern="^(admin|member)$")


class TitleRequest(BaseModel):
    title: str = Field(min_length=1, max_length=200)


class KeyRequest(BaseModel):
    label: str = Field("", max_length=80)


def span(text: str, part: str) -> list[int] | None:
    """[start, end) of ``part`` in ``text`` (character offsets; runs of white space may differ, as
    quotes join a passage's lines), or None when it is not there."""
    words = part.split()
    found = re.search(r"\s+".join(map(re.escape, words)), text) if words else None
    return None if found is None else [found.start(), found.end()]


class SourceNames:
    """A document's name as the API shows it: its path under the documents folder that holds it
    (the corpus or the uploads folder), else its file name; never the server's own path, which
    says nothing useful to a client and something to an attacker."""

    def __init__(self, folders: Sequence[Path]) -> None:
        self.folders = tuple(PurePath(f.resolve()) for f in folders)
        self._cached = lru_cache(maxsize=4096)(self._name)

    def __call__(self, source: str) -> str:
        return self._cached(source)

    def _name(self, source: str) -> str:
        path = PurePath(source)
        for folder in self.folders:
            if path.is_relative_to(folder) and path != folder:
                return path.relative_to(folder).as_posix()
        return path.name


def citation_json(c: Citation, names: SourceNames) -> dict[str, Any]:
    return {
        "number": c.number,
        "file": c.file_name,
        "source": names(c.source),
        "title": c.title,
        "page": c.page,
        "location": c.location,  # "slide 3", "page 4 (OCR)", a section path "Install › Docker"
        "where": c.where,  # the place as a reader names it ("page 2 › Results")
        "quote": c.quote,
        "relevance": c.relevance,
        "chunk_id": c.chunk_id,
        "highlight": c.highlight,
        "quote_offsets": span(c.passage, c.quote),
        "highlight_offsets": span(c.quote, c.highlight),
    }


def passage_json(p: Passage, names: SourceNames) -> dict[str, Any]:
    return {
        "number": p.number,
        "file": p.file_name,
        "source": names(p.source),
        "title": p.title,
        "page": p.page,
        "location": p.location,
        "relevance": p.relevance,
        "chunk_id": p.chunk_id,
        "text": p.text,
    }


def answer_json(a: Answer, names: SourceNames) -> dict[str, Any]:
    return {
        "question": a.question,
        "text": a.text,
        "refused": a.refused,
        "stopped": a.stopped,
        "confidence": a.confidence,
        "short_answer": a.short_answer,
        "backend": a.backend,
        "search_query": a.search_query,
        "timings": a.timings,
        "citations": [citation_json(c, names) for c in a.citations],
    }


def conversation_info_json(info: ConversationInfo) -> dict[str, Any]:
    data = asdict(info)
    data.pop("owner")
    return data


def turn_json(turn: Turn, names: SourceNames) -> dict[str, Any]:
    return {
        "question": turn.question,
        "asked_at": turn.asked_at,
        "error": turn.error,
        "answer": answer_json(turn.answer, names) if turn.answer else None,
    }
