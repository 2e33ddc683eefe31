"""Throughput per document format on this machine: reading (the loader alone, in units the
format has: slides, rows, pages, messages, sections) and the whole ingest (load, chunk, embed
with MiniLM, write to Chroma) in a fresh process per file; and OCR pages per second.

    python -m bench.speed --formats-only --out bench-out/formats
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

from qa.documents.loading import LoadLimits, load_document
from testsupport.formats import write_csv, write_eml, write_pptx, write_scanned_pdf, write_xlsx
from testsupport.helpers import write_pdf

SENTENCES = [
    "The ferry to the island leaves at noon from pier {i}.",
    "Order {i} was shipped to the warehouse in Gdansk on Tuesday.",
    "The committee approved budget line {i} after a short debate.",
]


def _line(i: int) -> str:
    return SENTENCES[i % len(SENTENCES)].format(i=i)


def _pptx(path: Path, n: int) -> None:
    write_pptx(path, [(f"Slide {s}", [_line(s * 4 + k) for k in range(4)], _line(s)) for s in range(n)])


def _xlsx(path: Path, n: int) -> None:
    write_xlsx(
        path,
        {
            "Orders": [["Order", "Customer", "City", "Amount"]]
            + [[f"A-{i}", f"Customer {i % 97}", ["Gdansk", "Kyiv", "Oslo"][i % 3], i * 3] for i in range(n)]
        },
    )


def _csv(path: Path, n: int) -> None:
    write_csv(
        path,
        [["Order", "Customer", "City", "Amount"]]
        + [[f"A-{i}", f"Customer {i % 97}", ["Gdansk", "Kyiv", "Oslo"][i % 3], i * 3] for i in range(n)],
    )


def _pdf(path: Path, n: int) -> None:
    write_pdf(path, [_line(i) for i in range(n)])


def _md(path: Path, n: int) -> None:
    path.write_text(
        "\n\n".join(f"## Section {i}\n\n{_line(i)} {_line(i + 1)}\n\n```sh\nmake run-{i}\n```" for i in range(n)),
        encoding="utf-8",
    )


def _eml_folder(folder: Path, n: int) -> None:
    for i in range(n):
        write_eml(folder / f"mail-{i}.eml", f"Note {i}", "\n".join(_line(i * 5 + k) for k in range(5)))


# format: (unit, count, writer of one file or of a folder of files)
FORMATS: dict[str, tuple[str, int, Callable[[Path, int], None]]] = {
    ".pptx": ("slides", 200, _pptx),
    ".xlsx": ("rows", 10_000, _xlsx),
    ".csv": ("rows", 10_000, _csv),
    ".pdf": ("pages", 300, _pdf),
    ".md": ("sections", 500, _md),
    ".eml": ("messages", 200, _eml_folder),
}


def _folder_of(work: Path, suffix: str, scale: float) -> tuple[Path, str, int]:
    unit, count, writer = FORMATS[suffix]
    count = max(2, int(count * scale))
    folder = work / f"format{suffix.replace('.', '-')}"
    folder.mkdir(parents=True, exist_ok=True)
    writer(folder if suffix == ".eml" else folder / f"sample{suffix}", count)
    return folder, unit, count


def _read_seconds(folder: Path, limits: LoadLimits) -> float:
    started = time.perf_counter()
    for path in sorted(folder.iterdir()):
        load_document(path, limits)
    return time.perf_counter() - started


def format_rates(
    work: Path, repeats: int, run_case: Callable[..., dict], settings: dict, ocr_pages: int = 10, scale: float = 1.0
) -> dict:
    """Per format: read and ingest rates (medians of ``repeats``); then OCR pages per second.
    ``scale`` shrinks every file (the smoke run)."""
    rows = []
    for suffix in FORMATS:
        folder, unit, count = _folder_of(work, suffix, scale)
        read = statistics.median(_read_seconds(folder, LoadLimits()) for _ in range(repeats))
        ingests = [
            run_case("ingest_ours", folder=str(folder), index_dir=str(work / f"index{suffix}-{r}"), settings=settings)
            for r in range(repeats)
        ]
        ingest = statistics.median(r["seconds"] for r in ingests)
        rows.append(
            {
                "format": suffix,
                "unit": unit,
                "count": count,
                "chunks": ingests[0]["chunks"],
                "read_s": read,
                "read_per_s": count / read,
                "ingest_s": ingest,
                "ingest_per_s": count / ingest,
            }
        )
        print(
            f"{suffix}: {count} {unit}, read {count / read:,.0f} {unit}/s ({read:.2f} s), ingest "
            f"{count / ingest:,.1f} {unit}/s ({ingest:.1f} s, {ingests[0]['chunks']} chunks)",
            flush=True,
        )
    scan = work / "scan.pdf"
    write_scanned_pdf(scan, [[_line(p * 3 + k) for k in range(3)] for p in range(ocr_pages)])
    ocr = statistics.median(_read_seconds_file(scan) for _ in range(repeats))
    result = {
        "formats": rows,
        "ocr": {"pages": ocr_pages, "seconds": ocr, "pages_per_s": ocr_pages / ocr, "dpi": LoadLimits().ocr_dpi},
    }
    print(
        f"OCR: {ocr_pages} scanned pages in {ocr:.1f} s, {ocr_pages / ocr:.2f} pages/s "
        f"(Tesseract, {LoadLimits().ocr_dpi} dpi)",
        flush=True,
    )
    return result


def _read_seconds_file(path: Path) -> float:
    started = time.perf_counter()
    document = load_document(path, LoadLimits())
    if not all(p.location.endswith("(OCR)") for p in document.pages):
        raise SystemExit("the scanned PDF was not read by OCR (is tesseract installed? make ocr)")
    return time.perf_counter() - started


def markdown_table(result: dict) -> str:
    lines = [
        "| Format | Size | Read (loader alone) | Ingest (load, chunk, embed, write) | Chunks |",
        "|---|---|---|---|---|",
    ]
    for row in result["formats"]:
        lines.append(
            f"| {row['format']} | {row['count']:,} {row['unit']} | {row['read_per_s']:,.0f} {row['unit']}/s "
            f"| {row['ingest_per_s']:,.1f} {row['unit']}/s ({row['ingest_s']:.1f} s) | {row['chunks']:,} |"
        )
    ocr = result["ocr"]
    lines.append(f"| scanned .pdf (OCR) | {ocr['pages']} pages | {ocr['pages_per_s']:.2f} pages/s | | |")
    return "\n".join(lines) + "\n"
