"""Engine latency on the devnet: from a PairCreated log to a fully assessed, sized (paper) order, and a
full Smart-Lane token check. The baseline is one JSON-RPC round trip measured in the same run."""

from __future__ import annotations

import asyncio
import dataclasses
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from dexbot.chain.devnet import TokenKind, TokenSpec, launch_tokens
from dexbot.chain.devnet.jsonrpc import DevRpc
from dexbot.chain.runtime import open_chain
from dexbot.core.config import parse_config
from dexbot.engine.api.intel import policy
from dexbot.engine.engine import EngineService
from dexbot.engine.risk.assess import RiskAssessor
from dexbot.store.db import open_database

ETH = 10**18
TOKENS = 24
KINDS: tuple[TokenKind, ...] = (
    "plain",
    "plain",
    "tax",
    "honeypot",
    "blacklist",
    "plain",
    "limits",
    "mint_rug",
)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _spec(i: int) -> TokenSpec:
    kind = KINDS[i % len(KINDS)]
    spec = TokenSpec(f"Bench {i}", f"B{i:02d}", 10**6 * ETH, 400_000 * ETH, 25 * ETH, kind=kind, v3=False)
    if kind == "tax":
        return dataclasses.replace(spec, buy_tax_bps=300, sell_tax_bps=500)
    if kind == "limits":
        return dataclasses.replace(spec, max_tx=2_000 * ETH, max_wallet=20_000 * ETH)
    return spec


async def _measure(tmp: Path) -> dict[str, list[float]]:
    cfg = parse_config(
        {
            "devnet": {"block_time_s": 0, "tokens": 0, "market": {"enabled": False}},
            "store": {"data_dir": str(tmp)},
            "metrics": {"enabled": False},
            "intel": {"level": 10},  # room for many positions: every good launch is entered
        },
        source=str(tmp / "config.toml"),
    )
    db = open_database(cfg.database_url)
    async with open_chain(cfg) as rt:
        assert rt.deployment is not None
        svc = EngineService(cfg, rt, db)
        task = asyncio.create_task(svc.run())
        while svc.state != "running":
            await asyncio.sleep(0.01)
        tokens = []
        async with DevRpc(rt.client.endpoints[0].url) as rpc:
            for i in range(TOKENS):
                seen = len(svc.launch_to_decision_ms)
                await rpc.call("evm_setAutomine", False)
                (tok,) = await launch_tokens(rpc, rt.deployment, [_spec(i)], mine=True)
                await rpc.call("evm_setAutomine", True)
                tokens.append(tok)
                deadline = time.monotonic() + 20
                while len(svc.launch_to_decision_ms) == seen and time.monotonic() < deadline:
                    await asyncio.sleep(0.002)
        decisions = list(svc.launch_to_decision_ms)
        stages = {k: sorted(v)[len(v) // 2] for k, v in svc.stage_ms.items() if v}
        print("engine stage p50 ms:", {k: round(v, 2) for k, v in stages.items()})
        print("decision p50 ms:", round(sorted(svc.decision_ms)[len(svc.decision_ms) // 2], 2))
        await svc.stop()
        await task
        assessor = RiskAssessor(rt.client, rt.addrs, cfg.risk, block_time_s=1.0)
        block = await rt.client.block_number()
        checks, rtts = [], []
        for _ in range(3):
            for tok in tokens:
                t0 = time.perf_counter()
                await assessor.assess(
                    tok.address, policy=policy(5), size_wei=ETH // 2, block=block, use_cache=False
                )
                checks.append((time.perf_counter() - t0) * 1000)
        for _ in range(200):
            t0 = time.perf_counter()
            await rt.client.request("eth_blockNumber", [])
            rtts.append((time.perf_counter() - t0) * 1000)
    return {"decision": decisions, "check": checks, "rtt": rtts}


def run() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        m = asyncio.run(_measure(Path(tmp)))
    rtt = statistics.median(m["rtt"])
    out = []
    for name, values, q, goal in (
        ("engine_launch_to_decision_p50", m["decision"], 0.5, 25.0),
        ("engine_launch_to_decision_p99", m["decision"], 0.99, 100.0),
        ("token_check_smart_p50", m["check"], 0.5, 10.0),
        ("token_check_smart_p99", m["check"], 0.99, None),
    ):
        value = _pct(values, q) if values else float("nan")
        out.append(
            {
                "name": name,
                "value": round(value, 3),
                "unit": "ms",
                "baseline": round(rtt, 3),
                "ratio": round(value / rtt, 2) if rtt else None,
                "goal": f"<= {goal} ms (baseline: one JSON-RPC round trip)" if goal else "report",
                "met": (value <= goal) if goal else None,
                "samples": len(values),
            }
        )
    return out
