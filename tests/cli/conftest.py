from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # helper modules beside the tests (store_rows)

CliRun = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def cli(tmp_path: Path) -> CliRun:
    """Run the real `dexbot` entry point in a subprocess, in a temporary working directory."""

    def run(
        *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("DEXBOT_")}
        full_env.update(env or {})
        return subprocess.run(
            [sys.executable, "-m", "dexbot.cli.main", *args],
            capture_output=True,
            text=True,
            cwd=cwd or tmp_path,
            env=full_env,
            timeout=120,
        )

    return run


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The count of fuzz examples run, for the closing note of a fuzzing change."""
    from .fuzzing import EXAMPLES, summary

    if EXAMPLES:
        terminalreporter.write_line(summary())
