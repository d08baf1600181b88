"""`dexbot devnet up` and `dexbot devnet info` as real processes: the devnet another process can find,
a market that trades, and a stop on SIGINT/SIGTERM that leaves no anvil and no devnet.json behind."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import waits

from dexbot.chain.devnet import Deployment

CliRun = Callable[..., subprocess.CompletedProcess[str]]
NOT_RUNNING = "no devnet running: start one with `dexbot devnet up`"
ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
CONTRACTS = ("weth", "usdc", "usdc_v2_pair", "usdc_v3_pool", "v2_factory", "v2_router", "v3_factory")
CONTRACTS += ("v3_swap_router", "v3_quoter", "v3_position_manager", "multicall3", "deployer")


@contextmanager
def devnet_up(cwd: Path, *args: str, env: dict[str, str] | None = None) -> Iterator[waits.Lines]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("DEXBOT_")} | (env or {})
    proc = subprocess.Popen(
        [sys.executable, "-m", "dexbot.cli.main", "devnet", "up", *args],
        cwd=cwd,
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield waits.Lines(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def rpc(url: str, method: str, *params: Any) -> Any:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}).encode()
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.load(resp)["result"]


def transactions_since(url: str, first_block: int) -> int:
    latest = int(rpc(url, "eth_blockNumber"), 16)
    return sum(
        len(rpc(url, "eth_getBlockByNumber", hex(n), False)["transactions"])
        for n in range(first_block, latest + 1)
    )


@pytest.mark.chain
def test_devnet_up_serves_its_addresses_trades_and_stops_on_sigint(tmp_path: Path, cli: CliRun) -> None:
    market = {"DEXBOT_DEVNET__MARKET__SWAPS_PER_S": "10", "DEXBOT_DEVNET__MARKET__TRADERS": "3"}
    with devnet_up(tmp_path, "--block-time", "1", "--seed", "7", env=market) as up:
        url = up.wait_for(r"RPC (http://127\.0\.0\.1:\d+) · chain id 31337")[1]
        anvil_pid = int(up.wait_for(r"anvil pid\s*│\s*(\d+)")[1])
        printed = set(ADDRESS.findall("".join(up.lines)))

        info = cli("devnet", "info", "--json")
        assert info.returncode == 0, info.stderr
        shown = json.loads(info.stdout)
        assert shown["rpc_url"] == url
        assert shown["chain_id"] == 31337
        assert {shown[name] for name in CONTRACTS} <= printed
        assert {t["address"] for t in shown["tokens"]} <= printed
        deployed_at = shown["block_number"]

        up.wait_for(r"swaps [1-9]\d* ok")
        up.until(  # the market keeps trading after info: looked at on each status line it prints
            lambda _: True if transactions_since(url, deployed_at + 1) >= 10 else None,
            "10 market transactions after `devnet info`",
        )

        up.proc.send_signal(signal.SIGINT)
        assert up.proc.wait(20) == 0
        assert up.output_after_exit().endswith("devnet stopped\n")
    assert waits.gone(anvil_pid)
    assert not (tmp_path / "data" / "devnet.json").exists()


@pytest.mark.chain
def test_devnet_up_without_market_stops_on_sigterm(tmp_path: Path) -> None:
    with devnet_up(tmp_path, "--no-market", "--block-time", "0", "--seed", "3") as up:
        anvil_pid = int(up.wait_for(r"anvil pid\s*│\s*(\d+)")[1])
        up.wait_for(r"market\s*│\s*off")
        assert (tmp_path / "data" / "devnet.json").exists()
        up.proc.send_signal(signal.SIGTERM)
        assert up.proc.wait(20) == 0
    assert waits.gone(anvil_pid)
    assert not (tmp_path / "data" / "devnet.json").exists()


def test_devnet_info_without_a_devnet_says_how_to_start_one(cli: CliRun) -> None:
    res = cli("devnet", "info")
    assert res.returncode == 1
    assert res.stderr == NOT_RUNNING + "\n"
    assert res.stdout == ""


def test_devnet_info_with_a_stale_file_reports_nothing_running(tmp_path: Path, cli: CliRun) -> None:
    dead = "http://127.0.0.1:9"  # discard port: nothing serves JSON-RPC there
    zero = "0x" + "11" * 20
    fields = dict.fromkeys(CONTRACTS, zero)
    Deployment(chain_id=31337, rpc_url=dead, **fields).write(tmp_path / "data")
    res = cli("devnet", "info", "--json")
    assert res.returncode == 1
    assert res.stderr.startswith(NOT_RUNNING)
    assert "stale" in res.stderr
    assert res.stderr.count("\n") == 1


def test_the_cli_looks_for_the_file_the_devnet_writes() -> None:
    from dexbot.chain.devnet import DEPLOYMENT_FILE
    from dexbot.cli import devnet_cmd

    assert devnet_cmd.DEPLOYMENT_FILE == DEPLOYMENT_FILE


@pytest.mark.chain
def test_devnet_up_reports_an_unanswering_anvil_and_ends_when_it_is_gone(tmp_path: Path) -> None:
    with devnet_up(tmp_path, "--no-market", "--block-time", "1", "--seed", "5") as up:
        anvil_pid = int(up.wait_for(r"anvil pid\s*│\s*(\d+)")[1])
        up.wait_for(r"^block \d+ · market off")
        os.kill(anvil_pid, signal.SIGSTOP)  # the node hangs: the status line says so, the command lives
        try:
            up.wait_for(r"anvil at http://127\.0\.0\.1:\d+ is not answering")
        finally:
            os.kill(anvil_pid, signal.SIGCONT)
        up.drain().clear()  # only what it prints from now on
        up.wait_for(r"^block \d+ · market off")  # answering again: back to the block line
        os.kill(anvil_pid, signal.SIGKILL)  # the node is gone: one clear line, non-zero exit
        assert up.proc.wait(30) != 0
        assert up.proc.stderr is not None
        stderr = up.proc.stderr.read()
    assert f"anvil (pid {anvil_pid}) has exited" in stderr
    assert "Traceback" not in stderr
    assert not (tmp_path / "data" / "devnet.json").exists()
