"""The manifest knows which store it describes: settings pointed at another store (a fresh
`chroma run` server after indexing on disk, or another server collection) say so in one line
and how to index into that store, instead of calling the data damaged."""

from __future__ import annotations

import pytest

from qa.assistant import Assistant
from qa.errors import IndexDamaged, SettingsError
from qa.settings import Settings
from testsupport.helpers import SEED_ARTICLE, run_cli
from testsupport.servers import chroma_server

pytestmark = pytest.mark.integration


def test_pointing_a_disk_index_at_a_fresh_server_names_both_stores(tmp_path, embeddings):
    disk = Settings(index_dir=tmp_path / "index", backend="extractive")
    Assistant(disk, embeddings=embeddings).ingest([SEED_ARTICLE])
    with chroma_server(tmp_path / "chroma" / "data") as port:
        server = disk.changed(chroma_host="127.0.0.1", chroma_port=port)
        with pytest.raises(SettingsError) as caught:
            Assistant(server, embeddings=embeddings)
        message = str(caught.value)
        print(f"\n{message}")
        assert "\n" not in message and "damaged" not in message and "reindex" not in message
        assert f"the Chroma data in '{disk.storage.index_dir}'" in message
        assert f"the Chroma server at 127.0.0.1:{port}" in message and "QA_INDEX_DIR" in message
        # The CLI says the same in one line (exit status 2: a setting to fix).
        env = {"QA_INDEX_DIR": str(disk.storage.index_dir), "QA_CHROMA_HOST": "127.0.0.1", "QA_CHROMA_PORT": str(port)}
        result = run_cli("ask", "Who opened the office?", env_extra=env)
        assert result.returncode == 2
        assert [line for line in result.stderr.splitlines() if line.startswith("error:")] == [f"error: {message}"]
        # What the message says to do works: another QA_INDEX_DIR indexes into the server.
        fresh = server.changed(index_dir=tmp_path / "server-index")
        bot = Assistant(fresh, embeddings=embeddings)
        bot.ingest([SEED_ARTICLE])
        assert "70 million" in bot.ask("How much money has the IT coalition attracted?").text


def test_the_same_store_losing_its_data_is_still_damage(tmp_path, embeddings):
    """Where the manifest and the settings name the same store, missing chunks are damage."""
    settings = Settings(index_dir=tmp_path / "index", backend="extractive")
    bot = Assistant(settings, embeddings=embeddings)
    bot.ingest([SEED_ARTICLE])
    bot.index.close()
    (settings.storage.index_dir / "chroma.sqlite3").unlink()
    with pytest.raises(IndexDamaged, match="deleted or damaged"):
        Assistant(settings, embeddings=embeddings)
