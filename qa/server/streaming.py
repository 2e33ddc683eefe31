"""A streamed answer that ends with its client.

Starlette iterates a sync generator in the thread pool and, when the client goes away, stops
asking it for items, but leaves it suspended: its ``finally`` (which ends the generation and
releases the local model's one-at-a-time gate) runs whenever the garbage collector gets to it.
Here the stop event is set as soon as the request is cancelled (the backend ends its generation
at the next token), then the generator is closed in a worker thread once its current step returns."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Generator

import anyio

logger = logging.getLogger(__name__)
_DONE = object()


async def closing_stream(items: Generator[str, None, None], stop: threading.Event, what: str) -> AsyncIterator[str]:
    step = threading.Lock()  # closing waits for a step still running in an abandoned thread

    def advance() -> object:
        with step:
            return next(items, _DONE)

    def close() -> None:
        with step:
            items.close()

    finished = False
    try:
        while True:
            # abandon_on_cancel: a cancelled request does not wait here for the step to return
            item = await anyio.to_thread.run_sync(advance, abandon_on_cancel=True)
            if item is _DONE:
                finished = True
                return
            yield item  # type: ignore[misc]
    except Exception:
        finished = True  # the generator raised, which ended it; the server's error handling says why
        raise
    finally:
        if not finished:  # cancelled or closed: the client went away
            stop.set()
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(close)
            logger.info("%s: the client went away mid-stream; its generation was stopped", what)
