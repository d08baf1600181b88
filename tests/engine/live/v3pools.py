"""Helpers for the live V3 tests: plain tokens with only a V3 WETH pool (launched by the devnet, or
minted in a narrow band), receipt reading, and transactions from other (unlocked) devnet accounts."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import waits

from dexbot.chain.devnet import Devnet, DevToken, TokenSpec, calldata
from dexbot.chain.devnet.addresses import sort_tokens, v3_pool_address
from dexbot.chain.devnet.jsonrpc import DevRpc
from dexbot.chain.devnet.launch import MAX_UINT256
from dexbot.chain.devnet.pricing import sqrt_price_x96
from dexbot.chain.devnet.txbatch import TxBatch, pending_nonce
from dexbot.chain.dex.uniswap_v2.swap import TxCall
from dexbot.chain.dex.uniswap_v3.pool import SLOT0, decode_slot0
from dexbot.chain.receipt_logs import DEPOSIT, TRANSFER, WITHDRAWAL
from dexbot.chain.rpc import RpcClient
from dexbot.engine.execution.types import Market

from .conftest import ETH, launch

FEE = 3000


def v3_spec(symbol: str) -> TokenSpec:
    """A plain token with only a V3 WETH pool (0.3 %), 20 WETH deep."""
    return TokenSpec(
        f"{symbol} token", symbol, 10**6 * ETH, 400_000 * ETH, 20 * ETH, v2=False, v3=True, v3_fee=FEE
    )


def v3_market(tok: DevToken) -> Market:
    assert tok.v3_pool is not None
    assert tok.v2_pair is None
    return Market(tok.address, tok.v3_pool, "uniswap_v3", tok.v3_fee)


async def receipt(client: RpcClient, tx_hash: str) -> dict[str, Any]:
    r = await client.request("eth_getTransactionReceipt", [tx_hash])
    assert isinstance(r, dict)
    return r


def gas_paid(r: dict[str, Any]) -> int:
    return int(r["gasUsed"], 16) * int(r["effectiveGasPrice"], 16)


def word(a: str) -> str:
    return "0x" + "0" * 24 + a.lower()[2:]


def transfers(r: dict[str, Any], token: str) -> list[tuple[str, str, int]]:
    return [
        (lg["topics"][1], lg["topics"][2], int(lg["data"], 16))
        for lg in r["logs"]
        if lg["address"].lower() == token.lower() and lg["topics"][0] == TRANSFER
    ]


def weth_logs(r: dict[str, Any], weth: str, topic0: str) -> list[tuple[str, int]]:
    """(account-word, amount) of every WETH Deposit or Withdrawal log."""
    return [
        (lg["topics"][1], int(lg["data"], 16))
        for lg in r["logs"]
        if lg["address"].lower() == weth.lower() and lg["topics"][0] == topic0
    ]


def withdrawals(r: dict[str, Any], weth: str) -> list[tuple[str, int]]:
    return weth_logs(r, weth, WITHDRAWAL)


def deposits(r: dict[str, Any], weth: str) -> list[tuple[str, int]]:
    return weth_logs(r, weth, DEPOSIT)


async def send_as(client: RpcClient, who: str, call: TxCall, *, tip_gwei: int = 0) -> str:
    """Send ``call`` from an unlocked devnet account; a tip puts it ahead of what waits in the pool."""
    tx = {"from": who, "to": call.to, "data": "0x" + call.data.hex(), "value": hex(call.value)}
    tx["gas"] = hex(500_000)
    if tip_gwei:
        tx |= {"maxFeePerGas": hex(500 * 10**9), "maxPriorityFeePerGas": hex(tip_gwei * 10**9)}
    return str(await client.request("eth_sendTransaction", [tx]))


async def mined(client: RpcClient, tx_hash: str) -> dict[str, Any]:
    """The receipt, once automine has included the transaction (it answers before it mines)."""
    r = await waits.receipt(client, tx_hash)
    assert r["status"] == "0x1"
    return r


async def thin_v3_pool(chain: Devnet, symbol: str) -> DevToken:
    """A plain token whose only pool is V3 with liquidity in a narrow band around the price (± 600
    ticks, about 6 %), minted through the NonfungiblePositionManager: a big enough buy takes every
    token in the band, and past it the pool takes no more ETH."""
    dep = chain.deployment
    (bare,) = await launch(chain, TokenSpec(f"{symbol} token", symbol, 10**6 * ETH, 0, 0, v2=False, v3=False))
    npm, weth = calldata.uniswap("NonfungiblePositionManager"), calldata.uniswap("WETH9")
    t0, t1 = sort_tokens(bare.address, dep.weth)
    a0, a1 = (10_000 * ETH, ETH) if t0 == bare.address else (ETH, 10_000 * ETH)  # 1 token = 0.0001 WETH
    pool = v3_pool_address(dep.v3_factory, bare.address, dep.weth, FEE)
    async with DevRpc(chain.rpc_url) as rpc:
        batch = TxBatch(dep.deployer, await pending_nonce(rpc, dep.deployer))
        batch.send("wrap", dep.weth, weth.call("deposit"), value=2 * ETH, gas=100_000)
        batch.send("approve weth", dep.weth, weth.call("approve", dep.v3_position_manager, MAX_UINT256))
        approve = calldata.own("PlainToken").call("approve", dep.v3_position_manager, MAX_UINT256)
        batch.send("approve token", bare.address, approve)
        create = npm.call("createAndInitializePoolIfNecessary", t0, t1, FEE, sqrt_price_x96(a0, a1))
        batch.send("create", dep.v3_position_manager, create, gas=6_000_000)
        await batch.execute(rpc, mine=True)
        raw = await rpc.call("eth_call", {"to": pool, "data": "0x" + SLOT0.hex()}, "latest")
        tick = decode_slot0(bytes.fromhex(raw[2:])).tick
        mid = tick // 60 * 60
        params = (t0, t1, FEE, mid - 600, mid + 600, a0, a1, 0, 0, dep.deployer, 2**64)
        batch.send("mint", dep.v3_position_manager, npm.call("mint", params), gas=1_000_000)
        await batch.execute(rpc, mine=True)
    return replace(bare, v3_pool=pool, v3_fee=FEE)
