"""The team server: FastAPI app over the public API (REST /api, OpenAI-compatible /v1)."""
