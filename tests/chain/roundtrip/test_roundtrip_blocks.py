"""Each step of the round trip in its own simulated block (eth_simulateV1): a token that lets a wallet
receive only once per block trades like it does for real holders; on a node without eth_simulateV1 the
round trip falls back to one call and says so, and the blocked transfer it then meets says so too."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from dexbot.chain.devnet import Devnet, DevToken
from dexbot.chain.roundtrip import MAIN_STAGES, ONE_CALL, RoundTripResult, default_ladder
from dexbot.chain.rpc import RpcClient
from dexbot.engine.risk import factors as fx

pytestmark = pytest.mark.chain

WEI = 10**18
BUY_WEI = 10**17
LADDER = default_ladder(20 * WEI)
RULE = "TD: one transfer per block allowed"
NO_METHOD = "the method eth_simulateV1 does not exist/is not available"

Simulate = Callable[..., Awaitable[RoundTripResult]]
Launcher = Callable[..., Awaitable[DevToken]]
Proxy = Callable[[str], str]


async def test_a_once_per_block_token_round_trips_across_blocks(launch: Launcher, simulate: Simulate) -> None:
    token = await launch("transfer_delay")

    result = await simulate(token, buy_wei=BUY_WEI, ladder_wei=LADDER)

    assert [s.status for s in result.stages] == ["ok"] * len(MAIN_STAGES)
    assert (result.can_sell, result.inconclusive, result.one_block) == (True, None, None)
    assert (result.buy_tax_bps, result.sell_tax_bps, result.transfer_tax_bps) == (0, 0, 0)
    assert result.max_buy_wei == max(LADDER)
    factor = fx.round_trip(result)
    assert (factor.value, factor.hard_block) == ("buy, transfer and sell work", False)


async def test_in_one_block_the_same_token_reads_as_a_blocked_transfer(
    launch: Launcher, simulate: Simulate
) -> None:
    token = await launch("transfer_delay")

    result = await simulate(token, buy_wei=BUY_WEI, ladder_wei=LADDER, across_blocks=False)

    out = result.stage("transfer_out")
    assert (out.status, out.reason, result.one_block) == ("reverted", RULE, "asked for one block")


async def test_a_node_without_simulate_falls_back_to_one_call_and_says_so(
    chain: Devnet, launch: Launcher, simulate: Simulate, override_proxy: Proxy
) -> None:
    token = await launch("transfer_delay")
    rpc = await RpcClient.connect([override_proxy("plain")], chain_id=chain.chain_id)
    try:
        first = await simulate(token, buy_wei=BUY_WEI, ladder_wei=LADDER, rpc=rpc)
        again = await simulate(token, buy_wei=BUY_WEI, ladder_wei=LADDER, rpc=rpc)
        asked = rpc.stats.by_key
    finally:
        await rpc.close()

    assert first.one_block == again.one_block == f"{ONE_CALL} ({NO_METHOD})"
    assert first.stage("transfer_out").reason == RULE
    factor = fx.round_trip(first)
    assert (factor.value, factor.hard_block) == ("transfer blocked", True)
    assert factor.note == (
        f"a wallet-to-wallet transfer after buying reverted: '{RULE}' (blacklist or block); simulated in one "
        f"block only ({ONE_CALL} ({NO_METHOD})): a once-per-block rule reads the same"
    )
    assert factor.evidence["one_block"] == first.one_block
    assert sum(n for (_, _, status), n in asked.items() if status == "rpc_error") == 1  # asked once only
