"""Typed results returned by the public API."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

_NAMES_ITS_PAGE = re.compile(r"(?:page|slide) \d+\b")


def place(page: int | None, location: str) -> str:
    """Where a passage sits, as a reader names it: "slide 3", "page 4 (OCR)", "sheet Budget",
    "Install › Docker", "page 2 › Opening Hours" (a section of a PDF page), "page 2", or ""."""
    if not location:
        return f"page {page}" if page else ""
    if page and not _NAMES_ITS_PAGE.match(location):
        return f"page {page} › {location}"
    return location


@dataclass(frozen=True)
class Citation:
    """One passage an answer rests on. ``number`` matches the ``[n]`` marker in the answer text."""

    number: int
    source: str
    title: str
    page: int | None
    chunk_id: str
    quote: str
    passage: str
    relevance: float  # cosine relevance of the passage to the question searched (not its rank)
    highlight: str = ""  # the short answer, an exact span of ``quote``, when the answer is one
    location: str = ""  # where in the file when a page number does not say it: "slide 3", "Install › Docker"

    @property
    def file_name(self) -> str:
        return self.source.replace("\\", "/").rsplit("/", 1)[-1]

    @property
    def where(self) -> str:
        """The place in the file as a reader names it: the location ("page N › " before a PDF
        section), else "page N", else ""."""
        return place(self.page, self.location)


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk, numbered from 1 in retrieval order.

    ``relevance`` is the cosine similarity of the chunk to the query (comparable across
    questions: thresholds use it); ``rank_score`` is the fused rank value that ordered it (only
    meaningful within one result list); ``found_by`` names the searches that returned it."""

    number: int
    chunk_id: str
    text: str
    source: str
    title: str
    page: int | None
    relevance: float
    rank_score: float = 0.0
    found_by: tuple[str, ...] = ()
    location: str = ""  # see Citation.location

    @property
    def file_name(self) -> str:
        return self.source.replace("\\", "/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class SearchFilter:
    """Limits a search to some files: by path tail or file name (any of ``sources``) and by
    metadata the files carry (every ``metadata`` pair, e.g. front matter ``date``); and to some
    passages: those whose section path contains ``section``, ignoring case ("docker" keeps
    "Install › Docker" and "Docker"; "install › docker" only the first)."""

    sources: tuple[str, ...] = ()
    metadata: dict[str, str] = field(default_factory=dict)
    section: str = ""

    @property
    def active(self) -> bool:
        return bool(self.sources or self.metadata or self.section.strip())


@dataclass(frozen=True)
class Answer:
    """An answer with its citations. A refusal has ``refused=True`` and no citations."""

    question: str
    text: str
    citations: list[Citation]
    refused: bool
    backend: str
    search_query: str
    timings: dict[str, float] = field(default_factory=dict)
    passages: list[Passage] = field(default_factory=list)  # everything retrieved, cited or not
    stopped: bool = False  # the user stopped the generation; the answer rests on the draft so far
    confidence: float | None = None  # the decide stage's confidence (see qa/answer/decide.py)
    signals: dict[str, float | bool] = field(default_factory=dict)  # what the confidence was made of
    short_answer: str = ""  # the phrase shown as the answer ("" when the sentence is the answer)
    phrase_confidence: float | None = None  # calibrated probability that the likeliest phrase is right
    # False: ``text`` is the model's draft as it stood when the user stopped it, kept as shown
    # then and never checked against the passages (no citations).
    checked: bool = True

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Answer:
        """The inverse of ``to_dict`` (answers kept in a conversation store come back this way)."""
        citations = [Citation(**c) for c in data.get("citations", [])]
        passages = [Passage(**{**p, "found_by": tuple(p.get("found_by", ()))}) for p in data.get("passages", [])]
        return cls(**{**data, "citations": citations, "passages": passages})


@dataclass(frozen=True)
class Retrieved:
    """A stream event: the passages found for ``search_query``, before any text is written."""

    search_query: str
    passages: list[Passage]


# moved: same content at a new path (no embedding); missing: indexed from a folder that no
# longer holds it; removed: such a file dropped by ``prune``.
FileStatus = Literal["added", "updated", "unchanged", "moved", "missing", "removed", "failed"]


@dataclass(frozen=True)
class FileResult:
    path: str
    status: FileStatus
    chunks: int = 0
    error: str = ""
    # An upload stored under another name (a different file already had this one): the name it
    # asked for; the stored name is ``path``'s.
    renamed_from: str = ""


@dataclass
class IngestSummary:
    """What one ``ingest`` call did, file by file."""

    files: list[FileResult] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, status: FileStatus) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def chunks_written(self) -> int:
        return sum(f.chunks for f in self.files if f.status in ("added", "updated"))

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "failed"]

    def describe(self) -> str:
        extra = "".join(f", {self.count(s)} {s}" for s in ("moved", "missing", "removed") if self.count(s))
        return (
            f"{self.count('added')} added, {self.count('updated')} updated, "
            f"{self.count('unchanged')} unchanged{extra}, {self.count('failed')} failed; "
            f"{self.chunks_written} chunks written in {self.seconds:.1f}s"
        )

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["chunks_written"] = self.chunks_written
        return data


@dataclass(frozen=True)
class DocumentInfo:
    source: str
    title: str
    chunks: int
    indexed_at: str
