"""The fast lane pays its price only for a contested buy (a pair's first blocks), else bids like fast:
the live executor passes the engine's `contested` to the gas oracle, and the signed transaction carries
the resulting fees."""

from __future__ import annotations

from dexbot.chain.devnet import Devnet
from dexbot.chain.rpc import RpcClient
from dexbot.engine.execution.types import Market

from .conftest import MakeExecutor

GWEI = 10**9


async def _tip_of(client: RpcClient, tx_hash: str) -> tuple[int, int]:
    tx = await client.request("eth_getTransactionByHash", [tx_hash])
    return int(tx["maxFeePerGas"], 16), int(tx["maxPriorityFeePerGas"], 16)


async def test_fast_lane_pays_its_price_only_for_a_contested_buy(
    chain: Devnet, client: RpcClient, make_executor: MakeExecutor
) -> None:
    for tip in range(1, 11):  # ten blocks whose one transaction tipped 0.1..1 gwei: the tips the levels read
        tx = {
            "from": chain.accounts[3],
            "to": chain.accounts[4],
            "value": "0x1",
            "maxFeePerGas": hex(500 * GWEI),
            "maxPriorityFeePerGas": hex(tip * GWEI // 10),
        }
        await client.request("eth_sendTransaction", [tx])
    ex = await make_executor(level=9)  # level 9 trades at fast-lane urgency
    assert ex.policy().gas_urgency == "fast-lane"
    token = next(t for t in chain.deployment.tokens if t.kind == "plain" and t.v2_pair)
    m = Market(token.address, str(token.v2_pair), "uniswap_v2")

    block = await client.block_number()
    raced = await ex.gas.suggest("fast-lane", head=block, contested=True)
    calm = await ex.gas.suggest("fast-lane", head=block)
    fast = await ex.gas.suggest("fast", head=block)
    # nothing to race: the lane tips like fast (its max fee still leaves more room, which costs nothing)
    assert calm.max_priority_fee_per_gas == fast.max_priority_fee_per_gas
    assert raced.max_priority_fee_per_gas > calm.max_priority_fee_per_gas
    fill = await ex.buy(m, 10**16, buy_tax_bps=0, block=block, gas_price=0, contested=True)
    assert await _tip_of(client, fill.tx_hash) == (raced.max_fee_per_gas, raced.max_priority_fee_per_gas)

    block = await client.block_number()
    calm = await ex.gas.suggest("fast-lane", head=block)
    fill = await ex.buy(m, 10**16, buy_tax_bps=0, block=block, gas_price=0)
    assert await _tip_of(client, fill.tx_hash) == (calm.max_fee_per_gas, calm.max_priority_fee_per_gas)
