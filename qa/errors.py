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


class AccountError(QAError):
    """A user name, role, password or key that cannot be used (taken, unknown, too short...)."""


class NotSignedIn(QAError):
    """No valid credentials: a wrong password, an expired session, a revoked or unknown key."""


class SignInLocked(NotSignedIn):
    """Too many failed sign-ins for one name: sign-in is refused for a while."""


class Forbidden(QAError):
    """Signed in, but the role does not allow this."""


class NotFound(QAError):
    """No such thing, or one the asker may not see (another person's chat)."""


class TooLarge(QAError):
    """A request or upload over its size limit."""


class ChatChanged(QAError):
    """A change to a saved chat asked on a page that showed an older state of it (another tab
    or person edited it since): refused, so it never lands on another turn."""


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
