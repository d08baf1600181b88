"""scripts/tui-smoke.sh: the real `dexbot run` TUI in tmux on the devnet, driven like a user would."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.chain, pytest.mark.slow]


def test_tui_trades_shows_its_panes_and_quits_cleanly(tmp_path: Path) -> None:
    if shutil.which("tmux") is None:
        if os.environ.get("CI"):
            pytest.fail("tmux missing in CI: make system-deps installs it")
        pytest.skip("tmux not installed (make system-deps installs it as root)")
    screen = tmp_path / "screen.txt"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEXBOT_")} | {
        "TUI_SMOKE_OUT": str(screen)
    }
    res = subprocess.run(
        [str(ROOT / "scripts" / "tui-smoke.sh")],
        capture_output=True,
        text=True,
        timeout=400,
        env=env,
        cwd=ROOT,
    )
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    text = screen.read_text()
    for pane in ("PAPER", "Positions", "Thoughts", "Breakers", "Market", "P&L"):
        assert pane in text, pane
    assert "ENTER" in text
