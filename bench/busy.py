"""Other work beside a measurement: processes that each keep one core busy (the machine's
usual state when a person asks while something else runs)."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from contextlib import contextmanager


def _spin(stop) -> None:
    while not stop.is_set():
        sum(i * i for i in range(10_000))


@contextmanager
def busy_cores(count: int) -> Iterator[None]:
    """``count`` spinning processes while the block runs, stopped and joined when it ends."""
    stop = multiprocessing.Event()
    processes = [multiprocessing.Process(target=_spin, args=(stop,), daemon=True) for _ in range(count)]
    for process in processes:
        process.start()
    try:
        yield
    finally:
        stop.set()
        for process in processes:
            process.join()
