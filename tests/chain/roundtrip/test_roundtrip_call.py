"""The simulation as an RPC call: it changes nothing, pins the block it is asked for, tells a starved gas
budget or an endpoint without state overrides apart from a hostile token, and refuses unusable inputs."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable

import pytest

from dexbot.chain.devnet import Devnet, DevToken
from dexbot.chain.roundtrip import PROBE_ADDRESS, RoundTripResult, StateOverrideUnsupported, default_ladder
from dexbot.chain.rpc import RpcClient
from dexbot.core.errors import ChainError, InputError

pytestmark = pytest.mark.chain

WEI = 10**18
BUY_WEI = 10**17
LADDER = default_ladder(20 * WEI)

Simulate = Callable[..., Awaitable[RoundTripResult]]
Launcher = Callable[..., Awaitable[DevToken]]
OwnerCall = Callable[..., Awaitable[None]]
Proxy = Callable[[str], str]


def plain(chain: Devnet) -> DevToken:
    return next(t for t in chain.deployment.tokens if t.kind == "plain")


async def chain_state(client: RpcClient, chain: Devnet, token: DevToken) -> list[object]:
    """Everything the simulation would change if it were a transaction."""
    dep = chain.deployment
    holder = "00" * 12 + str(token.v2_pair)[2:].lower()
    state = await client.batch(
        [
            ("eth_blockNumber", []),
            ("eth_getBalance", [PROBE_ADDRESS, "latest"]),
            ("eth_getTransactionCount", [PROBE_ADDRESS, "latest"]),
            ("eth_getCode", [PROBE_ADDRESS, "latest"]),
            ("eth_getBalance", [dep.weth, "latest"]),
            ("eth_call", [{"to": token.v2_pair, "data": "0x0902f1ac"}, "latest"]),  # getReserves()
            ("eth_call", [{"to": token.address, "data": "0x70a08231" + holder}, "latest"]),  # balanceOf(pair)
        ]
    )
    assert all(isinstance(value, str) for value in state), state
    return state


async def test_the_simulation_changes_nothing_on_chain(
    chain: Devnet, client: RpcClient, simulate: Simulate
) -> None:
    token = plain(chain)
    before = await chain_state(client, chain, token)

    result = await simulate(token, buy_wei=BUY_WEI, ladder_wei=LADDER)
    again = await simulate(token, buy_wei=BUY_WEI, ladder_wei=LADDER)

    assert result.can_sell is True
    assert again == result  # the first call left nothing behind that the second could see
    assert await chain_state(client, chain, token) == before
    assert before[1:4] == ["0x0", "0x0", "0x"]  # the probe exists only inside the call


async def test_a_pinned_block_sees_the_token_as_it_was(
    client: RpcClient, launch: Launcher, owner_call: OwnerCall, simulate: Simulate
) -> None:
    token = await launch("tax")
    untaxed = await client.block_number()
    await owner_call(token, "setTaxes", 500, 1000)

    then = await simulate(token, buy_wei=BUY_WEI, ladder_wei=LADDER, block=untaxed)
    now = await simulate(token, buy_wei=BUY_WEI, ladder_wei=LADDER, block="latest")

    assert (then.block, then.buy_tax_bps, then.sell_tax_bps) == (untaxed, 0, 0)
    assert (now.buy_tax_bps, now.sell_tax_bps) == (500, 1000)


async def test_a_stage_cap_too_small_is_inconclusive_not_a_honeypot(
    chain: Devnet, simulate: Simulate
) -> None:
    result = await simulate(plain(chain), buy_wei=BUY_WEI, ladder_wei=LADDER, stage_gas=60_000)

    buy = result.stage("buy")
    assert (buy.status, buy.out_of_gas, buy.gas_cap) == ("reverted", True, 60_000)
    assert buy.reason.startswith("out of gas: used ")
    assert result.inconclusive is not None
    assert "stage buy" in result.inconclusive
    assert "raise stage_gas" in result.inconclusive
    assert (result.can_buy, result.can_sell) == (None, None)


async def test_too_little_call_gas_skips_stages_and_says_raise_call_gas(
    chain: Devnet, simulate: Simulate
) -> None:
    result = await simulate(
        plain(chain), buy_wei=BUY_WEI, ladder_wei=LADDER, call_gas=1_000_000, stage_gas=400_000
    )

    assert "no_gas" in {s.status for s in result.ladder}  # the ladder runs in a call of its own
    assert result.inconclusive is not None
    assert "raise call_gas" in result.inconclusive
    assert result.can_sell is True  # each step of the round trip proper had the call's gas to itself


async def test_the_same_token_with_enough_gas_is_conclusive(chain: Devnet, simulate: Simulate) -> None:
    result = await simulate(plain(chain), buy_wei=BUY_WEI, ladder_wei=LADDER, stage_gas=200_000)
    assert (result.inconclusive, result.can_sell) == (None, True)


async def test_an_endpoint_ignoring_state_overrides_is_named(
    chain: Devnet, simulate: Simulate, override_proxy: Proxy
) -> None:
    rpc = await RpcClient.connect([override_proxy("drop")], chain_id=chain.chain_id)
    try:
        with pytest.raises(StateOverrideUnsupported, match="does not support eth_call state overrides"):
            await simulate(plain(chain), buy_wei=BUY_WEI, ladder_wei=LADDER, rpc=rpc)
    finally:
        await rpc.close()


async def test_an_endpoint_refusing_state_overrides_is_named(
    chain: Devnet, simulate: Simulate, override_proxy: Proxy
) -> None:
    rpc = await RpcClient.connect([override_proxy("refuse")], chain_id=chain.chain_id)
    try:
        with pytest.raises(StateOverrideUnsupported, match="too many arguments"):
            await simulate(plain(chain), buy_wei=BUY_WEI, ladder_wei=LADDER, rpc=rpc)
    finally:
        await rpc.close()


async def test_a_dropped_balance_override_is_inconclusive(
    chain: Devnet, simulate: Simulate, override_proxy: Proxy
) -> None:
    rpc = await RpcClient.connect([override_proxy("no_balance")], chain_id=chain.chain_id)
    try:
        result = await simulate(plain(chain), buy_wei=BUY_WEI, ladder_wei=LADDER, rpc=rpc)
    finally:
        await rpc.close()
    assert result.stage("buy").status == "no_funds"
    assert result.inconclusive is not None
    assert "balance override" in result.inconclusive
    assert (result.can_buy, result.can_sell) == (None, None)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"buy_wei": 0}, "buy_wei"),
        ({"ladder_wei": (WEI, 0)}, "ladder_wei"),
        ({"call_gas": 500_000}, "call_gas"),
        ({"stage_gas": 10_000}, "stage_gas"),
        ({"token": "0x1234"}, "token"),
    ],
)
async def test_unusable_inputs_name_the_field(
    chain: Devnet, simulate: Simulate, kwargs: dict[str, object], field: str
) -> None:
    token = plain(chain)
    args: dict[str, object] = {"buy_wei": BUY_WEI, "ladder_wei": LADDER, **kwargs}
    if "token" in args:
        token = dataclasses.replace(token, address=str(args.pop("token")))
    with pytest.raises(InputError, match=field):
        await simulate(token, **args)


async def test_a_block_the_node_does_not_have_is_an_error_not_a_verdict(
    chain: Devnet, client: RpcClient, simulate: Simulate
) -> None:
    future = await client.block_number() + 1000
    with pytest.raises(ChainError, match=f"at block {future}") as raised:
        await simulate(plain(chain), buy_wei=BUY_WEI, ladder_wei=LADDER, block=future)
    assert not isinstance(raised.value, InputError | StateOverrideUnsupported)
