"""A conversation as Markdown: each question, the answer with the backend that wrote it and
when, and the sources it cites. Everything that came from a person or a document is escaped,
so a question holding HTML or a link stays text in any Markdown viewer."""

from __future__ import annotations

import re
from collections.abc import Sequence

from qa.conversations import Turn
from qa.text_safety import md_text

_LINE_START = re.compile(r"^(\s*)([-+=]|\d+(?=[.)]))")  # a list item, a setext underline, a numbered item


def escape_markdown(text: str) -> str:
    """``text`` as literal Markdown text, on one line (a newline would start a new block)."""
    escaped = md_text(" ".join(text.split()))  # inline markup, autolinks, bidi controls (qa.text_safety)
    # "- x" → "\- x"; "2026. x" → "2026\. x" (the digits stay, the marker after them is escaped)
    return _LINE_START.sub(
        lambda m: m.group(1) + (m.group(2) + "\\" if m.group(2)[0].isdigit() else "\\" + m.group(2)), escaped
    )


def export_file_name(title: str, stamp: str) -> str:
    """ "Who opened the office?", "2026-11-30T18:40:12+00:00" → "who-opened-the-office-2026-11-30.md"."""
    slug = re.sub(r"[^\w]+", "-", title.casefold(), flags=re.UNICODE).strip("-_")[:60].rstrip("-_") or "chat"
    return f"{slug}-{stamp[:10]}.md"


def conversation_markdown(turns: Sequence[Turn], title: str = "Conversation") -> str:
    lines = [f"# {escape_markdown(title)}", ""]
    for turn in turns:
        lines += [f"## Q: {escape_markdown(turn.question)}", "", f"*Asked {turn.asked_at.replace('T', ' ')}*", ""]
        answer = turn.answer
        if answer is None:
            lines += [f"**Error:** {escape_markdown(turn.error)}", ""]
            continue
        if not answer.checked:
            lines += [
                escape_markdown(answer.text) or "*(nothing written)*",
                "",
                f"*stopped by the user; the {answer.backend} backend's draft so far, not checked against "
                "the documents*",
                "",
            ]
            continue
        if answer.search_query != answer.question:
            lines += [f"*Earlier turns used: searched for {escape_markdown(answer.search_query)}*", ""]
        status = "not in the documents" if answer.refused else ("stopped by the user" if answer.stopped else "answered")
        total = answer.timings.get("total_s")
        lines += [
            escape_markdown(answer.text),
            "",
            f"*{status} by the {answer.backend} backend" + (f" in {total:.2f} s*" if total is not None else "*"),
            "",
        ]
        if answer.citations:
            lines += ["Sources:", ""]
        for c in answer.citations:
            where = f", {escape_markdown(c.where)}" if c.where else ""
            # The file name only: the server's folders are nobody's business in a shared file.
            lines.append(
                f"\\[{c.number}\\] **{escape_markdown(c.file_name)}**{where}: {escape_markdown(c.title)} "
                f"(relevance {c.relevance:.2f})  "
            )
            lines.append(f"> {escape_markdown(c.quote)}")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"
