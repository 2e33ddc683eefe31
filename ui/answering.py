"""One answer being written, off the page's script thread: the page polls it and shows its
stage and draft, and a Stop from the page ends it at once. Whatever ends first — the
answer, or a Stop — is the one turn stored, exactly as the page then shows it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from qa import Answer, AskOptions, Assistant, ChatChanged, ConversationStoreError, QAError, Retrieved, Turn

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """A question to answer now: new (appended), regenerate (replaces turn ``position``) or
    edit (drops turn ``position`` and what follows, then asks). ``seen_version`` is the
    chat's version on the page that asked; ``alone`` asks without the earlier turns."""

    question: str
    mode: str = "new"
    position: int | None = None
    seen_version: int | None = None
    alone: bool = False

    def describe(self) -> str:
        if self.mode == "new" or self.position is None:
            return "the new question"
        return f"{'regenerating' if self.mode == 'regenerate' else 'editing'} turn {self.position + 1}"


def save_turn(bot: Assistant, chat_id: str, job: Job, turn: Turn) -> None:
    """Store the turn where the job says, refused (``ChatChanged``) when the chat changed since
    the page that asked showed it."""
    store = bot.conversations
    if job.mode == "regenerate" and job.position is not None:
        store.replace(chat_id, job.position, turn, job.seen_version)
    elif job.mode == "edit" and job.position is not None:
        store.edit(chat_id, job.position, turn, job.seen_version)
    else:
        store.append(chat_id, turn, job.seen_version)


@dataclass
class AnswerRun:
    """The stream of one question in a background thread."""

    job: Job
    chat_id: str
    backend: str
    stage: str = "Searching the documents…"
    search_query: str = ""
    draft: str = ""
    problem: str = ""  # why the turn could not be stored (the chat changed), shown once
    unsaved: Turn | None = None  # the turn, when the chat store could not keep it
    stopped: bool = False
    finished: threading.Event = field(default_factory=threading.Event)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(
        self,
        bot: Assistant,
        history: list[tuple[str, str]],
        options: AskOptions,
        describe_error: Callable[[Exception], str],
    ) -> None:
        thread = threading.Thread(
            target=self._run, args=(bot, history, options, describe_error), name="qa-answer", daemon=True
        )
        thread.start()

    def _run(
        self,
        bot: Assistant,
        history: list[tuple[str, str]],
        options: AskOptions,
        describe_error: Callable[[Exception], str],
    ) -> None:
        turn: Turn | None = None
        events = bot.stream(self.job.question, history, options, stop=self._stop)
        try:
            for event in events:
                if isinstance(event, Retrieved):
                    self.search_query = event.search_query
                    self.stage = (
                        "Writing the answer…"
                        if bot.backend(options.backend).generative
                        else "Choosing the sentences that answer…"
                    )
                elif isinstance(event, str):
                    self.draft += event
                    self.stage = "Writing the answer…"
                else:
                    turn = Turn(self.job.question, event)
        except QAError as exc:
            turn = Turn(self.job.question, error=describe_error(exc))
        except Exception as exc:  # shown in words; the traceback goes to the log
            log.exception("answering failed")
            turn = Turn(self.job.question, error=describe_error(exc))
        finally:
            events.close()
        with self._lock:
            if self.finished.is_set():  # stopped meanwhile: the stopped turn is the one kept
                return
            self._store(bot, turn or Turn(self.job.question, error="No answer was given."))

    def stop(self, bot: Assistant) -> None:
        """End the generation at its next token and keep what was written, marked as stopped and
        unchecked; no-op once the answer is in."""
        self._stop.set()
        with self._lock:
            if self.finished.is_set():
                return
            self.stopped = True
            kept = Answer(
                self.job.question,
                self.draft.strip(),
                [],
                False,
                self.backend,
                self.search_query or self.job.question,
                stopped=True,
                checked=False,
            )
            self._store(bot, Turn(self.job.question, kept))

    def _store(self, bot: Assistant, turn: Turn) -> None:
        try:
            if not self.chat_id:  # the store could not even start a chat
                raise ConversationStoreError("The chat store cannot be used: this answer is not saved.")
            save_turn(bot, self.chat_id, self.job, turn)
        except ConversationStoreError as exc:
            self.unsaved, self.problem = turn, str(exc)
        except ChatChanged as exc:
            self.problem = str(exc)
        except QAError as exc:
            self.problem = f"The answer could not be saved: {exc}"
        finally:
            self.finished.set()
