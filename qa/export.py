"""A conversation as Markdown: each question, the answer with the backend that wrote it and
when, and the sources it cites."""

from __future__ import annotations

from collections.abc import Sequence

from qa.conversations import Turn
from qa.text_safety import md_text


def conversation_markdown(turns: Sequence[Turn], title: str = "Conversation") -> str:
    # Questions, answers, titles and quotes are text: escaped, so a Markdown viewer shows them
    # as written and fetches nothing (no image, no link from a document).
    lines = [f"# {md_text(title)}", ""]
    for turn in turns:
        lines += [f"## Q: {md_text(turn.question)}", "", f"*Asked {turn.asked_at.replace('T', ' ')}*", ""]
        answer = turn.answer
        if answer is None:
            lines += [f"**Error:** {md_text(turn.error)}", ""]
            continue
        if answer.search_query != answer.question:
            lines += [f"*Searched for: {md_text(answer.search_query)}*", ""]
        status = "not in the documents" if answer.refused else ("stopped by the user" if answer.stopped else "answered")
        total = answer.timings.get("total_s")
        lines += [md_text(answer.text), "", f"*{status} by the {answer.backend} backend"
                  + (f" in {total:.2f} s*" if total is not None else "*"), ""]
        if answer.citations:
            lines += ["Sources:", ""]
        for c in answer.citations:
            page = f", page {c.page}" if c.page else ""
            lines.append(f"\\[{c.number}\\] **{md_text(c.file_name)}**{page}: {md_text(c.title)} "
                         f"(relevance {c.relevance:.2f}; {md_text(c.source)})  ")
            lines.append(f"> {md_text(c.quote)}")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"
