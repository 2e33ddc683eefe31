"""``python -m qa reindex``: rebuild a damaged index without losing what it held.

The old index folder is moved aside (never deleted), the files its manifest listed are
indexed again where they still exist, plus any paths given; with nothing known, the corpus
folder is indexed."""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

from qa.embeddings import make_embeddings, make_token_counter
from qa.index.chroma_store import delete_server_collection
from qa.index.document_index import DocumentIndex, manifest_path
from qa.index.ingest import ProgressCallback, expand_paths, ingest_files
from qa.index.manifest import Manifest
from qa.settings import Settings
from qa.types import IngestSummary

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rebuilt:
    summary: IngestSummary
    kept_aside: Path | None


def _listed_files(settings: Settings) -> list[Path]:
    manifest = Manifest(manifest_path(settings.storage, settings.storage.collection))
    if not manifest.exists:
        return []
    try:
        return [Path(os.fsdecode(r.path)) for r in manifest.files()]
    except Exception:  # a damaged manifest lists nothing we can trust
        log.warning("the old manifest cannot be read; rebuilding from the given paths", exc_info=True)
        return []


def rebuild_index(settings: Settings, paths: list[str], on_progress: ProgressCallback | None = None) -> Rebuilt:
    listed = [p for p in _listed_files(settings) if p.exists()]
    kept_aside = None
    stamp = time.strftime("%Y%m%d-%H%M%S")
    if settings.storage.chroma_host:
        old_manifest = manifest_path(settings.storage, settings.storage.collection)
        if old_manifest.exists():
            kept_aside = old_manifest.with_name(f"{old_manifest.name}.damaged-{stamp}")
            old_manifest.rename(kept_aside)
        delete_server_collection(settings.storage, settings.storage.collection)
    elif settings.storage.index_dir.exists() and any(settings.storage.index_dir.iterdir()):
        kept_aside = settings.storage.index_dir.with_name(f"{settings.storage.index_dir.name}.damaged-{stamp}")
        settings.storage.index_dir.rename(kept_aside)
    targets: list[str | Path] = [*paths, *listed] or (
        [settings.ingest.corpus_dir] if settings.ingest.corpus_dir.is_dir() else []
    )
    # The index layer's own ingest (what ``Assistant.ingest`` runs), without an assistant.
    index = DocumentIndex(settings.storage, make_embeddings(settings.embedding))
    try:
        if not targets:
            return Rebuilt(IngestSummary(), kept_aside)
        scan = expand_paths(targets, settings.ingest.follow_symlinks)
        return Rebuilt(
            ingest_files(scan, index, settings.ingest, make_token_counter(settings.embedding), on_progress), kept_aside
        )
    finally:
        index.close()
