"""The Streamlit app listens on loopback unless someone asks otherwise: it has no sign-in."""

from __future__ import annotations

import re
import tomllib

import pytest

from testsupport.helpers import ROOT

pytestmark = pytest.mark.unit


def test_streamlit_config_listens_on_loopback():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["address"] == "127.0.0.1"


def test_make_run_passes_a_loopback_address():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    run_line = next(line for line in makefile.splitlines() if "streamlit run" in line)
    assert "--server.address $(ADDRESS)" in run_line
    assert re.search(r"^ADDRESS\s*\?=\s*127\.0\.0\.1\s*$", makefile, re.MULTILINE)


def test_test_servers_pass_loopback():
    """Browser tests and benches start Streamlit in one place, testsupport/browser.py, which
    passes a loopback address; no test or bench starts it another way."""
    text = (ROOT / "testsupport" / "browser.py").read_text(encoding="utf-8")
    assert re.search(r'"--server\.address",\s*"127\.0\.0\.1"', text)
    others = [
        str(path.relative_to(ROOT))
        for path in (*ROOT.glob("tests/**/*.py"), *ROOT.glob("bench/**/*.py"))
        if re.search(r'"streamlit",\s*"run"', path.read_text(encoding="utf-8"))
    ]
    assert others == []
