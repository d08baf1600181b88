"""The round trip's simulated blocks sent before the pool is read (``send_steps``, what a token check does
while it looks the pool up) give the very round trip a simulation sent afterwards gives, to the gas unit;
a node without eth_simulateV1 still gets the one-call fallback."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from dexbot.chain.devnet import Devnet, DevToken, TokenKind
from dexbot.chain.roundtrip import ONE_CALL, RoundTripResult, default_ladder, send_steps
from dexbot.chain.rpc import RpcClient

pytestmark = pytest.mark.chain

WEI = 10**18
BUY_WEI = 10**17
LADDER = (*default_ladder(20 * WEI), WEI // 2)
NO_METHOD = "the method eth_simulateV1 does not exist/is not available"

Simulate = Callable[..., Awaitable[RoundTripResult]]
Launcher = Callable[..., Awaitable[DevToken]]


def _send(rpc: RpcClient, chain: Devnet, token: DevToken, block: int, rungs: int = len(LADDER)) -> Any:
    assert token.v2_pair is not None
    dep = chain.deployment
    return send_steps(
        rpc,
        router=dep.v2_router,
        weth=dep.weth,
        token=token.address,
        pair=token.v2_pair,
        buy_wei=BUY_WEI,
        rungs=rungs,
        block=block,
    )


@pytest.mark.parametrize(
    ("kind", "hazard"),
    [
        ("plain", {}),
        ("tax", {"buy_tax_bps": 500, "sell_tax_bps": 1000}),
        ("honeypot", {}),
        ("transfer_delay", {}),
        ("reflection", {}),
    ],
)
async def test_steps_sent_early_give_the_same_round_trip(
    chain: Devnet,
    client: RpcClient,
    launch: Launcher,
    simulate: Simulate,
    kind: TokenKind,
    hazard: dict[str, int],
) -> None:
    token = await launch(kind, **hazard)
    block = await client.block_number()

    sent = _send(client, chain, token, block)
    early = await simulate(token, buy_wei=BUY_WEI, ladder_wei=LADDER, block=block, sent=sent)
    late = await simulate(token, buy_wei=BUY_WEI, ladder_wei=LADDER, block=block)

    assert early == late
    assert [s.gas_used for s in early.stages] == [s.gas_used for s in late.stages]
    assert len(early.ladder) == len(LADDER)
    assert early.one_block is None


async def test_a_node_without_simulate_answers_the_early_steps_with_the_one_call_fallback(
    chain: Devnet, launch: Launcher, simulate: Simulate, override_proxy: Callable[[str], str]
) -> None:
    token = await launch("transfer_delay")
    rpc = await RpcClient.connect([override_proxy("plain")], chain_id=chain.chain_id)
    try:
        block = await rpc.block_number()
        first = await simulate(
            token,
            buy_wei=BUY_WEI,
            ladder_wei=LADDER,
            block=block,
            rpc=rpc,
            sent=_send(rpc, chain, token, block),
        )
        again = _send(rpc, chain, token, block)
    finally:
        await rpc.close()

    assert first.one_block == f"{ONE_CALL} ({NO_METHOD})"
    assert first.stage("transfer_out").reason == "TD: one transfer per block allowed"
    assert again is None  # the node said it has no eth_simulateV1: nothing is sent early any more
