"""Chroma, on disk or as a server, through chromadb's public client API: vectors in, ids out.

Every failure of the store becomes one line naming what to fix: the Chroma server and its
settings in server mode, the index folder and the rebuild command on disk."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any, TypeVar

from qa.errors import ChromaUnavailable, IndexDamaged, QAError
from qa.settings import StorageSettings

log = logging.getLogger(__name__)
T = TypeVar("T")
REINDEX_HINT = "rebuild it with `python -m qa reindex` (the damaged folder is kept aside)"


def _first_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    if text.lstrip().startswith("<"):  # an HTML error page: some other web server holds the port
        return "it answered with a web page, not Chroma's API"
    return text[:200]


class ChromaStore:
    """One Chroma collection with cosine distance. The project always passes vectors, so
    Chroma's own (downloading) embedding function is never used."""

    def __init__(self, storage: StorageSettings, collection: str) -> None:
        self.storage = storage
        self.name = collection
        self.server = bool(storage.chroma_host)
        self._client = None
        self._collection = self._guard(self._open)()

    def where(self) -> str:
        if self.server:
            return f"the Chroma server at {self.storage.chroma_host}:{self.storage.chroma_port}"
        return f"the index in '{self.storage.index_dir}'"

    def _failure(self, exc: BaseException) -> QAError:
        if self.server:
            return ChromaUnavailable(
                f"The Chroma server at {self.storage.chroma_host}:{self.storage.chroma_port} failed "
                f"({_first_line(exc)}). Start it (`chroma run --path DIR --port {self.storage.chroma_port}`), "
                "check QA_CHROMA_HOST / QA_CHROMA_PORT, or unset QA_CHROMA_HOST to use the index folder."
            )
        return IndexDamaged(
            f"The index in '{self.storage.index_dir}' cannot be read ({_first_line(exc)}); {REINDEX_HINT}."
        )

    def _guard(self, method: Callable[..., T]) -> Callable[..., T]:
        @wraps(method)
        def guarded(*args, **kwargs) -> T:
            try:
                return method(*args, **kwargs)
            except QAError:
                raise
            except Exception as exc:  # chromadb, httpx, sqlite and JSON errors alike
                log.debug("Chroma call failed", exc_info=True)
                raise self._failure(exc) from exc

        return guarded

    def _open(self):
        if self.server:
            client = _server_client(self.storage)
        else:
            try:
                self.storage.index_dir.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise QAError(
                    f"QA_INDEX_DIR: cannot create index folder '{self.storage.index_dir}': {exc.strerror}"
                ) from exc
            import chromadb  # here, not at the top: importing qa (the CLI, the unit tier) need not load it
            from chromadb.config import Settings as ChromaSettings

            client = chromadb.PersistentClient(
                path=str(self.storage.index_dir), settings=ChromaSettings(anonymized_telemetry=False)
            )
        self._client = client
        try:
            return client.get_or_create_collection(
                self.name, metadata={"hnsw:space": "cosine"}, embedding_function=None
            )
        except Exception:
            self.close()  # a later attempt (after `qa reindex`) must not reuse this client's state
            raise

    def close(self) -> None:
        """Release the client (Chroma shares one per folder in a process until the last closes)."""
        if self._client is not None and not self.server:
            self._client.close()
        self._client = None

    def count(self) -> int:
        return self._guard(self._collection.count)()

    def upsert(
        self,
        ids: Sequence[str],
        texts: Sequence[str],
        vectors: Sequence[Sequence[float]],
        metadatas: Sequence[dict[str, Any]],
    ) -> None:
        if ids:
            self._guard(self._collection.upsert)(
                ids=list(ids), documents=list(texts), embeddings=[list(v) for v in vectors], metadatas=list(metadatas)
            )

    def delete(self, ids: Sequence[str]) -> None:
        for start in range(0, len(ids), 5000):  # SQLite caps the variables of one statement
            self._guard(self._collection.delete)(ids=list(ids[start : start + 5000]))

    def existing(self, ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(ids), 5000):
            found.update(self._guard(self._collection.get)(ids=list(ids[start : start + 5000]), include=[])["ids"])
        return found

    def vectors(self, ids: Sequence[str]) -> dict[str, list[float]]:
        """The stored embedding of each of ``ids`` that Chroma holds."""
        found: dict[str, list[float]] = {}
        for start in range(0, len(ids), 5000):
            result = self._guard(self._collection.get)(ids=list(ids[start : start + 5000]), include=["embeddings"])
            found.update(zip(result["ids"], (list(map(float, v)) for v in result["embeddings"])))
        return found

    def query(self, vector: Sequence[float], k: int, where: dict[str, Any] | None = None) -> list[tuple[str, float]]:
        """The ``k`` nearest chunks as (chunk id, cosine similarity: 1 = same direction), nearest first."""
        if k <= 0:
            return []
        result = self._guard(self._collection.query)(
            query_embeddings=[list(vector)],
            n_results=k,
            where=where or None,
            include=["distances"],
        )
        return [
            (chunk_id, 1.0 - float(distance)) for chunk_id, distance in zip(result["ids"][0], result["distances"][0])
        ]


def _server_client(storage: StorageSettings):
    assert storage.chroma_host is not None  # server mode only (QA_CHROMA_HOST set)
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    # A new ChromaSettings per client: chromadb's clients write into the object they are given.
    return chromadb.HttpClient(
        host=storage.chroma_host, port=storage.chroma_port, settings=ChromaSettings(anonymized_telemetry=False)
    )


def delete_server_collection(storage: StorageSettings, name: str) -> None:
    """Delete collection ``name`` from the Chroma server, if it holds one (``qa reindex`` sets a
    damaged index aside this way: the server's data folder is not this process's to move)."""
    client = _server_client(storage)
    if name in [c.name for c in client.list_collections()]:
        client.delete_collection(name)
