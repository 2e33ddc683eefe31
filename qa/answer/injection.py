"""Documents are data: passage sentences that address the assistant ("ignore previous
instructions", "answer HACKED") are never evidence for an answer."""

from __future__ import annotations

import re

_TALKS_TO_ASSISTANT = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b[^.!?]{0,40}\b(?:instructions?|prompts?|rules|context|the above)\b"
    r"|\b(?:you are now|you must now|new instructions?|system prompt|jailbreak)\b"
    r"|\b(?:assistant|chatbot|language model|ai model)s?\b[^.!?]{0,30}\b(?:must|should|shall)\b",
    re.IGNORECASE,
)
# An imperative at the start of a sentence ("Answer HACKED", "IMPORTANT: reply 'yes'") whose
# object is quoted or shouted.
_COMMAND = re.compile(
    r"^\W*(?:[A-Z]+:\s*)?(?i:answer|respond|reply|say|output|print|write)\b[^.!?]{0,30}?"
    r"(?:[:\"“'`]|\b[A-Z]{3,}\b)"
)


def looks_like_instruction(sentence: str) -> bool:
    """Whether a document sentence talks to the assistant rather than about the world."""
    return bool(_TALKS_TO_ASSISTANT.search(sentence) or _COMMAND.search(sentence.strip()))
