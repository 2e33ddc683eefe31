"""The loader fuzz loop that tests/test_hostile_input.py and tests/test_formats.py share: damaged
copies of a seed file either load or are refused with one line of reason, each quickly."""

from __future__ import annotations

import io
import os
import random
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from qa.documents.loading import LoadLimits, load_document
from qa.errors import DocumentError

FUZZ_CASES = int(os.environ.get("QA_TEST_FUZZ_CASES", "150"))  # per loader; a longer run: 2000
# Each case is a few KB (the seed article, 40 lines of it for PDF and DOCX): the slowest of the 150
# per loader took 0.06-0.43 s here on a busy two-core machine. 5 s leaves room for a slower
# machine and is still far below what a parser caught in a loop, or an expansion the limits
# missed, would take.
SLOWEST_FUZZED_LOAD_S = 5.0


def mutate(original: bytes, rng: random.Random) -> bytes:
    """Up to 20 random byte changes, insertions and deletions."""
    data = bytearray(original)
    for _ in range(rng.randint(1, 20)):
        choice = rng.random()
        pos = rng.randrange(len(data)) if data else 0
        if choice < 0.4 and data:
            data[pos] = rng.randrange(256)
        elif choice < 0.7:
            data[pos:pos] = rng.randbytes(rng.randint(1, 50))
        elif data:
            del data[pos : pos + rng.randint(1, 200)]
    return bytes(data)


def rewrite_docx_part(data: bytes, part: str, change: Callable[[bytes], bytes]) -> bytes:
    """The zip (DOCX, PPTX, XLSX, EPUB) with one part's bytes passed through ``change``; the zip
    stays well formed."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            target.writestr(item, change(content) if item.filename == part else content)
    return out.getvalue()


@dataclass
class FuzzResult:
    loaded: int = 0
    refused_in_one_line: int = 0
    unclean: list[str] = field(default_factory=list)  # any other exception, or a refusal not one line
    slowest: float = 0.0

    def describe(self) -> str:
        return (
            f"{self.loaded} loaded, {self.refused_in_one_line} refused in one line, "
            f"{len(self.unclean)} unclean, slowest {self.slowest:.2f} s"
        )


def fuzz_loads(seed: Path, limits: LoadLimits, inner_part: str | None = None, cases: int = FUZZ_CASES) -> FuzzResult:
    """Load ``cases`` damaged copies of ``seed`` (next to it); with ``inner_part``, every other
    case damages that part inside a well-formed zip, so the format's parser sees the damage, not
    zipfile. The same seed file gives the same cases (the random source is seeded by its type)."""
    rng = random.Random(f"fuzz{seed.suffix}")
    original = seed.read_bytes()
    result = FuzzResult()
    for i in range(cases):
        case = seed.parent / f"case{i}{seed.suffix}"
        if inner_part is not None and i % 2:
            damaged = rewrite_docx_part(original, inner_part, lambda xml: mutate(xml, rng))
        else:
            damaged = mutate(original, rng)
        case.write_bytes(damaged)
        started = time.monotonic()
        try:
            load_document(case, limits)
            result.loaded += 1
        except DocumentError as exc:
            message = str(exc)
            if message.strip() and "\n" not in message:  # the ingest puts the file name before it
                result.refused_in_one_line += 1
            else:
                result.unclean.append(f"case {i}: DocumentError {message!r}")
        except Exception as exc:  # noqa: BLE001 (counting what escapes is the point of the test)
            result.unclean.append(f"case {i}: {type(exc).__name__}: {exc}")
        result.slowest = max(result.slowest, time.monotonic() - started)
        case.unlink()
    return result


def assert_clean(result: FuzzResult, suffix: str, cases: int = FUZZ_CASES) -> None:
    """Every case loaded or was refused in one line, and none took long."""
    assert result.loaded + result.refused_in_one_line == cases, result.unclean[:5]
    assert result.slowest < SLOWEST_FUZZED_LOAD_S, f"slowest fuzzed {suffix} load took {result.slowest:.1f} s"
