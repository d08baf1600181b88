"""Text logs written to a file or a pipe are one line per record (rich wrapped them at 80 columns there,
splitting a thought or an error over several lines that grep then misses); secrets are scrubbed there too."""

from __future__ import annotations

import io
import logging

import pytest

from dexbot.core.logsetup import register_secret, setup_logging


def test_piped_text_logs_are_one_line_per_record(monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    monkeypatch.setattr("sys.stdout", out)
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    setup_logging("INFO", "text", None, file=False)
    try:
        register_secret("hunter2-secret-password")
        long = "Entering CATTO: " + "the simulated round trip works; " * 12
        logging.getLogger("dexbot.engine").info("%s hunter2-secret-password", long)
        logging.getLogger("dexbot.engine").warning("second")
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    assert lines[0].endswith(f"INFO    {long} ***")
    assert lines[1].endswith("WARNING second")
