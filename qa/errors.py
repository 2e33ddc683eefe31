"""Errors the CLI and UI show as one clear line."""


class QAError(Exception):
    """Base class: the message is meant for the user, as is."""


class DocumentError(QAError):
    """A file that cannot be read, holds no text, or is over a limit."""


class BackendUnavailable(QAError):
    """A model server or vector store that cannot be reached."""


class ChromaUnavailable(BackendUnavailable):
    """The Chroma server (QA_CHROMA_HOST / QA_CHROMA_PORT) failed or is not a Chroma server."""


class IndexDamaged(QAError):
    """The on-disk index cannot be read or disagrees with its manifest."""


class ConversationStoreError(QAError):
    """The chat store (conversations.sqlite3) cannot be read or written: chats are not saved,
    questions are still answered."""


class Busy(QAError):
    """The local model is answering other questions and none finished within the wait."""


class SettingsError(QAError):
    """A setting whose value cannot work."""


_SERVER_CLIENT_MODULES = ("openai", "langchain_openai", "httpx", "httpcore")


def as_server_error(exc: Exception, url: str, setting: str) -> Exception:
    """A failure of an OpenAI-compatible client becomes one clear ``BackendUnavailable`` line
    naming the server and the setting; anything else is returned unchanged."""
    if type(exc).__module__.split(".")[0] in _SERVER_CLIENT_MODULES:
        reason = str(exc).strip().rstrip(".") or "no answer"
        return BackendUnavailable(
            f"The model server at {url} did not answer ({reason}). Start it, check {setting}, "
            "or choose the extractive backend."
        )
    return exc
