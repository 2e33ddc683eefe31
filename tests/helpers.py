"""Test helpers: real files, the CLI in a subprocess, free ports."""

import os
import socket
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str, env_extra: dict[str, str] | None = None, input_text: str | None = None, timeout=300):
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "qa", *args], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=timeout, input=input_text,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


def write_pdf(path: Path, pages: list[str]) -> None:
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path))
    for text in pages:
        pdf.drawString(72, 720, text)
        pdf.showPage()
    pdf.save()


def zip_bomb_docx(path: Path, expanded_mb: int) -> None:
    """A valid DOCX whose document.xml expands to ``expanded_mb`` MB of tiny paragraphs."""
    import docx

    template = path.with_suffix(".template.docx")
    docx.Document().save(str(template))
    with zipfile.ZipFile(template) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            if item.filename != "word/document.xml":
                out.writestr(item, src.read(item.filename))
        head = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document '
                b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>')
        paragraph = b"<w:p><w:r><w:t>a</w:t></w:r></w:p>" * 1000
        with out.open("word/document.xml", "w") as xml:
            xml.write(head)
            for _ in range(expanded_mb * 1_000_000 // len(paragraph)):
                xml.write(paragraph)
            xml.write(b"</w:body></w:document>")
    template.unlink()
