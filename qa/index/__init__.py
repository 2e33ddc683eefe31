"""Chunks to stored: the Chroma store, the manifest and the ingest protocol."""
