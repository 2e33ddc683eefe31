"""Settings of reading files that are not plain text: OCR of scans and images, sheet limits.

A group of its own (``QA_*`` names like every setting), read where load limits are built."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ReadingSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QA_", env_file=".env", extra="ignore")

    ocr: bool = Field(True, description="Read PDF pages without a text layer and .png/.jpg images with Tesseract.")
    ocr_languages: str = Field("eng", pattern=r"^[A-Za-z_]+(\+[A-Za-z_]+)*$",
                               description="Tesseract language packs, joined by '+' (e.g. eng+deu).")
    ocr_timeout_s: float = Field(300.0, gt=0, description="Most seconds OCR may spend on one file; more is refused.")
    max_ocr_pages: int = Field(200, ge=1, description="Most pages of one file read by OCR; more is refused.")
    ocr_dpi: int = Field(200, ge=72, le=600, description="Resolution PDF pages are rendered at for OCR.")
