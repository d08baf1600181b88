"""`dexbot devnet chaos` serves the fault proxy in front of a node: a client through it sees the injected
fault, Ctrl-C stops it with a count, and a bad fault spec or upstream is one line and exit 2."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import waits
from web3 import Web3

from dexbot.chain.devnet import Devnet

pytestmark = pytest.mark.chain


def _post(url: str, method: str) -> Any:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": []}).encode()
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.load(resp)


def _chaos(cwd: Path, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEXBOT_")}
    return subprocess.Popen(
        [sys.executable, "-m", "dexbot.cli.main", "devnet", "chaos", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_the_proxy_serves_the_injected_faults_and_stops_on_sigint(
    tmp_path: Path, chain: Devnet, w3: Web3
) -> None:
    proc = _chaos(
        tmp_path, "--upstream", chain.rpc_url, "--fault", "chain_id:7", "--fault", "http:429/eth_gasPrice"
    )
    try:
        lines = waits.Lines(proc)
        url = lines.wait_for(
            r"chaos proxy (http://127\.0\.0\.1:\d+) \(WebSocket ws://127\.0\.0\.1:\d+\) -> "
        )[1]
        assert _post(url, "eth_chainId")["result"] == hex(7)  # a node of another chain
        assert int(_post(url, "eth_blockNumber")["result"], 16) == w3.eth.block_number  # forwarded
        with pytest.raises(urllib.error.HTTPError) as refused:
            _post(url, "eth_gasPrice")
        assert refused.value.code == 429
        proc.send_signal(signal.SIGINT)
        assert proc.wait(waits.HANG_S) == 0
        assert "chaos proxy stopped after 3 requests" in lines.output_after_exit()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fault", "lag:five"], "--fault 'lag:five': 'five' is not a number"),
        (["--fault", "storm"], "--fault 'storm': expected kind"),
        (["--upstream", "ws://x", "--fault", "drop"], "--upstream 'ws://x': expected an http(s):// URL"),
    ],
)
def test_a_bad_fault_or_upstream_is_one_line_and_exit_2(
    tmp_path: Path, args: list[str], message: str
) -> None:
    proc = _chaos(tmp_path, *args)
    stdout, stderr = proc.communicate(timeout=waits.HANG_S)
    assert proc.returncode == 2
    assert stderr.strip().startswith(f"error: {message}")
    assert len(stderr.strip().splitlines()) == 1
    assert stdout == ""


def test_without_a_devnet_it_says_how_to_start_one(tmp_path: Path) -> None:
    proc = _chaos(tmp_path)
    _, stderr = proc.communicate(timeout=waits.HANG_S)
    assert proc.returncode == 1
    assert "dexbot devnet up" in stderr
