#!/usr/bin/env bash
# Debian's Tesseract for OCR of scanned PDFs and images (qa/documents/loaders/scans.py); English
# comes with it, other languages are packages such as tesseract-ocr-deu (see QA_OCR_LANGUAGES).
set -euo pipefail
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq tesseract-ocr >/dev/null
command -v tesseract
