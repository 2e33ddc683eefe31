"""A conversation as Markdown: each question, the answer with the backend that wrote it and
when, and the sources it cites."""

from __future__ import annotations

from collections.abc import Sequence

from qa.conversations import Turn


def conversation_markdown(turns: Sequence[Turn], title: str = "Conversation") -> str:
    lines = [f"# {title}", ""]
    for turn in turns:
        lines += [f"## Q: {turn.question}", "", f"*Asked {turn.asked_at.replace('T', ' ')}*", ""]
        answer = turn.answer
        if answer is None:
            lines += [f"**Error:** {turn.error}", ""]
            continue
        if answer.search_query != answer.question:
            lines += [f"*Searched for: {answer.search_query}*", ""]
        status = "not in the documents" if answer.refused else ("stopped by the user" if answer.stopped else "answered")
        total = answer.timings.get("total_s")
        lines += [answer.text, "", f"*{status} by the {answer.backend} backend"
                  + (f" in {total:.2f} s*" if total is not None else "*"), ""]
        if answer.citations:
            lines += ["Sources:", ""]
        for c in answer.citations:
            page = f", {c.where}" if c.where else ""
            lines.append(f"[{c.number}] **{c.file_name}**{page}: {c.title} (relevance {c.relevance:.2f}; {c.source})  ")
            lines.append(f"> {c.quote}")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"
