"""Run one case or CLI command of a tree under test in a fresh process, with a time limit and a
memory cap, and read back how it ended and its peak resident memory."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

CASES = Path(__file__).with_name("cases.py")


@dataclass
class Ended:
    """How one child process ended."""

    how: str  # "exit 0", "exit 1", "signal 6 (SIGABRT)", "timeout after 180 s", "killed at the 6000 MB cap"
    returncode: int | None
    stdout: str
    stderr: str
    seconds: float
    peak_mb: int

    @property
    def result(self) -> dict:
        """The case's JSON line, or {} if it printed none."""
        for line in reversed(self.stdout.strip().splitlines()):
            if line.startswith("{"):
                return json.loads(line)
        return {}

    @property
    def crashed(self) -> bool:
        return self.how.startswith(("signal", "exit 9", "exit 134", "exit 139"))

    def stderr_summary(self) -> dict:
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        return {
            "lines": len(lines),
            "traceback": any("Traceback" in line for line in lines),
            "last": lines[-1][:220] if lines else "",
        }


def peak_mb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 0


def run(
    tree: Path, args: list[str], env: dict[str, str] | None = None, timeout: float = 600, cap_mb: int = 6000
) -> Ended:
    """Run ``python ARGS`` with the tree's ``qa`` first on the path and its folder as cwd."""
    full_env = {**os.environ, "PYTHONPATH": str(tree), "TOKENIZERS_PARALLELISM": "false", **(env or {})}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        process = subprocess.Popen([sys.executable, *args], cwd=tree, env=full_env, stdout=out, stderr=err)
        peak, how = 0, ""
        while process.poll() is None:
            peak = max(peak, peak_mb(process.pid))
            if peak > cap_mb:
                how = f"killed at the {cap_mb} MB cap"
            elif time.monotonic() - started > timeout:
                how = f"timeout after {timeout:.0f} s"
            if how:
                process.kill()
                process.wait()
                break
            time.sleep(0.1)
        seconds = time.monotonic() - started
        code = process.returncode
        if not how:
            how = f"signal {-code} ({signal.Signals(-code).name})" if code < 0 else f"exit {code}"
        out.seek(0)
        err.seek(0)
        return Ended(
            how, code, out.read().decode(errors="replace"), err.read().decode(errors="replace"), round(seconds, 1), peak
        )


def case(tree: Path, name: str, timeout: float = 600, cap_mb: int = 6000, env: dict | None = None, **args) -> Ended:
    return run(tree, [str(CASES), name, json.dumps(args)], env=env, timeout=timeout, cap_mb=cap_mb)


def cli(tree: Path, *args: str, env: dict | None = None, timeout: float = 600, cap_mb: int = 6000) -> Ended:
    return run(tree, ["-m", "qa", *args], env=env, timeout=timeout, cap_mb=cap_mb)
