"""Locations (slide, sheet, OCR page, section path) from page to chunk to the manifest: ids stay
what they were for chunks without one, and a manifest written before locations gains the column."""

from __future__ import annotations

import sqlite3

import pytest

from qa.documents.chunking import assign_ids, chunk_id, pack_located_pages
from qa.index.manifest import _SCHEMA, FileRecord, Manifest

pytestmark = pytest.mark.unit


def words(text: str) -> int:
    return len(text.split())


def test_chunks_keep_their_page_location_and_never_cross_sections():
    packed = pack_located_pages(
        [
            (None, "# Install\nRun it. Then wait.", "Install"),
            (None, "## Docker\nUse compose.", "Install › Docker"),
            (3, "Scanned text.", "page 3 (OCR)"),
        ],
        50,
        0,
        words,
    )
    chunks = assign_ids("doc", packed)
    assert [(c.page, c.location, c.text) for c in chunks] == [
        (None, "Install", "# Install\nRun it.\nThen wait."),
        (None, "Install › Docker", "## Docker\nUse compose."),
        (3, "page 3 (OCR)", "Scanned text."),
    ]
    # Without a location the id is the one indexes built before locations hold; with one it differs.
    assert chunk_id("doc", 3, "Scanned text.") == assign_ids("doc", [(3, "Scanned text.")])[0].id
    assert chunks[2].id != chunk_id("doc", 3, "Scanned text.")
    same_text = assign_ids("doc", [(None, "Notes.", "A"), (None, "Notes.", "B")])
    assert len(same_text) == 2  # the same line under two headings is two chunks


def test_a_manifest_from_before_locations_gains_the_column(tmp_path):
    path = tmp_path / "documents.manifest.sqlite3"
    old_schema = _SCHEMA.replace(
        ',\n    location TEXT NOT NULL DEFAULT \'\'   -- "slide 3", "sheet Budget", "Install › Docker"; \'\' for none',
        "",
    )
    assert "location" not in old_schema
    with sqlite3.connect(path) as db:
        db.executescript(old_schema)
    manifest = Manifest(path)
    record = FileRecord("d1", "/docs/deck.pptx", b"/docs/deck.pptx", "Deck", "h", [], {}, "2026-11-30T00:00:00")
    (chunk,) = assign_ids("d1", [(2, "The beta ships on 14 May.", "slide 2")])
    manifest.commit_files([(record, [chunk])])
    stored = manifest.chunks([chunk.id])[chunk.id]
    assert (stored.page, stored.location, stored.source) == (2, "slide 2", "/docs/deck.pptx")
