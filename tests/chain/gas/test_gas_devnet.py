"""GasOracle against the real devnet (anvil): the projected base fee is the one anvil then charges, to the
wei; suggestions are monotone, cover it and respect the ceiling; the L1 fee comes from the predeploy."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

import pytest
import waits
from web3 import AsyncWeb3
from web3._utils.async_transactions import async_fill_transaction_defaults

from dexbot.chain.chains import DEVNET, OP_GAS_PRICE_ORACLE
from dexbot.chain.devnet import Devnet
from dexbot.chain.gas import URGENCIES, GasOracle, estimate_cost
from dexbot.chain.gas.basefee import ETHEREUM_RULE
from dexbot.chain.rpc import RpcClient
from dexbot.core.config import GasConfig
from dexbot.core.errors import ChainError

pytestmark = pytest.mark.chain
GWEI = 10**9


async def next_block_base_fee(rpc: RpcClient) -> int:
    """Mine an empty block and read the base fee anvil charged in it."""
    await rpc.request("evm_mine", [])
    block = await rpc.request("eth_getBlockByNumber", ["latest", False])
    return int(block["baseFeePerGas"], 16)


@pytest.mark.parametrize(
    "share",  # of the block gas limit used, in tenths split over transactions
    [(10,), (4, 3, 3), (7,), (3, 2), (1,)],
    ids=["full", "full-3-txs", "above-target", "at-target", "below-target"],
)
async def test_projected_base_fee_is_what_anvil_charges_next(
    rpc: RpcClient, fill_block: Any, share: tuple[int, ...]
) -> None:
    await rpc.request("evm_mine", [])  # a block under the node's current gas limit (deployment raised it)
    latest = await rpc.request("eth_getBlockByNumber", ["latest", False])
    limit = int(latest["gasLimit"], 16)
    gas = [limit * s // 10 for s in share]
    block = await fill_block(gas)
    assert int(block["gasUsed"], 16) == sum(gas)
    oracle = GasOracle(rpc, DEVNET)
    snap = await oracle.snapshot(head=int(block["number"], 16))
    assert snap.head.number == int(block["number"], 16)
    projected = snap.projected_base_fee
    parent = int(block["baseFeePerGas"], 16)
    assert projected == ETHEREUM_RULE.next_base_fee(parent, sum(gas), limit)
    assert snap.history.node_next_base_fee == projected
    assert await next_block_base_fee(rpc) == projected
    if share == (10,):
        assert projected == parent + max(1, parent // 8)  # EIP-1559: a full block adds at least 1 wei


async def test_suggestions_are_monotone_and_cover_the_next_base_fee(rpc: RpcClient, fill_block: Any) -> None:
    await fill_block([5_000_000, 4_000_000])
    oracle = GasOracle(rpc, DEVNET)
    s = await oracle.suggest_all()
    tips = [s[u].max_priority_fee_per_gas for u in URGENCIES]
    fees = [s[u].max_fee_per_gas for u in URGENCIES]
    assert tips == sorted(tips)
    assert fees == sorted(fees)
    assert fees[0] < fees[-1]
    next_base = await next_block_base_fee(rpc)
    for u in URGENCIES:
        assert s[u].base_fee == next_base
        assert s[u].max_fee_per_gas >= next_base + s[u].max_priority_fee_per_gas
        assert not s[u].capped
    assert (await oracle.suggest()).urgency == "normal"


async def test_the_configured_ceiling_caps_and_flags(rpc: RpcClient, fill_block: Any) -> None:
    await fill_block([10_000_000])
    free = await GasOracle(rpc, DEVNET).suggest("fast-lane")
    gas = GasConfig(urgency="fast-lane", max_fee_gwei=Decimal("0.5"), max_priority_fee_gwei=Decimal("0.1"))
    capped = await GasOracle(rpc, DEVNET, gas).suggest()
    assert free.max_fee_per_gas > GWEI // 2
    assert free.max_priority_fee_per_gas > GWEI // 10
    assert capped.urgency == "fast-lane"
    assert capped.max_fee_per_gas == GWEI // 2
    assert capped.max_priority_fee_per_gas == GWEI // 10
    assert capped.capped
    assert capped.below_base_fee == (capped.base_fee > GWEI // 2)


async def test_one_batched_read_per_block(rpc: RpcClient) -> None:
    oracle = GasOracle(rpc, DEVNET, cache_s=60)
    first = await oracle.snapshot()
    assert await oracle.snapshot() is first
    assert await oracle.snapshot(head=first.head.number) is first
    batches = rpc.stats.by_key.get((0, "batch", "ok"), 0)
    assert batches == 1
    await rpc.request("evm_mine", [])
    newer = await oracle.snapshot(head=first.head.number + 1)
    assert newer.head.number == first.head.number + 1
    assert newer.history.newest_block == newer.head.number
    assert rpc.stats.by_key[(0, "batch", "ok")] == 2


# getL1Fee(bytes) stand-in: refuses other selectors, returns len(_data) * 1000 + 7.
L1_ORACLE_CODE = "0x60003560e01c6349948e0e14601357600080fd5b6024356103e80260070160005260206000f3"


async def test_l1_fee_comes_from_the_gas_price_oracle_predeploy(rpc: RpcClient) -> None:
    await rpc.request("anvil_setCode", [OP_GAS_PRICE_ORACLE, L1_ORACLE_CODE])
    op_chain = dataclasses.replace(DEVNET, l1_gas_oracle=OP_GAS_PRICE_ORACLE, op_stack=True)
    oracle = GasOracle(rpc, op_chain)
    tx = b"\x02" + bytes(range(200))
    assert await oracle.l1_fee(tx) == 201 * 1000 + 7
    s = await oracle.suggest("normal", tx=tx)
    assert s.l1_fee_wei == 201_007
    cost = estimate_cost(100_000, s)
    assert cost.expected_wei == 100_000 * s.expected_fee_per_gas + 201_007
    assert await GasOracle(rpc, DEVNET).l1_fee(tx) == 0  # no L1 fee on a chain without the predeploy


async def test_a_missing_predeploy_is_reported(rpc: RpcClient) -> None:
    op_chain = dataclasses.replace(DEVNET, l1_gas_oracle=OP_GAS_PRICE_ORACLE, op_stack=True)
    with pytest.raises(ChainError, match="GasPriceOracle predeploy"):
        await GasOracle(rpc, op_chain).l1_fee(b"\x02")


async def test_web3_default_fees_are_what_the_benchmark_models(chain: Devnet, aw3: AsyncWeb3) -> None:
    """web3 with no gas price strategy: node's eth_maxPriorityFeePerGas, max fee = tip + 2 x latest base."""
    tx = await async_fill_transaction_defaults(aw3, {"from": chain.accounts[0], "to": chain.accounts[1]})
    latest = await aw3.eth.get_block("latest")
    tip = int((await aw3.provider.make_request("eth_maxPriorityFeePerGas", []))["result"], 16)
    assert tx["maxPriorityFeePerGas"] == tip
    assert tx["maxFeePerGas"] == tip + 2 * latest["baseFeePerGas"]


