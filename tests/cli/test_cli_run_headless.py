"""`dexbot run --no-ui` on the embedded devnet with its synthetic market: a real process, real chain."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import waits

pytestmark = [pytest.mark.chain, pytest.mark.slow]

CONFIG = """
[devnet]
block_time_s = 1
seed = 7
tokens = 4
[devnet.market]
swaps_per_s = 6.0
launch_every_s = 2.0
hostile_share = 0.6
rug_share = 0.0
[metrics]
enabled = false
[log]
file = true
"""


def _anvils_of(parent: int) -> set[int]:
    """anvil processes whose parent is ``parent``."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            comm = stat[stat.index("(") + 1 : stat.rindex(")")]
            ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
            if comm == "anvil" and ppid == parent:
                found.add(int(entry.name))
    return found


def test_headless_run_trades_on_the_devnet_and_stops_cleanly(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(CONFIG)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEXBOT_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "dexbot.cli.main", "run", "--no-ui", "--log-format", "json"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        out = waits.Lines(proc)

        def entered_and_skipped(lines: list[str]) -> list[dict] | None:
            events = [json.loads(line) for line in lines if line.startswith("{")]
            thoughts = [e for e in events if e["event"] == "ThoughtRecorded"]
            enters = [t for t in thoughts if t["decision"] == "enter"]
            hostile = [t for t in thoughts if t["decision"] == "skip" and "hard block" in t["reasoning"]]
            return events if enters and hostile else None

        events = out.until(entered_and_skipped, "an entry and a hostile skip")
        thoughts = [e for e in events if e["event"] == "ThoughtRecorded"]
        anvils = _anvils_of(proc.pid)
        proc.send_signal(signal.SIGINT)
        rc = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert rc == 0, proc.stderr.read() if proc.stderr else ""
    assert any(t["decision"] == "enter" for t in thoughts)
    assert any(e["event"] == "TradeFilled" and e["side"] == "buy" for e in events)
    assert anvils, "the devnet's anvil should be a child of dexbot"
    assert all(waits.gone(pid) for pid in anvils), "anvil left running"
    trades = subprocess.run(
        [sys.executable, "-m", "dexbot.cli.main", "trades", "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert trades.returncode == 0, trades.stderr
    assert any(t["side"] == "buy" for t in json.loads(trades.stdout))
    assert (tmp_path / "data" / "dexbot.log").exists()
