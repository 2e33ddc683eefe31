"""Finding passages: dense (Chroma) and keyword (SQLite FTS5/BM25) search, fused by rank."""
