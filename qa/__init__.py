"""Question answering over documents, with cited passages.

    from qa import Assistant, Settings
    bot = Assistant(Settings())
    bot.ingest(["seeds/"])
    answer = bot.ask("Who opened the office?")
"""

from qa.assistant import Assistant
from qa.errors import BackendUnavailable, DocumentError, QAError, SettingsError
from qa.settings import Settings
from qa.types import Answer, Citation, DocumentInfo, FileResult, IngestSummary, Passage

__all__ = [
    "Answer",
    "Assistant",
    "BackendUnavailable",
    "Citation",
    "DocumentError",
    "DocumentInfo",
    "FileResult",
    "IngestSummary",
    "Passage",
    "QAError",
    "Settings",
    "SettingsError",
]
