"""The built wheel works on its own: installed into a fresh virtualenv, without the source tree,
its `qa` console script answers a seed question with a citation."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from testsupport.helpers import ROOT, SEEDS

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# What is not part of a source checkout (or is written by builds and runs); left out of the copy
# the wheel is built from, so the build writes nothing into the tree under test.
ANYWHERE = shutil.ignore_patterns("__pycache__", "*.egg-info", ".pytest_cache")
AT_THE_TOP = {".git", ".venv", "build", "dist", "index", "uploads", "artifacts", "eval-out", "bench-out"}


def not_source(folder: str, names: list[str]) -> set[str]:
    return ANYWHERE(folder, names) | (AT_THE_TOP & set(names) if Path(folder) == ROOT else set())


def _run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, timeout=600, **kwargs)


def _clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without anything that would put the source tree on the path."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")}
    return {**env, **extra}


def test_built_wheel_answers_with_a_citation_outside_the_source_tree(tmp_path):
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=not_source)
    wheels = tmp_path / "wheels"
    # Without build isolation when setuptools is here already: the test then needs no network.
    try:
        import setuptools  # noqa: F401

        isolation = ["--no-build-isolation"]
    except ImportError:
        isolation = []
    built = _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", *isolation, ".", "-w", str(wheels)],
        cwd=source,
        env=_clean_env(),
    )
    assert built.returncode == 0, built.stdout + built.stderr
    wheel = next(wheels.glob("docqa-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        top = {name.split("/", 1)[0] for name in archive.namelist() if ".dist-info/" not in name}
    assert top == {"qa", "ui"}, f"the wheel holds {sorted(top)}"  # no tests, benchmarks or testsupport
    with zipfile.ZipFile(wheel) as archive:
        fitted = {"qa/answer/calibration.json", "qa/answer/answerability.safetensors"}
        assert fitted <= set(archive.namelist()), "the answer path's fitted files are not in the wheel"

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    installed = _run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", str(wheel)],
        cwd=tmp_path,
        env=_clean_env(),
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr

    # The dependencies come from this interpreter's site-packages through a path line (added after
    # the install, so pip saw an empty environment). A path line does not run the .pth files in
    # that folder, so the editable install of the source tree stays out.
    here = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    target = _run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=tmp_path, env=_clean_env()
    )
    (Path(target.stdout.strip()) / "host-dependencies.pth").write_text("".join(f"{p}\n" for p in sorted(here)))

    work = tmp_path / "work"
    work.mkdir()
    env = _clean_env(
        QA_INDEX_DIR=str(tmp_path / "index"),
        QA_CORPUS_DIR=str(tmp_path / "corpus"),
        QA_UPLOAD_DIR=str(tmp_path / "uploads"),
    )
    shutil.copytree(SEEDS / "docs", tmp_path / "corpus")
    where = _run([str(python), "-c", "import qa; print(qa.__file__)"], cwd=work, env=env)
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(env_dir), f"qa imported from {where.stdout.strip()}"

    result = _run(
        [str(env_dir / "bin" / "qa"), "ask", "What is Ukraine's annual drone production capacity?"], cwd=work, env=env
    )
    assert result.returncode == 0, result.stderr
    assert "[1]" in result.stdout, result.stdout
