"""The answer backends as objects: the registry covers exactly ``qa.settings.Backend``, each
backend says what it is, and the entry points build their choices from the Literals. The last
tests run the generative composition of ``Assistant.stream`` on a scripted chat model."""

from __future__ import annotations

import threading
from typing import get_args

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage

from qa import BACKENDS, AnswerBackend, AskOptions, Backend, RetrievalMode, Retrieved, Settings
from qa.answer.backends import GenerativeBackend, OpenAIBackend, _registry, backend_type
from qa.answer.calibration import UNTRAINED_ANSWER_THRESHOLD, Calibration
from qa.answer.generate import make_generator
from qa.errors import SettingsError
from testsupport.helpers import SEED_ARTICLE


@pytest.mark.unit
def test_the_registry_covers_exactly_the_backend_literal_in_its_order():
    assert list(BACKENDS) == list(get_args(Backend))
    assert set(BACKENDS) == set(get_args(Backend))
    for name, kind in BACKENDS.items():
        assert issubclass(kind, AnswerBackend) and kind.name == name and kind.summary


@pytest.mark.unit
def test_each_backend_says_whether_it_is_generative():
    settings = Settings(backend="extractive")
    said = {name: kind(settings).generative for name, kind in BACKENDS.items()}
    assert all(isinstance(value, bool) for value in said.values())
    assert said == {"extractive": False, "local": True, "openai": True}
    for name, kind in BACKENDS.items():
        assert issubclass(kind, GenerativeBackend) == said[name]  # a generative backend writes a draft


@pytest.mark.unit
def test_backends_own_their_gate_follow_up_model_and_threshold():
    settings = Settings(backend="extractive", openai_base_url="http://127.0.0.1:9/v1")
    extractive, local, openai = (BACKENDS[name](settings) for name in ("extractive", "local", "openai"))
    assert extractive.condense_model is None and local.condense_model is None
    assert type(openai.condense_model).__name__ == "ChatOpenAI"  # built, not called: no server needed
    assert isinstance(local, GenerativeBackend) and isinstance(openai, GenerativeBackend)
    assert local.gate.serial and not openai.gate.serial
    assert local.quotes(settings) == settings.generation.local_quotes and not openai.quotes(settings)
    calibration = Calibration.load()
    assert extractive.tuned_threshold(calibration) == calibration.answer_threshold
    assert local.tuned_threshold(calibration) == openai.tuned_threshold(calibration) == UNTRAINED_ANSWER_THRESHOLD


@pytest.mark.unit
def test_make_generator_asks_the_registry_and_unknown_names_are_refused():
    assert make_generator(Settings(backend="extractive")) is None
    assert type(make_generator(Settings(backend="openai"))).__name__ == "ChatOpenAI"
    with pytest.raises(SettingsError, match="extractive, local, openai"):
        backend_type("gpt")
    with pytest.raises(TypeError, match="qa.settings.Backend"):
        _registry(*list(BACKENDS.values())[:-1])


@pytest.mark.unit
def test_cli_choices_come_from_the_literals():
    from qa.cli import _parser

    # argparse keeps its subcommands in private attributes that typeshed types loosely (Optional, Iterable)
    subcommands = _parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    common = {a.dest: a for a in subcommands["ask"]._actions}  # type: ignore[index]
    assert common["backend"].choices == list(get_args(Backend))
    assert common["retrieval"].choices == list(get_args(RetrievalMode))


DRAFT = "The IT coalition has attracted more than 70 million euros from 13 participating countries [1]."


@pytest.fixture
def scripted(monkeypatch):
    """The openai backend on a chat model that streams ``DRAFT`` word by word."""

    def make_model(cls, settings):
        return GenericFakeChatModel(messages=iter([AIMessage(DRAFT) for _ in range(4)]))

    monkeypatch.setattr(OpenAIBackend, "make_model", classmethod(make_model))


@pytest.mark.integration  # the real model and Chroma (the assistant fixture)
def test_a_generative_backend_streams_retrieved_tokens_then_the_grounded_answer(assistant, scripted):
    assistant.ingest([SEED_ARTICLE])
    events = list(
        assistant.stream("How much money has the IT coalition attracted?", options=AskOptions(backend="openai"))
    )
    assert isinstance(events[0], Retrieved)
    tokens = [e for e in events[1:-1] if isinstance(e, str)]
    assert len(tokens) > 1 and "".join(tokens) == DRAFT
    answer = events[-1]
    assert answer.backend == "openai" and not answer.refused and not answer.stopped, answer.text
    assert "70 million euros" in answer.text
    assert {"condense_s", "retrieve_s", "first_token_s", "generate_s", "total_s"} <= set(answer.timings)


@pytest.mark.integration  # the real model and Chroma (the assistant fixture)
def test_stop_marks_a_generated_answer_stopped_and_never_an_extractive_one(assistant, scripted):
    assistant.ingest([SEED_ARTICLE])
    question = "How much money has the IT coalition attracted?"
    stop = threading.Event()
    tokens = []
    for event in assistant.stream(question, options=AskOptions(backend="openai"), stop=stop):
        if isinstance(event, str):
            tokens.append(event)
            stop.set()
        elif not isinstance(event, Retrieved):
            stopped = event
    assert len(tokens) == 1 and stopped.stopped
    stop.set()
    *_, extractive = assistant.stream(question, options=AskOptions(backend="extractive"), stop=stop)
    assert not extractive.stopped and not extractive.refused
