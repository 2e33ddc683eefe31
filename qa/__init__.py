"""Question answering over documents, with cited passages.

    from qa import Assistant, Settings
    bot = Assistant(Settings())
    bot.ingest(["seeds/"])
    answer = bot.ask("Who opened the office?")
"""

from qa.answer.backends import BACKENDS, AnswerBackend
from qa.assistant import AskOptions, Assistant
from qa.conversations import Conversation, ConversationInfo, Turn
from qa.errors import (
    BackendUnavailable,
    Busy,
    ChromaUnavailable,
    ConversationStoreError,
    DocumentError,
    IndexDamaged,
    QAError,
    SettingsError,
)
from qa.settings import Backend, RetrievalMode, Settings
from qa.text_safety import html_text, md_document, md_text, neutralise_bidi
from qa.types import Answer, Citation, DocumentInfo, FileResult, IngestSummary, Passage, Retrieved, SearchFilter

__all__ = [
    "BACKENDS",
    "Answer",
    "AnswerBackend",
    "AskOptions",
    "Assistant",
    "Backend",
    "BackendUnavailable",
    "Busy",
    "ChromaUnavailable",
    "Citation",
    "Conversation",
    "ConversationInfo",
    "ConversationStoreError",
    "DocumentError",
    "DocumentInfo",
    "FileResult",
    "IndexDamaged",
    "IngestSummary",
    "Passage",
    "QAError",
    "RetrievalMode",
    "Retrieved",
    "SearchFilter",
    "Settings",
    "SettingsError",
    "Turn",
    "html_text",
    "md_document",
    "md_text",
    "neutralise_bidi",
]
