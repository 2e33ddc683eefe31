"""``python -m qa serve``: check it is safe to listen, build the assistant, run uvicorn."""

from __future__ import annotations

import logging

from qa import Accounts, Assistant, Settings, SettingsError
from qa.server.auth import is_loopback

logger = logging.getLogger(__name__)


def check_listen(host: str, accounts: Accounts) -> None:
    """Listening beyond this machine needs accounts: else anyone who reaches the port could use it."""
    if not is_loopback(host) and not accounts.exist():
        raise SettingsError(
            f"Refusing to listen on {host} without accounts: add one first with "
            "`python -m qa users add NAME --role admin` (or listen on 127.0.0.1)."
        )


def _log_to_stderr() -> None:
    """The server's own lines (``qa.*`` loggers, INFO and up) beside uvicorn's, in its log."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s:     %(name)s: %(message)s"))
    package = logging.getLogger("qa")
    if not package.handlers:
        package.addHandler(handler)
        package.setLevel(logging.INFO)
        package.propagate = False  # not twice, if the root logger has a handler too


def serve(settings: Settings, host: str | None = None, port: int | None = None) -> None:
    import uvicorn

    _log_to_stderr()
    from qa.server.app import create_app

    server = settings.server
    host, port = host or server.server_host, port or server.server_port
    accounts = Accounts.open(settings.storage.index_dir, settings.accounts)
    check_listen(host, accounts)
    assistant = Assistant(settings)
    summary = assistant.ensure_corpus()
    if summary is not None:
        logger.info("indexed %s: %s", settings.ingest.corpus_dir, summary.describe())
    app = create_app(assistant, accounts, server, loopback=is_loopback(host))
    try:
        uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False, server_header=False)
    finally:
        assistant.close()
