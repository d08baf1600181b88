"""The round trip names each devnet hazard by its real revert reason and measures taxes to the basis point,
with every amount checked against the constant-product formula to the wei."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from dexbot.chain.devnet import Devnet, DevToken
from dexbot.chain.roundtrip import MAIN_STAGES, RoundTripResult, default_ladder
from dexbot.chain.rpc_errors import decode_revert

pytestmark = pytest.mark.chain

WEI = 10**18
POOL_WETH = 20 * WEI  # what the ``launch`` fixture puts in every pair
BUY_WEI = 10**17
LADDER = default_ladder(POOL_WETH)  # 0.1 %, 0.5 %, 1 %, 2 % of the pool's WETH

Simulate = Callable[..., Awaitable[RoundTripResult]]
Launcher = Callable[..., Awaitable[DevToken]]
OwnerCall = Callable[..., Awaitable[None]]
Reserves = Callable[[DevToken], Awaitable[tuple[int, int]]]
AmountOut = Callable[[int, int, int], int]


def taxed(amount: int, bps: int) -> int:
    """What arrives after TaxToken's tax: it takes floor(amount * bps / 10000)."""
    return amount - amount * bps // 10_000


async def test_plain_token_round_trips_at_exactly_the_pool_price(
    chain: Devnet, simulate: Simulate, reserves: Reserves, amount_out: AmountOut
) -> None:
    token = next(t for t in chain.deployment.tokens if t.kind == "plain")
    weth_reserve, token_reserve = await reserves(token)
    ladder = default_ladder(weth_reserve)
    bought = amount_out(BUY_WEI, weth_reserve, token_reserve)

    result = await simulate(token, buy_wei=BUY_WEI, ladder_wei=ladder)

    assert [s.status for s in result.stages] == ["ok"] * len(MAIN_STAGES)
    assert (result.can_buy, result.can_sell, result.inconclusive) == (True, True, None)
    assert (result.buy_tax_bps, result.sell_tax_bps, result.transfer_tax_bps) == (0, 0, 0)
    assert result.stage("buy_quote").amount_out == bought
    buy = result.stage("buy")
    assert (buy.amount_in, buy.amount_out, buy.delivered) == (BUY_WEI, bought, bought)
    back = result.stage("transfer_back")
    assert (result.stage("transfer_out").amount_out, back.amount_in, back.amount_out) == (bought // 2,) * 3
    sell = result.stage("sell")
    eth_back = amount_out(bought, token_reserve - bought, weth_reserve + BUY_WEI)
    assert (sell.amount_in, sell.delivered, sell.amount_out) == (bought, bought, eth_back)
    assert result.stage("sell_quote").amount_out == eth_back
    # Each rung buys on the untouched pool: the rungs before it were rolled back.
    fresh_pool = [amount_out(w, weth_reserve, token_reserve) for w in ladder]
    assert [s.amount_out for s in result.ladder] == fresh_pool
    assert (result.max_buy_wei, result.limit_wei, result.limit_reason) == (max(ladder), None, None)


@pytest.mark.parametrize(("buy_bps", "sell_bps"), [(500, 1000), (0, 9900)])
async def test_tax_token_taxes_are_measured_to_the_basis_point(
    launch: Launcher, simulate: Simulate, amount_out: AmountOut, buy_bps: int, sell_bps: int
) -> None:
    token = await launch("tax", buy_tax_bps=buy_bps, sell_tax_bps=sell_bps)

    result = await simulate(token, buy_wei=BUY_WEI, ladder_wei=LADDER)

    assert (result.buy_tax_bps, result.sell_tax_bps, result.transfer_tax_bps) == (buy_bps, sell_bps, 0)
    assert (result.can_sell, result.inconclusive) == (True, None)
    pool_tokens = 10**8 * WEI
    quoted = amount_out(BUY_WEI, POOL_WETH, pool_tokens)
    received = taxed(quoted, buy_bps)
    buy = result.stage("buy")
    assert (result.stage("buy_quote").amount_out, buy.delivered, buy.amount_out) == (quoted, quoted, received)
    sell = result.stage("sell")
    delivered = taxed(received, sell_bps)
    assert (sell.amount_in, sell.delivered) == (received, delivered)
    reserves_after_buy = (pool_tokens - quoted, POOL_WETH + BUY_WEI)
    assert sell.amount_out == amount_out(delivered, *reserves_after_buy)
    assert result.stage("sell_quote").amount_out == amount_out(received, *reserves_after_buy)
    # Against the quote, the tax costs a little less than its rate: a smaller sell moves the price less.
    shortfall = result.sell_eth_shortfall_bps
    assert shortfall is not None
    assert (sell_bps == 0) == (shortfall == 0)
    assert shortfall <= sell_bps


async def test_honeypot_buys_but_cannot_sell_and_says_why(launch: Launcher, simulate: Simulate) -> None:
    token = await launch("honeypot")

    result = await simulate(token, buy_wei=BUY_WEI, ladder_wei=LADDER)

    assert (result.can_buy, result.can_sell, result.inconclusive) == (True, False, None)
    assert result.stage("transfer_back").ok  # wallets may trade among themselves
    assert result.stage("pair_transfer").reason == "HP: trading not enabled"
    sell = result.stage("sell")
    assert sell.status == "reverted"
    assert sell.reason == "HP: trading not enabled"
    # The router alone would only have said this:
    assert decode_revert(sell.revert_data) == "TransferHelper: TRANSFER_FROM_FAILED"
    assert result.sell_tax_bps is None


async def test_blacklist_blocks_the_transfer_stage(launch: Launcher, simulate: Simulate) -> None:
    token = await launch("blacklist")

    result = await simulate(token, buy_wei=BUY_WEI, ladder_wei=LADDER)

    assert result.stage("buy").ok
    transfer = result.stage("transfer_out")
    assert (transfer.status, transfer.reason) == ("reverted", "BL: blacklisted")
    assert result.stage("transfer_back").status == "not_run"
    assert (result.can_sell, result.stage("sell").reason) == (False, "BL: blacklisted")


@pytest.mark.parametrize(("limit", "reason"), [("max_tx", "LIM: max tx"), ("max_wallet", "LIM: max wallet")])
async def test_ladder_finds_the_buy_limit_and_its_reason(
    launch: Launcher, simulate: Simulate, amount_out: AmountOut, limit: str, reason: str
) -> None:
    outs = [amount_out(w, POOL_WETH, 10**8 * WEI) for w in LADDER]
    hazard: dict[str, Any] = {limit: (outs[2] + outs[3]) // 2}  # rungs 0-2 fit, rung 3 does not
    token = await launch("limits", **hazard)

    result = await simulate(token, buy_wei=BUY_WEI, ladder_wei=LADDER)

    assert [s.status for s in result.ladder] == ["ok", "ok", "ok", "reverted"]
    assert (result.max_buy_wei, result.limit_wei, result.limit_reason) == (LADDER[2], LADDER[3], reason)
    refused = result.ladder[3]
    assert decode_revert(refused.revert_data) == "UniswapV2: TRANSFER_FAILED"
    assert decode_revert(refused.token_revert_data) == reason
    assert (result.can_sell, result.inconclusive) == (True, None)  # the small round trip is within limits


async def test_paused_token_cannot_be_bought(
    launch: Launcher, owner_call: OwnerCall, simulate: Simulate
) -> None:
    token = await launch("pausable")
    await owner_call(token, "pause")

    result = await simulate(token, buy_wei=BUY_WEI, ladder_wei=LADDER)

    buy = result.stage("buy")
    assert (buy.status, buy.reason) == ("reverted", "PAUSE: paused")
    assert (result.can_buy, result.can_sell, result.inconclusive) == (False, None, None)
    assert [s.status for s in result.stages[2:]] == ["not_run"] * 5
    assert {s.reason for s in result.ladder} == {"PAUSE: paused"}


async def test_unpaused_pausable_and_mintable_tokens_trade_normally(
    launch: Launcher, simulate: Simulate
) -> None:
    for kind in ("pausable", "mint_rug"):
        result = await simulate(await launch(kind), buy_wei=BUY_WEI, ladder_wei=LADDER)
        assert (result.can_sell, result.buy_tax_bps, result.sell_tax_bps, result.inconclusive) == (
            True,
            0,
            0,
            None,
        ), kind
