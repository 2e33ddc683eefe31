"""Question answering over documents, with cited passages.

from qa import Assistant, Settings
bot = Assistant(Settings())
bot.ingest(["seeds/"])
answer = bot.ask("Who opened the office?")
"""

from qa.accounts import ROLES, Accounts, ApiKeyInfo, NewKey, SignedIn, User
from qa.answer.backends import BACKENDS, AnswerBackend
from qa.assistant import AskOptions, Assistant
from qa.conversations import LOCAL_OWNER, Conversation, ConversationInfo, ConversationStore, Turn
from qa.documents.chunking import split_sentences
from qa.documents.loading import SUPPORTED_SUFFIXES
from qa.errors import (
    AccountError,
    BackendUnavailable,
    Busy,
    ChatChanged,
    ChromaUnavailable,
    ConversationStoreError,
    DocumentError,
    Forbidden,
    IndexDamaged,
    NotFound,
    NotSignedIn,
    QAError,
    SettingsError,
    SignInLocked,
    TooLarge,
)
from qa.evaluation.api import run_evaluation
from qa.evaluation.report import failure_reason, fmt, metric_rows
from qa.evaluation.runs import EvaluationStore
from qa.evaluation.summary import EvalSummary
from qa.examples import ExampleQuestion
from qa.export import conversation_markdown, export_file_name
from qa.loopback import is_loopback
from qa.settings import AccountSettings, Backend, RetrievalMode, Role, ServerSettings, Settings, load_settings
from qa.text_safety import html_text, md_document, md_text, neutralise_bidi
from qa.types import Answer, Citation, DocumentInfo, FileResult, IngestSummary, Passage, Retrieved, SearchFilter

__all__ = [
    "SUPPORTED_SUFFIXES",
    "EvaluationStore",
    "EvalSummary",
    "ExampleQuestion",
    "export_file_name",
    "failure_reason",
    "fmt",
    "metric_rows",
    "run_evaluation",
    "split_sentences",
    "BACKENDS",
    "LOCAL_OWNER",
    "ROLES",
    "AccountError",
    "AccountSettings",
    "Accounts",
    "ApiKeyInfo",
    "Forbidden",
    "NewKey",
    "NotFound",
    "NotSignedIn",
    "Role",
    "ServerSettings",
    "SignInLocked",
    "SignedIn",
    "TooLarge",
    "User",
    "conversation_markdown",
    "is_loopback",
    "Answer",
    "AnswerBackend",
    "AskOptions",
    "Assistant",
    "Backend",
    "BackendUnavailable",
    "Busy",
    "ChatChanged",
    "ChromaUnavailable",
    "Citation",
    "Conversation",
    "ConversationInfo",
    "ConversationStore",
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
    "load_settings",
    "SettingsError",
    "Turn",
    "html_text",
    "md_document",
    "md_text",
    "neutralise_bidi",
]
