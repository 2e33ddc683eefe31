"""Errors the CLI and UI show as one clear line."""


class QAError(Exception):
    """Base class: the message is meant for the user, as is."""


class DocumentError(QAError):
    """A file that cannot be read or holds no text."""


class BackendUnavailable(QAError):
    """A model server or vector store that cannot be reached."""


class SettingsError(QAError):
    """A setting whose value cannot work."""
