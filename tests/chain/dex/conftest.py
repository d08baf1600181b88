"""``dev``: the devnet (rolled back after each test) with an RpcClient and transaction helpers."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from dexbot.chain.devnet import Devnet
from dexbot.chain.rpc import RpcClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from devchain import DevChain


@pytest.fixture
async def dev(chain: Devnet) -> AsyncIterator[DevChain]:
    client = await RpcClient.connect([chain.rpc_url], chain_id=chain.chain_id)
    try:
        yield DevChain(client, chain)
    finally:
        await client.close()