async def test_the_node_tip_answer_rides_in_the_batch_and_caps_bids_while_blocks_have_room(
    rpc: RpcClient, chain: Devnet
) -> None:
    await rpc.request("evm_setAutomine", [False])
    try:  # three blocks whose transactions paid 5 gwei tips, then two at the 1 Mwei minimum; all had room
        for tip in [5 * GWEI] * 3 + [1_000_000] * 2:
            for sender in range(2):
                tx = {
                    "from": chain.accounts[sender],
                    "to": chain.accounts[2],
                    "maxFeePerGas": hex(100 * GWEI),
                    "maxPriorityFeePerGas": hex(tip),
                }
                await rpc.request("eth_sendTransaction", [tx])
            await rpc.request("evm_mine", [])
    finally:
        await rpc.request("evm_setAutomine", [True])
    oracle = GasOracle(rpc, DEVNET)
    snap = await oracle.snapshot()
    assert rpc.stats.by_key[(0, "batch", "ok")] == 1
    assert snap.node_tip == int(await rpc.request("eth_maxPriorityFeePerGas", []), 16) == GWEI
    s = await oracle.suggest_all()
    # slow/normal: the floor, 25th percentile of the five blocks' lowest tips [1M, 1M, 5G, 5G, 5G];
    # fast: the p25 column's 75th percentile (5 gwei) capped at the node's 1 gwei; fast-lane like fast
    assert [s[u].max_priority_fee_per_gas for u in URGENCIES] == [1_000_000, 1_000_000, GWEI, GWEI]
    contested = await oracle.suggest("fast-lane", contested=True)  # p50's 90th percentile plus 25 %
    assert contested.max_priority_fee_per_gas == 5 * GWEI  # 6.25 gwei, over the default 5 gwei ceiling
    assert contested.capped


async def test_a_head_read_again_gives_the_same_fees_though_the_nodes_own_tip_moved(
    rpc: RpcClient, chain: Devnet
) -> None:
    """The node's tip answer is about its latest block, whatever head is asked for: a block's second read
    (a trade sent from a block it was priced at) must not mix in a later tip, or the two sign other bytes."""
    oracle = GasOracle(rpc, DEVNET, cache_s=0)
    head = await rpc.block_number()
    first = await oracle.snapshot(head=head)
    priced = await oracle.suggest(head=head)
    for _ in range(3):  # blocks whose transactions tip 50 gwei: the node's own answer moves
        tx = {"from": chain.accounts[1], "to": chain.accounts[2], "value": "0x1"}
        tx |= {"maxFeePerGas": hex(500 * GWEI), "maxPriorityFeePerGas": hex(50 * GWEI)}
        await waits.receipt(rpc, await rpc.request("eth_sendTransaction", [tx]))
    assert int(await rpc.request("eth_maxPriorityFeePerGas", []), 16) != first.node_tip

    latest = await oracle.snapshot()  # a read of the newest head in between
    again = await oracle.snapshot(head=head)

    assert latest.head.number == head + 3
    assert again == first
    assert await oracle.suggest(head=head) == priced
