"""The ways of answering, one object each, chosen by name from ``BACKENDS`` (the registry).

Each backend says what it is (``generative``), what it loads (``make_model``, ``load``), how it
generates (``gate``, ``prompt``), which chat model rewrites follow-up questions
(``condense_model``), and names its stages after retrieval, which ``Assistant.stream`` runs in
this order::

    pick   (found searches → the search and passages to answer from)
    write  (stream a draft; generative backends only)
    check  (→ ``Decision``: the selected sentences, or the draft grounded in the passages)
    decide (``qa.answer.pipeline.decide`` at the backend's ``answer_threshold``)

- ``extractive``: picks by selecting sentences from each search's passages (the first search
  whose answer clears the threshold), writes nothing.
- ``local``: Gemma 3 270M through llama.cpp, one generation at a time; the answer quotes the
  passage sentences the draft rests on (``QA_LOCAL_QUOTES``).
- ``openai``: a chat model on an OpenAI-compatible server, which also rewrites follow-ups.

The stage bodies are the functions of ``qa.answer.pipeline`` and ``qa.answer.chain``; this module
only says which backend runs which. Nothing outside it branches on a backend's name."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import ClassVar, get_args

from langchain_core.language_models import BaseChatModel, BaseLLM
from langchain_core.prompts import BasePromptTemplate

from qa.answer.calibration import UNTRAINED_ANSWER_THRESHOLD, Calibration
from qa.answer.chain import GenerationGate, draft_tokens
from qa.answer.decide import Decision
from qa.answer.generate import CHAT_PROMPT, COMPLETION_PROMPT, llama_cpp_model, openai_chat_model
from qa.answer.pipeline import ground_draft, select_answer
from qa.answer.read import Reader
from qa.answer.select import SentenceVectors
from qa.errors import SettingsError
from qa.settings import Backend, Settings
from qa.types import Passage

Found = tuple[str, list[Passage]]  # a search query and the passages it found


@dataclass(frozen=True)
class StageContext:
    """What the stages read besides the question and passages: the assistant's settings as
    they are now, and its shared sentence vectors, reader and calibration."""

    settings: Settings
    vectors: SentenceVectors
    reader: Reader
    calibration: Calibration


@dataclass(frozen=True)
class Choice:
    """The pick stage's result: the search to answer from, its passages and, when picking
    already decided (extractive), the decision."""

    query: str
    passages: list[Passage]
    decision: Decision | None = None


def _top_relevance(passages: list[Passage]) -> float:
    return max((p.relevance for p in passages), default=0.0)


class AnswerBackend(ABC):
    """One way of answering. Built once per assistant and name (cheap: nothing loads until
    ``load`` or the first answer); safe to share between threads."""

    name: ClassVar[str]
    generative: ClassVar[bool]  # writes a draft (streamed as ``str`` events) that is then grounded
    summary: ClassVar[str]  # one line for choice lists ("name: summary")

    def __init__(self, settings: Settings) -> None:
        """``settings``: the assistant's, as they are when the backend is first used (they set
        up the model and the gate, as they did when each was built on first use)."""
        self.settings = settings

    @classmethod
    def make_model(cls, settings: Settings) -> BaseLLM | BaseChatModel | None:
        """A new generator for ``settings`` (None: this backend needs none)."""
        return None

    def load(self) -> None:  # noqa: B027 (an optional hook: by default there is nothing to load)
        """Load now what the first answer would otherwise load."""

    @property
    def condense_model(self) -> BaseChatModel | None:
        """The chat model that rewrites a follow-up question, or None (the previous question is
        added to it instead)."""
        return None

    def answer_threshold(self, context: StageContext) -> float:
        """The decide stage's operating point: the setting, else the backend's tuned one."""
        if context.settings.answering.min_confidence is not None:
            return context.settings.answering.min_confidence
        return self.tuned_threshold(context.calibration)

    @abstractmethod
    def tuned_threshold(self, calibration: Calibration) -> float:
        """The operating point when ``QA_MIN_CONFIDENCE`` is unset."""

    @abstractmethod
    def pick(self, question: str, found: Sequence[Found], context: StageContext) -> Choice:
        """The search (in ``found``, in order of preference) and passages to answer from."""

    def write(
        self, question: str, passages: list[Passage], stop: threading.Event | None, context: StageContext
    ) -> Iterator[str]:
        """The draft, token by token (nothing for a backend that does not write)."""
        return iter(())

    @abstractmethod
    def check(self, question: str, choice: Choice, draft: str, context: StageContext) -> Decision:
        """The decision the decide stage weighs."""


class ExtractiveBackend(AnswerBackend):
    """The answer is the retrieved sentences that best answer the question (no model)."""

    name = "extractive"
    generative = False
    summary = "quotes the best sentences."

    def tuned_threshold(self, calibration: Calibration) -> float:
        return calibration.answer_threshold  # extractive confidence is calibrated

    def pick(self, question: str, found: Sequence[Found], context: StageContext) -> Choice:
        # The first search (in order of preference) whose answer is supported well enough wins.
        threshold = self.answer_threshold(context)
        outcomes = [
            (
                query,
                passages,
                select_answer(
                    question,
                    query,
                    passages,
                    context.vectors,
                    context.settings.answering,
                    context.reader,
                    context.calibration,
                ),
            )
            for query, passages in found
        ]
        good = [o for o in outcomes if o[2].claims and o[2].confidence >= threshold]
        query, passages, decision = good[0] if good else max(outcomes, key=lambda o: o[2].confidence)
        return Choice(query, passages, decision)

    def check(self, question: str, choice: Choice, draft: str, context: StageContext) -> Decision:
        assert choice.decision is not None
        return choice.decision


class GenerativeBackend(AnswerBackend):
    """A model writes a draft from the best-retrieved search's passages; the sentences one
    passage sentence supports are kept."""

    generative = True
    serial: ClassVar[bool] = False  # one generation at a time (the model is not thread-safe)
    prompt: ClassVar[BasePromptTemplate]

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.gate = GenerationGate(settings.generation.generation_wait_s, serial=self.serial)
        self._model: BaseLLM | BaseChatModel | None = None
        self._lock = threading.Lock()

    @property
    def model(self) -> BaseLLM | BaseChatModel:
        """The generator, built on first use (a failure leaves it to be tried again)."""
        with self._lock:
            if self._model is None:
                self._model = self.make_model(self.settings)
            assert self._model is not None  # a generative backend's make_model always builds one
            return self._model

    def load(self) -> None:
        _ = self.model

    def quotes(self, settings: Settings) -> bool:
        """Whether the answer quotes the passage sentences the draft rests on, never its words."""
        return False

    def tuned_threshold(self, calibration: Calibration) -> float:
        return UNTRAINED_ANSWER_THRESHOLD  # a generated answer's confidence is its one-sentence support

    def pick(self, question: str, found: Sequence[Found], context: StageContext) -> Choice:
        query, passages = max(found, key=lambda f: _top_relevance(f[1]))
        return Choice(query, passages)

    def write(
        self, question: str, passages: list[Passage], stop: threading.Event | None, context: StageContext
    ) -> Iterator[str]:
        if passages and _top_relevance(passages) >= context.settings.answering.min_relevance:
            yield from draft_tokens(self.prompt, self.model, self.gate, question, passages, stop)

    def check(self, question: str, choice: Choice, draft: str, context: StageContext) -> Decision:
        return ground_draft(
            question,
            choice.query,
            choice.passages,
            draft,
            context.settings.answering,
            quote=self.quotes(context.settings),
            reader=context.reader,
            calibration=context.calibration,
        )


class LocalBackend(GenerativeBackend):
    """Gemma 3 270M (a base model: a completion prompt) through llama.cpp on this CPU."""

    name = "local"
    summary = "Gemma 3 270M on this CPU."
    serial = True  # llama.cpp contexts are not thread-safe
    prompt = COMPLETION_PROMPT

    @classmethod
    def make_model(cls, settings: Settings) -> BaseLLM:
        return llama_cpp_model(settings.generation)

    def quotes(self, settings: Settings) -> bool:
        return settings.generation.local_quotes


class OpenAIBackend(GenerativeBackend):
    """A chat model on an OpenAI-compatible server; it also rewrites follow-up questions."""

    name = "openai"
    summary = "an OpenAI-compatible server (QA_OPENAI_BASE_URL)."
    prompt = CHAT_PROMPT

    @classmethod
    def make_model(cls, settings: Settings) -> BaseChatModel:
        return openai_chat_model(settings.generation)

    @property
    def condense_model(self) -> BaseChatModel:
        return self.model  # type: ignore[return-value]


def _registry(*backends: type[AnswerBackend]) -> dict[str, type[AnswerBackend]]:
    """The backends by name, in the order of ``qa.settings.Backend``, which they must cover exactly."""
    by_name = {b.name: b for b in backends}
    if set(by_name) != set(get_args(Backend)) or len(by_name) != len(backends):
        raise TypeError(
            f"the answer backends {sorted(b.name for b in backends)} are not the values of "
            f"qa.settings.Backend {sorted(get_args(Backend))}"
        )
    return {name: by_name[name] for name in get_args(Backend)}


BACKENDS: dict[str, type[AnswerBackend]] = _registry(ExtractiveBackend, LocalBackend, OpenAIBackend)


def backend_type(name: str) -> type[AnswerBackend]:
    """The backend called ``name``; an unknown name is a ``SettingsError``."""
    try:
        return BACKENDS[name]
    except KeyError:
        raise SettingsError(f"Unknown answer backend '{name}': choose one of {', '.join(BACKENDS)}.") from None
