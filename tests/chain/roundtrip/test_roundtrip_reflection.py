"""A reflection token: every non-exempt transfer gives 2 % of the amount to all holders at once. The round
trip measures 2 % on the buy and on a wallet transfer (the receiver's own share of the reflection is a few
units in 10**20), and 1.6 % on the sell: the pair is a holder too, and a fee-on-transfer sell swaps the
pair's whole balance above its reserve — its reflection share of this fee and of the round trip's earlier
ones — for the seller. The token trades: a fee, not a trap."""

from __future__ import annotations

import pytest

from .conftest import Launcher, Simulate

pytestmark = pytest.mark.chain
BUY_WEI = 10**17


async def test_reflection_fees_read_as_the_holders_share_of_each_transfer(
    launch: Launcher, simulate: Simulate
) -> None:
    token = await launch("reflection")

    result = await simulate(token, buy_wei=BUY_WEI)

    assert (result.can_buy, result.can_sell, result.inconclusive) == (True, True, None)
    assert (result.buy_tax_bps, result.sell_tax_bps, result.transfer_tax_bps) == (200, 160, 200)
