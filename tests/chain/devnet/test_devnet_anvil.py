"""The anvil launcher never leaves an anvil behind: not on a normal exit, not on Ctrl-C, not when the
process that started it is killed. And it explains itself when anvil is missing or dies at start-up."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Awaitable
from pathlib import Path

import pytest
import waits

from dexbot.chain.devnet import Devnet, load_deployment, start_devnet
from dexbot.chain.devnet import process as process_module
from dexbot.chain.devnet.anvil import Anvil
from dexbot.chain.devnet.jsonrpc import DevRpc
from dexbot.chain.devnet.process import resolve_anvil
from dexbot.core.config import DevnetConfig
from dexbot.core.errors import DevnetError

pytestmark = pytest.mark.chain

CHILD = """
import sys, time
from dexbot.chain.devnet.anvil import Anvil
with Anvil() as anvil:
    print(anvil.pid, flush=True)
    time.sleep(60)
"""


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting to be reaped counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def wait_gone(pid: int, timeout_s: float = 10.0) -> bool:
    return waits.gone(pid, timeout_s)


async def _at_least(n: Awaitable[int], floor: int) -> bool:
    return await n >= floor


def spawn_child() -> tuple[subprocess.Popen[str], int]:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    assert line.strip().isdigit(), f"child did not start anvil: {line!r}"
    return child, int(line)


def test_start_answers_and_stop_leaves_no_process() -> None:
    anvil = Anvil().start()
    pid = anvil.pid
    assert pid is not None
    assert alive(pid)
    assert anvil._probe()
    anvil.stop()
    assert not alive(pid)
    anvil.stop()  # idempotent


async def test_async_context_stops_anvil_on_cancellation() -> None:
    pids: list[int] = []
    started = asyncio.Event()

    async def run() -> None:
        async with Anvil() as anvil:
            assert anvil.pid is not None
            pids.append(anvil.pid)
            started.set()
            await asyncio.sleep(60)

    task = asyncio.create_task(run())
    await waits.within(started.wait(), "anvil started")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not alive(pids[0])


def test_ctrl_c_in_the_terminal_stops_anvil() -> None:
    child, anvil_pid = spawn_child()
    os.killpg(child.pid, signal.SIGINT)  # what a terminal does on Ctrl-C: signal the foreground group
    child.wait(waits.HANG_S)  # a fact (the child exited), with a hang limit for a loaded machine
    assert wait_gone(anvil_pid)


def test_killed_parent_takes_anvil_down() -> None:
    child, anvil_pid = spawn_child()
    child.kill()  # SIGKILL: no Python cleanup runs, only PR_SET_PDEATHSIG can stop anvil
    child.wait(waits.HANG_S)  # a fact (the child exited), with a hang limit for a loaded machine
    assert wait_gone(anvil_pid)


def test_missing_anvil_says_run_make_setup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(process_module, "find_anvil", lambda: None)
    with pytest.raises(DevnetError, match=r"anvil not found: run make setup"):
        resolve_anvil()
    with pytest.raises(DevnetError, match=r"devnet.anvil_path = '/nonexistent/anvil'"):
        resolve_anvil("/nonexistent/anvil")


def test_anvil_dying_at_start_reports_its_output(tmp_path: Path) -> None:
    fake = tmp_path / "anvil"
    fake.write_text("#!/bin/sh\necho 'error: something is badly wrong' >&2\nexit 3\n")
    fake.chmod(0o755)
    with pytest.raises(DevnetError, match=r"anvil exited with code 3.*something is badly wrong"):
        Anvil(anvil_path=str(fake)).start()


def test_a_taken_port_is_reported(tmp_path: Path) -> None:
    with Anvil() as first, pytest.raises(DevnetError, match="in use"):
        Anvil(port=first.port).start()


async def test_start_devnet_deploys_writes_json_runs_services_and_cleans_up(tmp_path: Path) -> None:
    seen: list[int] = []
    cancelled, ticked = asyncio.Event(), asyncio.Event()

    async def service(dn: Devnet) -> None:
        try:
            async with DevRpc(dn.rpc_url) as rpc:
                while True:  # a service of the devnet's own: it watches the head
                    seen.append(int(await rpc.call("eth_blockNumber"), 16))
                    if seen[-1] > seen[0]:
                        ticked.set()
                    await asyncio.sleep(0.1)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    cfg = DevnetConfig(block_time_s=1, tokens=2)
    async with start_devnet(cfg, tmp_path, services=[service]) as dn:
        assert load_deployment(tmp_path) == dn.deployment
        assert len(dn.deployment.tokens) == 2
        assert dn.pid is not None
        pid = dn.pid
        await waits.within(ticked.wait(), "the service seeing a block mined on the interval")
    assert cancelled.is_set()
    assert seen[-1] > seen[0]  # interval mining ticks on its own after setup
    assert not (tmp_path / "devnet.json").exists()
    assert not alive(pid)
    assert (tmp_path / "anvil.log").exists()


async def test_fractional_block_time_mines_on_an_interval_from_the_start(tmp_path: Path) -> None:
    cfg = DevnetConfig(block_time_s=0.5, tokens=1)
    async with start_devnet(cfg, tmp_path) as dn, DevRpc(dn.rpc_url) as rpc:
        first = int(await rpc.call("eth_blockNumber"), 16)

        async def head() -> int:
            return int(await rpc.call("eth_blockNumber"), 16)

        # nothing is sent: only interval mining can move the head (how fast is not for a test to time)
        await waits.observed(lambda: _at_least(head(), first + 2), "two blocks mined on the interval", 0.1)


def _genesis(url: str) -> str:
    import json
    import urllib.request

    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_getBlockByNumber", "params": ["0x0", False]})
    req = urllib.request.Request(url, body.encode(), {"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return str(json.load(resp)["result"]["hash"])


def test_two_devnets_started_in_the_same_second_have_different_genesis_hashes() -> None:
    """Anvil's genesis differs only by its timestamp (same chain id, same mnemonic): without a distinct
    timestamp two devnets started within one second would be one chain to the bot's state."""
    with Anvil() as first, Anvil() as second:
        assert first.chain_id == second.chain_id
        assert _genesis(first.rpc_url) != _genesis(second.rpc_url)
