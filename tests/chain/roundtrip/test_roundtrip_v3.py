"""The round trip on a V3-only token: the same probe, through the V3 router and QuoterV2, names every
devnet hazard the way it does on V2, and its amounts are QuoterV2's to the wei."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import pytest

from dexbot.chain.devnet import Devnet, DevToken, TokenKind, TokenSpec, calldata, launch_tokens
from dexbot.chain.devnet.addresses import sort_tokens, v3_pool_address
from dexbot.chain.devnet.jsonrpc import DevRpc
from dexbot.chain.devnet.txbatch import TxBatch, pending_nonce
from dexbot.chain.dex.uniswap_v3.quote import quote_exact_input_single
from dexbot.chain.roundtrip import (
    MAIN_STAGES,
    PROBE_ADDRESS,
    RoundTripResult,
    V3Route,
    default_ladder,
    simulate_round_trip,
)
from dexbot.chain.roundtrip_probe import AMOUNT_MARK, v3_router_calls
from dexbot.chain.rpc import RpcClient
from dexbot.chain.rpc_errors import decode_revert

pytestmark = pytest.mark.chain

WEI = 10**18
POOL_WETH = 20 * WEI
POOL_TOKENS = 10**8 * WEI
FEE = 3000
BUY_WEI = 10**17
LADDER = default_ladder(POOL_WETH)

OwnerCall = Callable[..., Awaitable[None]]


@pytest.fixture
def launch_v3(chain: Devnet) -> Callable[..., Awaitable[DevToken]]:
    """A fresh token of ``kind`` whose only WETH pool is a full-range V3 0.3 % pool (20 WETH)."""

    async def run(kind: TokenKind, **hazard: Any) -> DevToken:
        spec = TokenSpec(
            f"V3 {kind}", f"V{kind.upper()[:5]}", 10**9 * WEI, POOL_TOKENS, POOL_WETH, kind=kind,
            v2=False, v3=True, v3_fee=FEE, **hazard,
        )  # fmt: skip
        async with DevRpc(chain.rpc_url) as rpc:
            (token,) = await launch_tokens(rpc, chain.deployment, [spec])
        assert token.v3_pool is not None
        assert token.v2_pair is None
        return token

    return run


@pytest.fixture
def simulate_v3(client: RpcClient, chain: Devnet) -> Callable[..., Awaitable[RoundTripResult]]:
    async def run(token: DevToken, **kwargs: Any) -> RoundTripResult:
        dep = chain.deployment
        assert token.v3_pool is not None
        return await simulate_round_trip(
            client,
            router=dep.v3_swap_router,
            weth=dep.weth,
            token=token.address,
            pair=token.v3_pool,
            v3=V3Route(dep.v3_quoter, FEE),
            **kwargs,
        )

    return run


async def test_plain_v3_token_round_trips_at_exactly_the_quoters_amounts(
    chain: Devnet, client: RpcClient, launch_v3: Any, simulate_v3: Any
) -> None:
    dep = chain.deployment
    token = await launch_v3("plain")
    block = await client.block_number()

    result = await simulate_v3(token, buy_wei=BUY_WEI, ladder_wei=LADDER, block=block)

    assert [s.status for s in result.stages] == ["ok"] * len(MAIN_STAGES)
    assert (result.can_buy, result.can_sell, result.inconclusive) == (True, True, None)
    assert (result.buy_tax_bps, result.sell_tax_bps, result.transfer_tax_bps) == (0, 0, 0)
    quoted = await quote_exact_input_single(
        client, dep.v3_quoter, dep.weth, token.address, FEE, BUY_WEI, block
    )
    buy = result.stage("buy")
    assert result.stage("buy_quote").amount_out == quoted.amount_out
    assert (buy.amount_in, buy.amount_out, buy.delivered) == (BUY_WEI, quoted.amount_out, quoted.amount_out)
    sell = result.stage("sell")
    assert (sell.amount_in, sell.delivered) == (quoted.amount_out, quoted.amount_out)
    assert sell.amount_out == result.stage("sell_quote").amount_out > 0
    assert sell.amount_out < BUY_WEI  # two pool fees and the price moved by our own buy
    # each rung buys on the untouched pool, exactly what QuoterV2 says for it
    fresh = [
        (
            await quote_exact_input_single(client, dep.v3_quoter, dep.weth, token.address, FEE, w, block)
        ).amount_out
        for w in LADDER
    ]
    assert [s.amount_out for s in result.ladder] == fresh
    assert [s.amount_in for s in result.ladder] == list(LADDER)
    assert (result.max_buy_wei, result.limit_wei) == (max(LADDER), None)


async def test_v3_honeypot_buys_but_cannot_sell_and_says_why(launch_v3: Any, simulate_v3: Any) -> None:
    token = await launch_v3("honeypot")

    result = await simulate_v3(token, buy_wei=BUY_WEI, ladder_wei=LADDER)

    assert (result.can_buy, result.can_sell, result.inconclusive) == (True, False, None)
    assert result.stage("transfer_back").ok
    sell = result.stage("sell")
    assert (sell.status, sell.reason) == ("reverted", "HP: trading not enabled")
    assert decode_revert(sell.revert_data) == "STF"  # what the V3 router alone would have said
    assert result.stage("pair_transfer").reason == "HP: trading not enabled"


async def test_v3_blacklist_blocks_the_transfer_stage(launch_v3: Any, simulate_v3: Any) -> None:
    token = await launch_v3("blacklist")

    result = await simulate_v3(token, buy_wei=BUY_WEI, ladder_wei=LADDER)

    assert result.stage("buy").ok
    transfer = result.stage("transfer_out")
    assert (transfer.status, transfer.reason) == ("reverted", "BL: blacklisted")
    assert (result.can_sell, result.stage("sell").reason) == (False, "BL: blacklisted")


async def test_v3_tax_token_shows_its_buy_tax_and_cannot_be_sold_into_the_pool(
    launch_v3: Any, simulate_v3: Any
) -> None:
    token = await launch_v3("tax", buy_tax_bps=500, sell_tax_bps=1000)

    result = await simulate_v3(token, buy_wei=BUY_WEI, ladder_wei=LADDER)

    quote, buy = result.stage("buy_quote"), result.stage("buy")
    assert buy.delivered == quote.amount_out
    assert buy.amount_out == quote.amount_out - quote.amount_out * 500 // 10_000
    assert result.buy_tax_bps == 500
    # the pool checks it was paid what the swap owes; a fee-on-transfer sell pays it less
    sell = result.stage("sell")
    assert (sell.status, sell.reason) == ("reverted", "IIA")
    assert result.can_sell is False


@pytest.mark.parametrize(("limit", "reason"), [("max_tx", "LIM: max tx"), ("max_wallet", "LIM: max wallet")])
async def test_v3_ladder_finds_the_buy_limit_and_its_reason(
    chain: Devnet, client: RpcClient, launch_v3: Any, simulate_v3: Any, limit: str, reason: str
) -> None:
    # rungs of 0.5 % and 1 % of the pool buy ~0.5 % and ~1 % of its tokens (less the fee and impact)
    hazard: dict[str, Any] = {limit: POOL_TOKENS * 75 // 10_000}  # 0.75 %: rungs 0-1 fit, 2-3 do not
    token = await launch_v3("limits", **hazard)

    result = await simulate_v3(token, buy_wei=BUY_WEI, ladder_wei=LADDER)

    assert [s.status for s in result.ladder] == ["ok", "ok", "reverted", "reverted"]
    assert (result.max_buy_wei, result.limit_wei, result.limit_reason) == (LADDER[1], LADDER[2], reason)
    assert decode_revert(result.ladder[2].token_revert_data) == reason
    assert (result.can_sell, result.inconclusive) == (True, None)


async def test_paused_v3_token_cannot_be_bought(
    chain: Devnet, launch_v3: Any, simulate_v3: Any, owner_call: OwnerCall
) -> None:
    token = await launch_v3("pausable")
    await owner_call(token, "pause")

    result = await simulate_v3(token, buy_wei=BUY_WEI, ladder_wei=LADDER)

    # QuoterV2 runs the pool's swap, so the paused token already fails the quote (the pool says 'TF');
    # the direct transfer names the token's reason, and the buy is not even tried
    quote = result.stage("buy_quote")
    assert (quote.status, quote.reason, decode_revert(quote.revert_data)) == (
        "reverted",
        "PAUSE: paused",
        "TF",
    )
    assert result.stage("buy").status == "not_run"
    assert result.refused_quote == quote
    assert (result.can_buy, result.can_sell, result.inconclusive) == (False, None, None)
    assert {s.reason for s in result.ladder} == {"PAUSE: paused"}


async def test_a_v3_pool_without_liquidity_is_inconclusive_not_hostile(
    chain: Devnet, client: RpcClient, simulate_v3: Any
) -> None:
    dep = chain.deployment
    plain = next(t for t in dep.tokens if t.kind == "plain")
    # a pool created and initialised but never given liquidity: nothing to quote against
    t0, t1 = sort_tokens(plain.address, dep.weth)
    npm = calldata.uniswap("NonfungiblePositionManager")
    async with DevRpc(chain.rpc_url) as rpc:
        batch = TxBatch(dep.deployer, await pending_nonce(rpc, dep.deployer))
        create = npm.call("createAndInitializePoolIfNecessary", t0, t1, 500, 2**96)
        batch.send("create", dep.v3_position_manager, create, gas=6_000_000)
        await batch.execute(rpc, mine=False)
    empty = replace(plain, v3_pool=v3_pool_address(dep.v3_factory, plain.address, dep.weth, 500), v3_fee=500)

    result = await simulate_round_trip(
        client,
        router=dep.v3_swap_router,
        weth=dep.weth,
        token=empty.address,
        pair=empty.v3_pool or "",
        v3=V3Route(dep.v3_quoter, 500),
        buy_wei=BUY_WEI,
    )

    # the quoter walks every empty tick looking for liquidity: out of gas, not the token's refusal
    assert result.refused_quote is None
    assert result.can_buy is None
    assert result.inconclusive is not None
    assert "buy_quote" in result.inconclusive


@pytest.mark.parametrize("kind", ["swap_router", "swap_router02"])
def test_the_amount_is_written_where_each_router_generation_reads_it(kind: Any) -> None:
    router, weth, token = "0x" + "11" * 20, "0x" + "22" * 20, "0x" + "33" * 20
    buy, buy_at, sell, sell_at = v3_router_calls(router, V3Route("0x" + "44" * 20, 500, kind), weth, token)
    for data, at in ((buy, buy_at), (sell, sell_at)):
        assert int.from_bytes(data[at : at + 32], "big") == AMOUNT_MARK
        assert data.count(AMOUNT_MARK.to_bytes(32, "big")) == 1
        assert bytes.fromhex(PROBE_ADDRESS[2:].lower()) in data  # the probe is paid, nobody else
