"""`dexbot run --no-ui` on a remote chain, the way a Base or Ethereum user runs it: a devnet started on
its own (`dexbot devnet up`, market launching pairs) stands in for the chain, and the bot only knows it
from config.toml as ``network = "custom"`` with its addresses in ``[chain.custom]``. Everything is a real
process: the devnet, the bot, and the read commands run against the same config file afterwards."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import waits
from custom_chain import custom_toml  # tests/custom_chain.py
from eth_abi import decode, encode

from dexbot.chain.abi import selector
from dexbot.chain.devnet.deployment import Deployment, load_deployment

MARKET = {
    "DEXBOT_DEVNET__MARKET__LAUNCH_EVERY_S": "2",
    "DEXBOT_DEVNET__MARKET__SWAPS_PER_S": "4",
    "DEXBOT_DEVNET__MARKET__TRADERS": "4",
    "DEXBOT_DEVNET__MARKET__HOSTILE_SHARE": "0.6",
    "DEXBOT_DEVNET__MARKET__RUG_SHARE": "0",
    # the test checks each buy against the router's quote at the buy's block after the run: keep them all
    "DEXBOT_DEVNET__HISTORY_BLOCKS": "0",
}
LAUNCH = re.compile(r"launch (\S+) \((\w+)\) on V2(?: \+ V3)? (0x[0-9a-fA-F]{40})")
GET_AMOUNTS_OUT = selector("getAmountsOut(uint256,address[])")
RUN_WITHIN_S = 90
Json = dict[str, Any]


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("DEXBOT_")} | (extra or {})


@contextmanager
def _process(args: list[str], cwd: Path, env: dict[str, str]) -> Iterator[waits.Lines]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "dexbot.cli.main", *args],
        cwd=cwd,
        env=env,
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


def _children(pid: int) -> dict[int, str]:
    """Every process below ``pid`` (pid → command name)."""
    parents: dict[int, tuple[int, str]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            comm = stat[stat.index("(") + 1 : stat.rindex(")")]
            parents[int(entry.name)] = (int(stat[stat.rindex(")") + 2 :].split()[1]), comm)
    found: dict[int, str] = {}
    frontier = {pid}
    while frontier:
        frontier = {p for p, (ppid, _) in parents.items() if ppid in frontier and p not in found}
        found.update({p: parents[p][1] for p in frontier})
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _rpc(url: str, method: str, *params: Any) -> Any:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}).encode()
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.load(resp)["result"]


def _router_quote(dep: Deployment, url: str, amount_in: int, token: str, block: int) -> int:
    """What the chain's own Router02 says ``amount_in`` WETH buys at ``block``."""
    data = GET_AMOUNTS_OUT + encode(["uint256", "address[]"], [amount_in, [dep.weth, token]])
    out = _rpc(url, "eth_call", {"to": dep.v2_router, "data": "0x" + data.hex()}, hex(block))
    (amounts,) = decode(["uint256[]"], bytes.fromhex(out[2:]))
    return int(amounts[-1])


def _config(dep: Deployment, url: str) -> str:
    return custom_toml(dep, [url], chain_keys="block_time_s = 1\n") + (
        '[metrics]\nenabled = true\nport = 0\n[log]\nfile = true\n[instance]\nname = "remote-1"\n'
    )


def _metrics(url: str) -> dict[str, float]:
    """``name{labels}`` → value of every sample on the metrics page."""
    with urllib.request.urlopen(url, timeout=10) as resp:
        text = resp.read().decode()
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.rpartition(" ")
            samples[key] = float(value)
    return samples


def _events(lines: list[str]) -> list[dict[str, Any]]:
    return [json.loads(x) for x in lines if x.startswith("{")]


