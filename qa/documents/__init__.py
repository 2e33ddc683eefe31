"""Files to pages to chunks: loading, chunking, uploads."""
