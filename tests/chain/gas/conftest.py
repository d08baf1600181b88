"""Fixtures for gas tests on the devnet: an RpcClient inside the test's loop, and a block filler."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from dexbot.chain.devnet import Devnet
from dexbot.chain.rpc import RpcClient

BURNER = "0x00000000000000000000000000000000000fee00"  # code 0xfe: INVALID burns every gas unit it gets
FillBlock = Callable[[list[int]], Awaitable[dict[str, Any]]]


@pytest.fixture
async def rpc(chain: Devnet) -> AsyncIterator[RpcClient]:
    """An RpcClient on the devnet; the test's chain changes are rolled back by ``chain``."""
    client = await RpcClient.connect([chain.rpc_url], chain_id=chain.chain_id)
    try:
        yield client
    finally:
        await client.close()


@pytest.fixture
def fill_block(rpc: RpcClient, chain: Devnet) -> FillBlock:
    """``await fill_block([gas, ...])`` mines one block whose gas used is exactly the sum and returns it.

    Each transaction calls a contract made of a single INVALID opcode, which consumes all the gas it is
    given, so a transaction's gas used is its gas limit to the unit.
    """

    async def fill(gas_per_tx: list[int]) -> dict[str, Any]:
        await rpc.request("anvil_setCode", [BURNER, "0xfe"])
        await rpc.request("evm_setAutomine", [False])
        try:
            for gas in gas_per_tx:
                tx = {
                    "from": chain.accounts[0],
                    "to": BURNER,
                    "gas": hex(gas),
                    "maxFeePerGas": hex(100 * 10**9),
                    "maxPriorityFeePerGas": hex(10**9),
                }
                await rpc.request("eth_sendTransaction", [tx])
            await rpc.request("evm_mine", [])
        finally:
            await rpc.request("evm_setAutomine", [True])
        block: dict[str, Any] = await rpc.request("eth_getBlockByNumber", ["latest", False])
        return block

    return fill
