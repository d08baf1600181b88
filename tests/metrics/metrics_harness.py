"""Shared by the metrics tests (the conftest puts this folder on sys.path): HTTP and exposition-parsing
helpers, token launches and a whale buy on the devnet, and finding a non-loopback address."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import waits
from eth_abi import encode
from prometheus_client.parser import text_string_to_metric_families
from sqlmodel import Session, select

from dexbot.chain.abi import selector
from dexbot.chain.devnet import Devnet, DevToken, TokenSpec, launch_tokens
from dexbot.chain.devnet.jsonrpc import DevRpc
from dexbot.engine.engine import EngineService
from dexbot.engine.host.engine_host import EngineHost
from dexbot.engine.telemetry import Telemetry

ETH = 10**18
DEADLINE = 2**40
BUY = "swapExactETHForTokensSupportingFeeOnTransferTokens(uint256,address[],address,uint256)"

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@dataclass
class Running:
    host: EngineHost
    svc: EngineService
    telemetry: Telemetry
    devnet: Devnet

    @property
    def url(self) -> str:
        return self.telemetry.url


async def http_get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as s, s.get(url) as resp:
        return resp.status, await resp.text()


async def scrape(url: str) -> Samples:
    status, body = await http_get(url + "/metrics")
    assert status == 200
    return parse(body)


def parse(body: str) -> Samples:
    out: Samples = {}
    for family in text_string_to_metric_families(body):
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def value(samples: Samples, name: str, /, **labels: str) -> float:
    key = (name, frozenset(labels.items()))
    assert key in samples, f"no series {name}{labels}; have {sorted(k for k in samples if k[0] == name)}"
    return samples[key]


def series(samples: Samples, name: str) -> dict[frozenset[tuple[str, str]], float]:
    return {labels: v for (n, labels), v in samples.items() if n == name}


def spec(symbol: str, kind: str = "plain", **kw: int) -> TokenSpec:
    return TokenSpec(
        f"{symbol} token", symbol, 10**6 * ETH, 400_000 * ETH, 20 * ETH, kind=kind, v3=False, **kw
    )  # type: ignore[arg-type]


async def launch(dn: Devnet, *specs: TokenSpec) -> list[DevToken]:
    """Launch in ONE block, so the engine never sees a half-configured token."""
    async with DevRpc(dn.rpc_url) as rpc:
        await rpc.call("evm_setAutomine", False)
        try:
            return await launch_tokens(rpc, dn.deployment, list(specs), mine=True)
        finally:
            await rpc.call("evm_setAutomine", True)


async def whale_buy(dn: Devnet, token: str, wei: int) -> None:
    dep = dn.deployment
    whale = dn.accounts[7]
    data = selector(BUY) + encode(
        ["uint256", "address[]", "address", "uint256"], [0, [dep.weth, token], whale, DEADLINE]
    )
    tx = {
        "from": whale,
        "to": dep.v2_router,
        "data": "0x" + data.hex(),
        "value": hex(wei),
        "gas": hex(3_000_000),
    }
    async with DevRpc(dn.rpc_url) as rpc:
        tx_hash = await rpc.call("eth_sendTransaction", tx)
        await waits.observed(
            lambda: rpc.call("eth_getTransactionReceipt", tx_hash), f"a receipt for {tx_hash}", 0.01
        )


def non_loopback_ipv4() -> str | None:
    """An IPv4 address of this machine outside 127.0.0.0/8, or None if it has none."""
    found: list[str] = []
    if shutil.which("ip"):
        out = subprocess.run(["ip", "-4", "-o", "addr", "show"], capture_output=True, text=True, check=False)
        for line in out.stdout.splitlines():
            parts = line.split()
            if "inet" in parts:
                addr = parts[parts.index("inet") + 1].split("/")[0]
                if not addr.startswith("127."):
                    found.append(addr)
    if not found:
        with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outbound interface
            addr = s.getsockname()[0]
            if not addr.startswith("127.") and addr != "0.0.0.0":
                found.append(addr)
    return found[0] if found else None


def connect(addr: str, port: int) -> None:
    """Open and close a TCP connection (raises ConnectionRefusedError when nothing listens there)."""
    with socket.create_connection((addr, port), timeout=3):
        pass


def count_rows(db: Any, model: Any) -> int:
    with Session(db) as s:
        return len(s.exec(select(model)).all())


DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
DASHBOARD = DEPLOY / "grafana" / "dexbot-dashboard.json"


def dashboard_queries() -> list[tuple[str, str]]:
    """(panel title, PromQL) for every query in the Grafana dashboard, variables' queries included."""
    dash = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    out: list[tuple[str, str]] = []

    def walk(panels: list[dict[str, Any]]) -> None:
        for p in panels:
            out.extend((p["title"], t["expr"]) for t in p.get("targets", []) if t.get("expr"))
            walk(p.get("panels", []))

    walk(dash["panels"])
    for var in dash.get("templating", {}).get("list", []):
        q = var.get("query")
        if var.get("type") == "query":
            out.append((f"${var['name']}", q["query"] if isinstance(q, dict) else q))
    return out


def grafana_to_promql(expr: str) -> str:
    """What Grafana sends for a dashboard query: its variables replaced by concrete values, and its
    ``label_values(selector, label)`` (answered from the series API) as the equivalent PromQL."""
    expr = re.sub(r"^label_values\((.+),\s*(\w+)\)$", r"group by (\2) (\1)", expr.strip())
    return (
        expr.replace("$__rate_interval", "1m")
        .replace("$__range", "5m")
        .replace("$__interval", "15s")
        .replace('"$instance"', '".*"')
    )
