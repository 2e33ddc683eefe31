"""Errors the CLI and UI show as one clear line."""


class QAError(Exception):
    """Base class: the message is meant for the user, as is."""


class DocumentError(QAError):
    """A file that cannot be read or holds no text."""


class BackendUnavailable(QAError):
    """A model server or vector store that cannot be reached."""


class SettingsError(QAError):
    """A setting whose value cannot work."""


_SERVER_CLIENT_MODULES = ("openai", "langchain_openai", "httpx", "httpcore")


def as_server_error(exc: Exception, url: str, setting: str) -> Exception:
    """A failure of an OpenAI-compatible client becomes one clear ``BackendUnavailable`` line
    naming the server and the setting; anything else is returned unchanged."""
    if type(exc).__module__.split(".")[0] in _SERVER_CLIENT_MODULES:
        return BackendUnavailable(f"the model server at {url} ({setting}) did not answer: {type(exc).__name__}: {exc}")
    return exc
