"""The Chroma index: on disk by default, or a Chroma server; one record per chunk."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone

import chromadb
from chromadb.config import Settings as ChromaSettings
from langchain_chroma import Chroma
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from qa.chunking import Chunk
from qa.errors import BackendUnavailable, QAError
from qa.loading import LoadedDocument
from qa.settings import Settings
from qa.types import DocumentInfo

NO_PAGE = 0  # Chroma metadata cannot hold None


def _client(settings: Settings) -> chromadb.ClientAPI:
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_host:
        try:
            return chromadb.HttpClient(host=settings.chroma_host, port=settings.chroma_port, settings=chroma_settings)
        except Exception as exc:  # chromadb raises bare ValueError/ConnectionError variants here
            raise BackendUnavailable(
                f"cannot reach the Chroma server at {settings.chroma_host}:{settings.chroma_port} "
                f"(QA_CHROMA_HOST / QA_CHROMA_PORT): {exc}"
            ) from exc
    try:
        settings.index_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise QAError(f"QA_INDEX_DIR: cannot create index folder '{settings.index_dir}': {exc.strerror}") from exc
    return chromadb.PersistentClient(path=str(settings.index_dir), settings=chroma_settings)


class DocumentIndex:
    """Chunks of every indexed file, with the file's content hash to make ingest incremental."""

    def __init__(self, settings: Settings, embeddings: Embeddings, collection: str | None = None) -> None:
        self.vector_store = Chroma(
            client=_client(settings),
            collection_name=collection or settings.collection,
            embedding_function=embeddings,
            collection_metadata={"hnsw:space": "cosine"},
        )

    @property
    def _collection(self):
        return self.vector_store._collection

    def stored_hash(self, source: str) -> str | None:
        found = self._collection.get(where={"source": source}, limit=1, include=["metadatas"])
        metadatas = found.get("metadatas") or []
        return metadatas[0].get("file_hash") if metadatas else None

    def chunk_ids(self, source: str) -> list[str]:
        return list(self._collection.get(where={"source": source}, include=[])["ids"])

    def replace_file(self, document: LoadedDocument, chunks: list[Chunk]) -> None:
        """Write the file's new chunks, then drop the old ones it no longer has.

        New chunks are embedded and written before anything is deleted, so a failure
        part-way leaves the previous version searchable."""
        old_ids = set(self.chunk_ids(document.source))
        indexed_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        metadatas = [
            {
                "source": document.source,
                "title": document.title,
                "page": chunk.page if chunk.page is not None else NO_PAGE,
                "chunk_index": chunk.index,
                "file_hash": document.content_hash,
                "indexed_at": indexed_at,
                **{f"meta_{k}": v for k, v in document.metadata.items()},
            }
            for chunk in chunks
        ]
        self.vector_store.add_texts(
            texts=[c.text for c in chunks], metadatas=metadatas, ids=[c.id for c in chunks]
        )
        stale = old_ids - {c.id for c in chunks}
        if stale:
            self.vector_store.delete(ids=sorted(stale))

    def remove(self, source: str) -> int:
        ids = self.chunk_ids(source)
        if ids:
            self.vector_store.delete(ids=ids)
        return len(ids)

    def search(self, query: str, k: int) -> list[tuple[Document, float]]:
        """Top-``k`` chunks with their cosine relevance (1 = same direction)."""
        if self._collection.count() == 0:
            return []
        hits = self.vector_store.similarity_search_with_score(query, k=k)
        return [(doc, 1.0 - float(distance)) for doc, distance in hits]

    def chunk_count(self) -> int:
        return self._collection.count()

    def documents(self) -> list[DocumentInfo]:
        metadatas = self._collection.get(include=["metadatas"])["metadatas"] or []
        counts: Counter[str] = Counter(m["source"] for m in metadatas)
        first: dict[str, dict] = {}
        for m in metadatas:
            first.setdefault(m["source"], m)
        return [
            DocumentInfo(source=s, title=str(first[s].get("title", "")), chunks=n, indexed_at=str(first[s].get("indexed_at", "")))
            for s, n in sorted(counts.items())
        ]

    def document_text(self, source: str) -> list[tuple[int | None, str]]:
        """The stored chunks of one file in order (page, text), for showing a whole source."""
        found = self._collection.get(where={"source": source}, include=["documents", "metadatas"])
        rows = sorted(zip(found["metadatas"], found["documents"]), key=lambda r: r[0].get("chunk_index", 0))
        return [(m.get("page") or None, text) for m, text in rows]
