"""The answering path: retrieve, select or generate, ground, decide."""
