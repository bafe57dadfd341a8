"""Child processes of the tests run as CI runs them: only HOME, PATH and LANG in the environment.

A developer shell adds variables (PYTHONUNBUFFERED, PYTHONIOENCODING …) that hide bugs such as a broken pipe
at exit; a child that gets nothing else behaves as it does on a clean machine.
"""
from __future__ import annotations

import atexit
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOME = Path(tempfile.mkdtemp(prefix="assistant-test-home-"))
atexit.register(shutil.rmtree, HOME, ignore_errors=True)


def clean_env(**extra: str) -> dict[str, str]:
    """The environment `env -i HOME=… PATH=/usr/bin:/bin LANG=C.UTF-8` gives, plus `extra`."""
    return {"HOME": str(HOME), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", **extra}


def assistant(*args: str) -> list[str]:
    """The command line of `python -m assistant ARGS` with this interpreter (the test virtualenv)."""
    return [sys.executable, "-m", "assistant", *args]


def run_cli(*args: str, input: str | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """`python -m assistant ARGS` in a clean environment; text output captured."""
    return subprocess.run(assistant(*args), input=input, capture_output=True, text=True, timeout=timeout,
                          env=clean_env())


def bot_py(**env: str) -> tuple[list[str], dict[str, str]]:
    """The command line and clean environment (plus `env`) of `python bot.py`."""
    return [sys.executable, str(ROOT / "bot.py")], clean_env(**env)
