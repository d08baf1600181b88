"""What the fast lane's price buys when competing swaps are pending (issue 18, item 3).

The recorded fee histories carry no mempool, so this runs on a fresh devnet: ``RIVALS`` other wallets'
buys of one token wait in the mempool at ``fast``'s tip (what the engine now sees through
``txpool_content`` and calls contested), then our buy of the same size follows, once at ``fast`` and
once at the contested lane's tip, each from the same state. anvil builds the block by tip (``--order
fees``, as block builders and the OP-stack sequencer order a public mempool), so the tip decides whether
we buy before the rivals move the price or after. Reported: our place in the block, the tokens received
against the quote at the head, and the tip paid over ``fast``'s, in wei and in tokens' worth.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

from dexbot.chain.chains import DEVNET, with_deployment
from dexbot.chain.devnet import Anvil, Devnet, prepare_chain
from dexbot.chain.dex.types import DexAddresses
from dexbot.chain.gas.oracle import GasOracle
from dexbot.chain.rpc import RpcClient
from dexbot.chain.tokens import token_balance
from dexbot.engine.execution.orders import swap_request
from dexbot.engine.execution.quotes import QuoteSource
from dexbot.engine.execution.types import Market

RIVALS = 3
SIZE = 10**17  # each buy, ours and the rivals'
GWEI = 10**9


async def _buy(client: RpcClient, addrs: DexAddresses, m: Market, sender: str, max_fee: int, tip: int) -> str:
    req = swap_request(addrs, m, "buy", SIZE, 0, sender, 2**40)
    tx = {
        "from": sender,
        "to": req.to,
        "data": "0x" + req.data.hex(),
        "value": hex(req.value),
        "gas": hex(300_000),
        "maxFeePerGas": hex(max_fee),
        "maxPriorityFeePerGas": hex(tip),
    }
    return str(await client.request("eth_sendTransaction", [tx]))


async def _race(dn: Devnet, client: RpcClient, lane: bool) -> dict[str, int]:
    """One block: the rivals pending at fast's tip, then ours; our place, tokens and tip."""
    addrs = DexAddresses.from_deployment(dn.deployment)
    token = next(t for t in dn.deployment.tokens if t.kind == "plain" and t.v2_pair)
    m = Market(token.address, str(token.v2_pair), "uniswap_v2")
    gas = GasOracle(client, with_deployment(DEVNET, dn.deployment))
    head = await client.block_number()
    fast = await gas.suggest("fast", head=head)
    ours = await gas.suggest("fast-lane", head=head, contested=True) if lane else fast
    quote = (await QuoteSource(client, addrs).buy(m, SIZE, 0, head)).gross_out
    me = dn.accounts[2]
    before = await token_balance(client, token.address, me, "latest")
    snap = await client.request("evm_snapshot", [])
    try:
        await client.request("evm_setAutomine", [False])
        for rival in dn.accounts[3 : 3 + RIVALS]:
            await _buy(client, addrs, m, rival, fast.max_fee_per_gas, fast.max_priority_fee_per_gas)
        mine = await _buy(client, addrs, m, me, ours.max_fee_per_gas, ours.max_priority_fee_per_gas)
        await client.request("evm_mine", [])
        receipt = await client.request("eth_getTransactionReceipt", [mine])
        got = await token_balance(client, token.address, me, "latest") - before
        used = int(receipt["gasUsed"], 16)
        extra_tip = used * (ours.max_priority_fee_per_gas - fast.max_priority_fee_per_gas)
        return {
            "place": int(receipt["transactionIndex"], 16),
            "got": got,
            "quote": quote,
            "extra_tip": extra_tip,
        }
    finally:
        await client.request("evm_revert", [snap])
        await client.request("anvil_dropAllTransactions", [])  # the pool outlives a revert
        await client.request("evm_setAutomine", [True])


async def _measure() -> dict[bool, dict[str, int]]:
    with tempfile.TemporaryDirectory() as tmp:
        anvil = Anvil(block_time_s=0, log_path=Path(tmp) / "anvil.log")
        anvil.start()
        try:
            deployment, accounts = await prepare_chain(anvil.rpc_url, seed=42, token_count=2, block_time_s=0)
            dn = Devnet(anvil.rpc_url, deployment, accounts, Path(tmp), anvil.pid)
            client = await RpcClient.connect([dn.rpc_url], chain_id=dn.chain_id)
            try:
                for tip in range(1, 11):  # blocks whose tips the levels read: 0.1 .. 1 gwei
                    tx = {
                        "from": accounts[8],
                        "to": accounts[9],
                        "value": "0x1",
                        "maxFeePerGas": hex(500 * GWEI),
                        "maxPriorityFeePerGas": hex(tip * GWEI // 10),
                    }
                    await client.request("eth_sendTransaction", [tx])
                return {lane: await _race(dn, client, lane) for lane in (False, True)}
            finally:
                await client.close()
        finally:
            anvil.stop()


def run() -> list[dict[str, Any]]:
    out = asyncio.run(_measure())
    fast, lane = out[False], out[True]

    def short_pct(r: dict[str, int]) -> float:
        return 100.0 * (r["quote"] - r["got"]) / r["quote"]

    # the lane's extra tip in the token: what the tokens it saved would have to be worth to pay for it
    gained = lane["got"] - fast["got"]
    return [
        {
            "name": "gas_lane_contested_place_in_block",
            "value": lane["place"],
            "unit": "index",
            "baseline": fast["place"],
            "ratio": None,
            "goal": f"{RIVALS} rivals' buys pending at fast's tip: the lane lands at {lane['place']}, "
            f"fast at {fast['place']}",
            "met": None,
        },
        {
            "name": "gas_lane_contested_tokens_short_of_quote",
            "value": round(short_pct(lane), 4),
            "unit": "% of quote",
            "baseline": round(short_pct(fast), 4),
            "ratio": None,
            "goal": f"a {SIZE / 10**18:g} ETH buy behind {RIVALS} equal buys gets {short_pct(fast):.2f} % "
            f"less than quoted; ahead of them {short_pct(lane):.2f} %; the lane pays {lane['extra_tip']} wei "
            f"more tip ({100.0 * lane['extra_tip'] / SIZE:.4f} % of the buy) for {gained} more token units "
            f"({100.0 * gained / fast['got']:.2f} %)",
            "met": None,
            "extra_tip_wei": lane["extra_tip"],
            "gained_units": gained,
        },
    ]


if __name__ == "__main__":
    for entry in run():
        print(entry)