def _of(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [e for e in events if e.get("event") == kind]


def _thoughts(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return _of(events, "ThoughtRecorded")


def _launched(lines: list[str]) -> dict[str, str]:
    """Token address → kind (plain, honeypot, tax, …) of every launch `devnet up` announced."""
    return {m[3]: m[2] for line in lines if (m := LAUNCH.search(line))}


def _cli(cwd: Path, *args: str) -> Any:
    res = subprocess.run(
        [sys.executable, "-m", "dexbot.cli.main", *args, "--json"],
        cwd=cwd,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 0, f"{args}: {res.stderr}"
    return json.loads(res.stdout)


@pytest.mark.chain
@pytest.mark.slow
def test_the_engine_trades_a_remote_chain_described_only_by_config(tmp_path: Path) -> None:
    chain_dir, bot = tmp_path / "chain", tmp_path / "bot"
    chain_dir.mkdir()
    bot.mkdir()
    up_args = ["devnet", "up", "--block-time", "1", "--seed", "7"]
    with _process(up_args, chain_dir, _env(MARKET)) as up:
        url = up.wait_for(r"RPC (http://127\.0\.0\.1:\d+) · chain id 31337")[1]
        chain_anvil = int(up.wait_for(r"anvil pid\s*│\s*(\d+)")[1])
        dep = load_deployment(chain_dir / "data")
        (bot / "config.toml").write_text(_config(dep, url))
        started_at = int(_rpc(url, "eth_blockNumber"), 16)

        with _process(["run", "--no-ui", "--log-format", "json"], bot, _env()) as run:

            def bought_and_skipped(
                lines: list[str],
            ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]] | None:
                """(events, hostile skips) once the bot has bought and skipped a hostile launch."""
                launched = _launched(up.drain())
                events = _events(lines)
                hostile = [
                    t
                    for t in _thoughts(events)
                    if t["decision"] == "skip"
                    and "hard block" in t["reasoning"]
                    and launched.get(t["token"], "plain") != "plain"
                ]
                if _of(events, "TradeFilled") and hostile and _of(events, "PortfolioUpdated"):
                    return events, hostile
                return None

            events, hostile = run.until(bought_and_skipped, "a buy and a hostile skip", RUN_WITHIN_S)
            below = _children(run.proc.pid)
            metrics_url = next(
                m[1] for e in events if (m := re.search(r"metrics on (\S+/metrics)", e.get("msg", "")))
            )
            metrics = _metrics(metrics_url)
            run.proc.send_signal(signal.SIGINT)
            rc = run.proc.wait(30)
            assert rc == 0, run.proc.stderr.read() if run.proc.stderr else ""
            events = _events(run.drain())
        head = int(_rpc(url, "eth_blockNumber"), 16)
        assert all(waits.gone(pid) for pid in below), f"left running: {below}"

        # Connected to the configured endpoint, not to an anvil of its own.
        assert "anvil" not in below.values(), below
        assert not (bot / "data" / "devnet.json").exists()
        assert _alive(chain_anvil)
        (info,) = [k for k, v in metrics.items() if k.startswith("dexbot_engine_info{") and v == 1.0]
        assert 'chain="localnet"' in info
        assert 'mode="paper"' in info
        assert 'instance_name="remote-1"' in info  # the instance whose rows it keeps
        served = [v for k, v in metrics.items() if k.startswith('dexbot_rpc_requests_total{endpoint="0"')]
        assert sum(served) > 10
        usd = [e["eth_usd_e6"] for e in _of(events, "PortfolioUpdated")]
        assert usd
        assert all(int(x) > 0 for x in usd)  # the configured USDC's V2 pair prices WETH in USD
        assert metrics["dexbot_weth_price_usd"] > 0
        assert [e["state"] for e in _of(events, "EngineStateChanged")] == ["running", "stopped"]

        # What it judged are the pairs the market launched while it ran, each with its reasons.
        launched = _launched(up.drain())
        thoughts = _thoughts(events)
        judged = {t["token"] for t in thoughts}
        assert judged <= set(launched), judged - set(launched)
        assert len(judged) >= 2
        assert all(started_at <= t["block_number"] <= head for t in thoughts)

        # Every paper buy is the chain's own router quote at its block, to the wei.
        trades = _cli(bot, "trades")
        buys = [t for t in trades if t["side"] == "buy"]
        assert {t["token"] for t in buys} == {
            e["token"] for e in _of(events, "TradeFilled") if e["side"] == "buy"
        }
        exact = 0
        for t in buys:
            assert t["dex"] == "uniswap_v2"  # every launch has a V2 pair, which entries prefer
            assert int(t["amount_out"]) == int(t["quoted_out"])
            enter = next(x for x in thoughts if x["decision"] == "enter" and x["token"] == t["token"])
            if "buy tax 0%" in enter["reasoning"]:
                onchain = _router_quote(dep, url, int(t["amount_in"]), t["token"], t["block_number"])
                assert int(t["amount_out"]) == onchain
                exact += 1
        assert exact >= 1

        # The read commands answer from the same config file.
        positions = _cli(bot, "positions")
        sold = {t["token"] for t in trades if t["side"] == "sell"}
        assert {p["token"] for p in positions} == {t["token"] for t in buys} - sold
        by_token = {t["token"]: t for t in buys}
        assert all(int(p["size"]) == int(by_token[p["token"]]["amount_out"]) for p in positions)
        (account,) = _cli(bot, "pnl")
        assert account["chain_id"] == 31337
        assert account["trades"] == len(trades)
        assert account["open_positions"] == len(positions)
        stored = _cli(bot, "thoughts")
        assert {t["token"] for t in stored if t["token"]} == judged
        assert all(t["reasoning"] for t in stored)
        assert all(t["factors"] for t in stored if t["risk_score"] is not None)

        # Token check and quote against the remote chain.
        bought = buys[0]["token"]
        assert _cli(bot, "token", "check", bought)["verdict"] in ("ok", "risky")
        assert _cli(bot, "token", "check", hostile[0]["token"])["verdict"] == "blocked"
        quote = _cli(bot, "quote", "WETH", bought, "0.1")
        assert quote["chain_id"] == 31337
        if quote["dex"] == "uniswap_v2":
            onchain = _router_quote(dep, url, 10**17, bought, quote["block_number"])
            assert int(quote["amount_out"]) == onchain

        # A restart resumes the open positions from the remote chain and stops on SIGTERM.
        with _process(["run", "--no-ui", "--log-format", "json"], bot, _env()) as again:
            first = json.loads(again.wait_for(r'^\{"event": "PortfolioUpdated".*')[0])
            assert int(first["open_positions"]) >= len(positions)
            below = _children(again.proc.pid)
            again.proc.send_signal(signal.SIGTERM)
            assert again.proc.wait(30) == 0, again.proc.stderr.read() if again.proc.stderr else ""
        assert all(waits.gone(pid) for pid in below)
        assert "anvil" not in below.values()

        up.proc.send_signal(signal.SIGTERM)
        assert up.proc.wait(20) == 0
    assert waits.gone(chain_anvil)


@contextmanager
def _redirecting_endpoint() -> Iterator[str]:
    """An HTTP endpoint that redirects every request to itself (aiohttp then names the whole URL)."""

    class Loop(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.send_response(307)
            self.send_header("Location", self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Loop)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("command", [["run", "--no-ui"], ["quote", "ETH", "USDC", "1"]])
def test_an_rpc_url_with_an_api_key_stays_out_of_the_error_line_and_the_log(
    tmp_path: Path, command: list[str]
) -> None:
    key = "k3y-0f-the-rpc-provider"
    custom = {"weth": "0x" + "11" * 20, "usdc": "0x" + "44" * 20}
    custom |= {"v2_factory": "0x" + "22" * 20, "v2_router": "0x" + "33" * 20}
    table = "".join(f'{k} = "{v}"\n' for k, v in custom.items())
    with _redirecting_endpoint() as host:
        (tmp_path / "config.toml").write_text(
            f'[chain]\nnetwork = "custom"\nchain_id = 8453\nrpc_urls = ["{host}/v2/{key}"]\n'
            f"request_timeout_s = 2\n[chain.custom]\n{table}[metrics]\nenabled = false\n"
        )
        res = subprocess.run(
            [sys.executable, "-m", "dexbot.cli.main", *command],
            cwd=tmp_path,
            env=_env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert res.returncode == 1
    (line,) = res.stderr.strip().splitlines()
    assert line.startswith(f"error: no RPC endpoint answered eth_chainId: #0 {host}: TooManyRedirects")
    logs = "".join(p.read_text() for p in (tmp_path / "data").glob("*.log*"))
    assert key not in res.stdout + res.stderr + logs
