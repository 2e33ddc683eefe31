"""Settings of accounts and the team server: a group of their own (``QA_*`` names, like ``Settings``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

Role = Literal["admin", "member"]


class AccountSettings(BaseSettings):
    """Where accounts live, how long a session lasts, how sign-in resists guessing."""

    model_config = SettingsConfigDict(env_prefix="QA_", env_file=".env", extra="ignore")

    accounts_path: Path | None = Field(
        None, description="SQLite file of users, API keys and sessions; by default accounts.sqlite3 in QA_INDEX_DIR."
    )
    session_secret: SecretStr | None = Field(
        None, description="Key that signs session tokens; unset: one is generated once and kept (mode 0600) "
        "in session.key beside the accounts file. Set the same value on every host sharing the accounts."
    )
    session_hours: float = Field(12.0, gt=0, le=24 * 90, description="How long a sign-in lasts.")
    signin_max_failures: int = Field(
        5, ge=1, le=100, description="Failed sign-ins in a row after which a name is locked for QA_SIGNIN_LOCK_S."
    )
    signin_lock_s: float = Field(300.0, ge=1, description="How long a name stays locked after too many failures.")
    min_password_chars: int = Field(10, ge=8, le=128, description="Shortest password accepted.")

    def accounts_file(self, index_dir: Path) -> Path:
        return self.accounts_path or index_dir / "accounts.sqlite3"


class ServerSettings(BaseSettings):
    """``python -m qa serve``: where it listens and what it accepts."""

    model_config = SettingsConfigDict(env_prefix="QA_", env_file=".env", extra="ignore")

    server_host: str = Field("127.0.0.1", description="Address `qa serve` listens on; any non-loopback "
                             "address needs accounts (`python -m qa users add NAME --role admin`).")
    server_port: int = Field(8080, ge=1, le=65535, description="Port `qa serve` listens on.")
    upload_roles: list[Role] = Field(
        default_factory=lambda: ["admin"],  # type: ignore[arg-type]
        description="Roles allowed to upload documents (JSON list, "
        'e.g. ["admin","member"]); removing documents is for admins only.'
    )
    max_request_mb: float = Field(1.0, gt=0, description="Largest request body other than an upload.")
