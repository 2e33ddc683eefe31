"""Uploads from the browser: safe names, size limit, failed parses leave the index as it was."""

import pytest

from qa.documents.uploads import safe_file_name
from testsupport.helpers import SEED_ARTICLE


@pytest.mark.unit
def test_safe_file_name_strips_paths_and_odd_characters():
    assert safe_file_name("../../x.txt") == "x.txt"
    assert safe_file_name("..\\..\\evil.md") == "evil.md"
    assert safe_file_name("Rapport été 2024.pdf") == "Rapport_ete_2024.pdf"
    assert safe_file_name("...") == "upload"


@pytest.mark.integration
def test_traversal_name_is_stored_inside_the_upload_folder(assistant, settings, tmp_path):
    result = assistant.ingest_upload("../../escape.txt", b"The ferry leaves at noon from pier seven.")
    assert result.status == "added"
    stored = settings.interface.upload_dir.resolve() / "escape.txt"
    assert stored.is_file() and result.path == str(stored)
    assert not (tmp_path / "escape.txt").exists() and not (tmp_path.parent / "escape.txt").exists()
    assert "pier seven" in assistant.ask("When does the ferry leave?").text


@pytest.mark.integration
def test_oversized_upload_is_refused_and_not_written(assistant, settings):
    small = assistant.settings.changed(**{"max_upload_mb": 0.001})
    assistant.settings = small
    result = assistant.ingest_upload("big.txt", b"word " * 1000)
    assert result.status == "failed" and "upload limit" in result.error
    assert not (settings.interface.upload_dir / "big.txt").exists()


@pytest.mark.integration
def test_failed_parse_leaves_index_unchanged(assistant, settings):
    assistant.ingest([SEED_ARTICLE])
    before = assistant.chunk_count()
    result = assistant.ingest_upload("broken.pdf", b"%PDF-1.4 not a pdf at all")
    assert result.status == "failed" and "PDF" in result.error
    assert assistant.chunk_count() == before
    assert not (settings.interface.upload_dir / "broken.pdf").exists()
    result = assistant.ingest_upload("notes.exe", b"MZ")
    assert result.status == "failed" and "unsupported" in result.error


@pytest.mark.integration
def test_broken_reupload_keeps_the_earlier_file_and_its_chunks(assistant, settings):
    assert assistant.ingest_upload("notes.txt", b"The vault code is 4711.").status == "added"
    ids = assistant.index.chunk_ids(str((settings.interface.upload_dir / "notes.txt").resolve()))
    result = assistant.ingest_upload("notes.txt", b"\x00\x01\x02 binary garbage")
    assert result.status == "failed" and "binary" in result.error
    assert (settings.interface.upload_dir / "notes.txt").read_bytes() == b"The vault code is 4711."
    assert assistant.index.chunk_ids(str((settings.interface.upload_dir / "notes.txt").resolve())) == ids
