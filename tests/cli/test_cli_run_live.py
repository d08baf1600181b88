"""`dexbot run --live`: two explicit opt-ins, and off the devnet a keystore, its password and a typed
chain name; every missing piece is one line on stderr and exit code 2, before any network access."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import waits

from dexbot.chain.devnet.accounts import dev_account
from dexbot.chain.wallet import create_keystore

PASSWORD = "correct horse battery"
# A custom chain at a closed local port: nothing here may reach a network.
REMOTE = """
[chain]
network = "custom"
chain_id = 31337
rpc_urls = ["http://127.0.0.1:9"]
[chain.custom]
weth = "0x4200000000000000000000000000000000000006"
v2_factory = "0x8909Dc15e40173Ff4699343b6eB8132c65e18eC6"
v2_router = "0x4752ba5DBc23f44D87826276BF6Fd6b1C372aD24"
[mode]
trading = "live"
max_trade_eth = 0.05
[metrics]
enabled = false
"""


def _run(
    cwd: Path, *args: str, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """The real entry point with stdin a pipe (never a terminal: no prompt can hang)."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("DEXBOT_")}
    full.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "dexbot.cli.main", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=full,
        timeout=120,
    )


def _one_line(err: str) -> str:
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1, err
    return lines[0]


def _remote(tmp_path: Path, extra: str = "") -> Path:
    (tmp_path / "config.toml").write_text(REMOTE + extra)
    return tmp_path


def _keystore(tmp_path: Path) -> str:
    return create_keystore(tmp_path / "data", PASSWORD, bytes(dev_account(12).key)).address


def test_live_flag_without_live_mode_in_the_config_exits_2(tmp_path: Path) -> None:
    res = _run(tmp_path, "run", "--live", "--no-ui")
    assert res.returncode == 2
    assert 'mode.trading = "live"' in _one_line(res.stderr)


def test_live_mode_without_the_flag_exits_2(tmp_path: Path) -> None:
    res = _run(_remote(tmp_path), "run", "--no-ui")
    assert res.returncode == 2
    assert "add --live" in _one_line(res.stderr)


def test_live_off_the_devnet_without_a_keystore_exits_2(tmp_path: Path) -> None:
    res = _run(_remote(tmp_path), "run", "--live", "--no-ui", "--yes")
    assert res.returncode == 2
    line = _one_line(res.stderr)
    assert "no keystore in" in line
    assert "dexbot wallet new" in line


def test_live_off_the_devnet_without_a_password_exits_2(tmp_path: Path) -> None:
    _keystore(_remote(tmp_path))
    res = _run(tmp_path, "run", "--live", "--no-ui", "--yes")
    assert res.returncode == 2
    line = _one_line(res.stderr)
    assert "needs the keystore password" in line
    assert "DEXBOT_KEYSTORE_PASSWORD" in line


def test_live_off_the_devnet_with_a_wrong_password_exits_2(tmp_path: Path) -> None:
    _keystore(_remote(tmp_path))
    res = _run(tmp_path, "run", "--live", "--no-ui", env={"DEXBOT_KEYSTORE_PASSWORD": "not the one"})
    assert res.returncode == 2
    assert "wrong password" in _one_line(res.stderr)


def test_live_off_the_devnet_needs_the_chain_name_typed_or_yes(tmp_path: Path) -> None:
    _keystore(_remote(tmp_path))
    env = {"DEXBOT_KEYSTORE_PASSWORD": PASSWORD}
    wrong = _run(tmp_path, "run", "--live", "--no-ui", env=env, stdin="base\n")
    assert wrong.returncode == 2
    assert "not confirmed (typed 'base')" in _one_line(wrong.stderr)
    silent = _run(tmp_path, "run", "--live", "--no-ui", env=env)
    assert silent.returncode == 2
    assert "--yes" in _one_line(silent.stderr)


def test_a_custom_chain_is_confirmed_by_its_configured_name(tmp_path: Path) -> None:
    _keystore(_remote(tmp_path))
    env = {"DEXBOT_KEYSTORE_PASSWORD": PASSWORD, "DEXBOT_CHAIN__CUSTOM__NAME": "localnet"}
    res = _run(tmp_path, "run", "--live", "--no-ui", env=env, stdin="custom\n")
    assert res.returncode == 2
    assert "Type the chain name (localnet)" in res.stdout
    assert "live trading on localnet not confirmed (typed 'custom')" in _one_line(res.stderr)


def test_live_opt_in_passes_with_the_typed_chain_name_and_the_engine_then_starts(tmp_path: Path) -> None:
    address = _keystore(_remote(tmp_path))
    env = {"DEXBOT_KEYSTORE_PASSWORD": PASSWORD}
    res = _run(tmp_path, "run", "--live", "--no-ui", env=env, stdin="custom\n")
    # Past the opt-in the engine opens the chain: the closed port is the first thing that fails.
    assert "Type the chain name (custom)" in res.stdout
    assert address in res.stdout
    assert res.returncode == 1, res.stderr
    assert "127.0.0.1:9" in res.stderr or "RPC" in res.stderr
    assert "keystore" not in res.stderr
    logs = "".join(p.read_text() for p in (tmp_path / "data").glob("*.log*"))
    assert PASSWORD not in res.stdout + res.stderr + logs


def test_live_needs_a_per_trade_cap_above_zero(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('[mode]\ntrading = "live"\nmax_trade_eth = 0\n')
    res = _run(tmp_path, "run", "--live", "--no-ui")
    assert res.returncode == 2
    assert "mode.max_trade_eth = 0" in _one_line(res.stderr)


DEVNET_LIVE = """
[mode]
trading = "live"
max_trade_eth = 0.1
[devnet]
block_time_s = 1
seed = 7
tokens = 4
[devnet.market]
swaps_per_s = 4.0
launch_every_s = 2.0
hostile_share = 0.0
rug_share = 0.0
[metrics]
enabled = false
"""


def _bought(lines: list[str]) -> list[dict] | None:
    """The JSON events printed, once one is a filled buy."""
    events = [json.loads(line) for line in lines if line.startswith("{")]
    return events if any(e["event"] == "TradeFilled" and e["side"] == "buy" for e in events) else None


@pytest.mark.chain
@pytest.mark.slow
def test_live_on_the_devnet_trades_with_real_transactions_from_a_dev_account(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(DEVNET_LIVE)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEXBOT_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "dexbot.cli.main", "run", "--live", "--no-ui", "--log-format", "json"],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        events = waits.Lines(proc).until(_bought, "a live buy")
        proc.send_signal(signal.SIGINT)
        rc = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert rc == 0, proc.stderr.read() if proc.stderr else ""
    fills = [e for e in events if e["event"] == "TradeFilled"]
    assert fills[0]["mode"] == "live"
    trades = _run(tmp_path, "trades", "--json")
    assert trades.returncode == 0, trades.stderr
    buys = [t for t in json.loads(trades.stdout) if t["side"] == "buy" and t["status"] == "filled"]
    assert buys
    assert all(t["mode"] == "live" and len(t["tx_hash"]) == 66 for t in buys)
    assert all(int(t["amount_in"]) <= 10**17 for t in buys)  # mode.max_trade_eth = 0.1
    thoughts = _run(tmp_path, "thoughts", "--json", "--limit", "500")
    texts = [t["reasoning"] for t in json.loads(thoughts.stdout)]
    assert any(f"Live trading from wallet {dev_account(1).address}" in t for t in texts)
