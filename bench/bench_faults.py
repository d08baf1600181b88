"""`python -m bench faults`: every fault drill, in paper and in live mode, on a fresh devnet behind chaos
proxies; prints the fault × expected × observed table (the one in the README) and fails if a row does."""

from __future__ import annotations

import asyncio
import dataclasses
import tempfile
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from dexbot.chain.devnet import start_devnet
from dexbot.chain.devnet.jsonrpc import DevRpc
from dexbot.chain.identity import read_genesis
from dexbot.chain.rpc import RpcClient
from dexbot.core.config import DevnetConfig
from dexbot.engine.drills.catalogue import DRILLS, Row, run_drill
from dexbot.engine.drills.rig import Node

MODES = ("paper", "live")


async def _drive(tmp: Path) -> list[tuple[str, Row]]:
    rows = []
    cfg = DevnetConfig.model_validate({"block_time_s": 0, "market": {"enabled": False}})
    async with start_devnet(cfg, tmp / "devnet") as dn, DevRpc(dn.rpc_url) as rpc:
        async with RpcClient([dn.rpc_url]) as client:
            node = Node(dn.rpc_url, dn.deployment, await read_genesis(client))
        for drill in DRILLS:
            for mode in MODES if drill.mode == "paper" or drill.paper_too else (drill.mode,):
                snapshot = await rpc.call("evm_snapshot")
                try:
                    rows.append((mode, await run_drill(dataclasses.replace(drill, mode=mode), node)))
                finally:
                    await rpc.call("evm_revert", snapshot)
                    await rpc.call("anvil_dropAllTransactions")  # the pool outlives a revert
                    await rpc.call("evm_setAutomine", True)
    return rows


def markdown(rows: list[tuple[str, Row]]) -> str:
    lines = ["| fault | mode | expected | observed | result |", "|---|---|---|---|---|"]
    for mode, r in rows:
        cells = (r.fault, mode, r.expected, r.observed, "pass" if r.passed else "**FAIL**")
        lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
    return "\n".join(lines)


def run() -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="bench-faults-") as tmp:
        rows = asyncio.run(_drive(Path(tmp)))
    table = Table(title="fault drills: the engine on the devnet behind chaos proxies")
    for col in ("fault", "mode", "expected", "observed", "result"):
        table.add_column(col, overflow="fold")
    for mode, r in rows:
        table.add_row(r.fault, mode, r.expected, r.observed, "[green]pass[/]" if r.passed else "[red]FAIL[/]")
    Console(width=160).print(table)
    print(markdown(rows))
    failed = [f"{r.name}/{mode}" for mode, r in rows if not r.passed]
    if failed:
        raise AssertionError(f"fault drills failed: {', '.join(failed)}")
    return [
        {
            "name": f"fault {r.name} ({mode})",
            "value": "pass",
            "unit": "",
            "goal": r.expected[:40],
            "met": True,
        }
        for mode, r in rows
    ]
