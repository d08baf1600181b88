"""Engine test fixtures: an RpcClient on the devnet, a transaction sender that waits for the receipt, and
a running engine on the session devnet (``engine``; parametrize it indirectly with config overrides)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import waits
from eth_abi import encode

from dexbot.chain.abi import selector
from dexbot.chain.devnet import Devnet
from dexbot.chain.rpc import RpcClient
from dexbot.chain.runtime import from_deployment
from dexbot.core.config import parse_config
from dexbot.engine.engine import EngineService
from dexbot.store.db import open_database

SendTx = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
async def client(chain: Devnet) -> AsyncIterator[RpcClient]:
    c = await RpcClient.connect([chain.rpc_url], chain_id=chain.deployment.chain_id)
    yield c
    await c.close()


def calldata(signature: str, *args: Any) -> str:
    types = signature[signature.index("(") :]
    inner = _split_types(types[1:-1])
    return "0x" + (selector(signature) + encode(inner, list(args))).hex()


def _split_types(s: str) -> list[str]:
    out, depth, cur = [], 0, ""
    for ch in s:
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
            continue
        depth += ch == "("
        depth -= ch == ")"
        cur += ch
    if cur:
        out.append(cur)
    return out


@pytest.fixture
def send_tx(client: RpcClient) -> SendTx:
    """``await send_tx(frm, to, signature, *args, value=0)``: mined receipt (automine answers first)."""

    async def run(frm: str, to: str, signature: str, *args: Any, value: int = 0) -> dict[str, Any]:
        tx = {
            "from": frm,
            "to": to,
            "data": calldata(signature, *args),
            "value": hex(value),
            "gas": hex(3_000_000),
        }
        tx_hash = await client.request("eth_sendTransaction", [tx])
        return await waits.receipt(client, tx_hash)

    return run


@pytest.fixture
async def engine(
    chain: Devnet, client: RpcClient, tmp_path: Path, request: pytest.FixtureRequest, genesis_hash: str
) -> AsyncIterator[EngineService]:
    """A paper engine at intel level 5 on the session devnet, running (started: watching the head)."""
    extra = getattr(request, "param", {})
    cfg = parse_config(
        extra
        | {
            "store": {"data_dir": str(tmp_path)},
            "exits": {"max_hold_s": 3600} | extra.get("exits", {}),
            "intel": {"level": 5} | extra.get("intel", {}),
            # the session devnet mines only when a test sends something: its head may be minutes old
            "breakers": {"block_stall_s": 86_400},
        },
        source=str(tmp_path / "config.toml"),
    )
    rt = from_deployment(client, chain.deployment, block_time_s=0.2, genesis_hash=genesis_hash)
    svc = EngineService(cfg, rt, open_database(cfg.database_url))
    task = asyncio.create_task(svc.run())
    await waits.started(svc, task)
    yield svc
    await svc.stop()
    await waits.within(task, "the engine stopping")
