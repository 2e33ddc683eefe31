"""A conversation as Markdown, with each answer's citations."""

from __future__ import annotations

from collections.abc import Sequence

from qa.types import Answer


def conversation_markdown(answers: Sequence[Answer], title: str = "Conversation") -> str:
    lines = [f"# {title}", ""]
    for answer in answers:
        lines += [f"## Q: {answer.question}", ""]
        if answer.search_query != answer.question:
            lines += [f"*Searched for: {answer.search_query}*", ""]
        lines += [answer.text, ""]
        for c in answer.citations:
            page = f", page {c.page}" if c.page else ""
            lines.append(f"[{c.number}] **{c.file_name}**{page} (relevance {c.relevance:.2f})  ")
            lines.append(f"> {c.quote}")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"
