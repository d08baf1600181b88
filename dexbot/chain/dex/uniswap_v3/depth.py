"""How deep a V3 pool is for a trader who must get in and out: the WETH a buy can put in, and a sell
take out, before the trade's average price is ``impact_bps`` worse than the pool price. QuoterV2 runs
each swap up to a price limit, so crossed ticks and the end of a liquidity band count exactly.

Why not the virtual reserve (L/√P from slot0 and liquidity, what the watcher shows every block): it is
the liquidity at the current tick as if it went on for ever, and a narrow band holding 1 WETH can show
hundreds. Why not the pool's WETH balance: it counts WETH parked in ranges far from the price (and
uncollected fees) that no trade at a sane impact reaches. It is still an upper bound on what any sell
can take out, and is used as one.

The depth is given as a V2-equivalent reserve: the WETH reserve of a constant-product pair that is as
deep at the same impact (for a pair, exactly its reserve), so the intel levels' minimum liquidity means
the same thing on both DEXes. In a constant-product pool with WETH reserve R, a buy of Δ WETH fills on
average s worse than the pool price iff Δ = R·s/(1−s), and it moves the pool price by 1/(1−s)²; a sell
with average impact s takes out R·s WETH and moves the price by (1−s)². QuoterV2 is asked for the swaps
up to exactly those price limits, and R = Δ·(1−s)/s (buy side), out/s (sell side). This is exact while
the liquidity is constant over the move (a full-range position, a band wider than the move); where a
band ends before the limit only the WETH really in it counts, so the figure errs on the thin side.
"""

from __future__ import annotations

from dataclasses import dataclass

from dexbot.chain.abi import (
    address_word,
    eth_calls,
    expect_bytes,
    expect_words,
    selector,
    uint_word,
    word_uint,
)
from dexbot.chain.dex.types import DexAddresses
from dexbot.chain.dex.uniswap_v3.pool import read_pool
from dexbot.chain.dex.uniswap_v3.quote import quote_single_calldata
from dexbot.chain.rpc import RpcClient
from dexbot.chain.rpc_errors import RpcError
from dexbot.chain.tokens import BALANCE_OF

BPS = 10_000
FEE_UNIT = 1_000_000  # V3 fees are in hundredths of a bip
MIN_SQRT_RATIO = 4_295_128_739
MAX_SQRT_RATIO = 1_461_446_703_485_210_103_287_273_052_203_988_822_378_723_970_342
# "More than the pool can fill": the swaps stop at their price limit long before.
UNBOUNDED = 2**120
QUOTE_EXACT_OUTPUT_SINGLE = selector("quoteExactOutputSingle((address,address,uint256,uint24,uint160))")


@dataclass(frozen=True)
class V3Depth:
    """Both sides of one V3 pool at ``block``, within ``impact_bps`` of average price impact."""

    pool: str
    fee: int
    impact_bps: int
    buy_in: int  # WETH a buy puts into the pool within the impact, net of the pool fee
    sell_out: int  # WETH a sell takes out within the impact
    balance: int  # WETH the pool holds
    block: int

    @property
    def buy_reserve(self) -> int:
        s = self.impact_bps
        return self.buy_in * (BPS - s) // s

    @property
    def sell_reserve(self) -> int:
        return self.sell_out * BPS // self.impact_bps

    @property
    def reserve(self) -> int:
        """The V2-equivalent WETH reserve: the thinner side (a round trip needs both), at most what the
        pool holds."""
        return min(self.buy_reserve, self.sell_reserve, self.balance)


def quote_output_single_calldata(
    token_in: str, token_out: str, fee: int, amount_out: int, sqrt_price_limit_x96: int
) -> bytes:
    return (
        QUOTE_EXACT_OUTPUT_SINGLE
        + address_word(token_in)
        + address_word(token_out)
        + uint_word(amount_out)
        + uint_word(fee)
        + uint_word(sqrt_price_limit_x96)
    )


def price_limits(sqrt_price_x96: int, token_is_token0: bool, impact_bps: int) -> tuple[int, int]:
    """(buy limit, sell limit) on sqrtPriceX96: the token's WETH price ×1/(1−s)² for a buy, ×(1−s)² for
    a sell. The pool's price is token1 per token0, so which way that is depends on the token order."""
    up = min(MAX_SQRT_RATIO - 1, sqrt_price_x96 * BPS // (BPS - impact_bps))
    down = max(MIN_SQRT_RATIO + 1, sqrt_price_x96 * (BPS - impact_bps) // BPS)
    return (up, down) if token_is_token0 else (down, up)


async def v3_depth(
    client: RpcClient,
    addrs: DexAddresses,
    pool: str,
    token: str,
    fee: int,
    impact_bps: int,
    block: int,
    *,
    sqrt_price_x96: int | None = None,
) -> V3Depth:
    """The pool's depth at ``block`` (pass the watcher's ``sqrt_price_x96`` for that block to save a
    round trip). A side the quoter cannot fill at all (no liquidity in reach) counts as zero."""
    if not 0 < impact_bps < BPS:
        raise ValueError(f"impact_bps {impact_bps} outside 1..9999")
    if sqrt_price_x96 is None:
        slot0, _ = await read_pool(client, pool, block)
        sqrt_price_x96 = slot0.sqrt_price_x96
    weth = addrs.weth
    balance_call = (weth, BALANCE_OF + address_word(pool))
    if sqrt_price_x96 == 0:  # created, never initialised: nothing to trade
        (bal,) = await eth_calls(client, [balance_call], block)
        return V3Depth(pool, fee, impact_bps, 0, 0, _uint(bal), block)
    buy_limit, sell_limit = price_limits(sqrt_price_x96, token.lower() < weth.lower(), impact_bps)
    bal, buy, sell = await eth_calls(
        client,
        [
            balance_call,
            (addrs.v3_quoter, quote_output_single_calldata(weth, token, fee, UNBOUNDED, buy_limit)),
            (addrs.v3_quoter, quote_single_calldata(token, weth, fee, UNBOUNDED, sell_limit)),
        ],
        block,
    )
    gross_in = _uint(buy)
    return V3Depth(
        pool,
        fee,
        impact_bps,
        buy_in=gross_in * (FEE_UNIT - fee) // FEE_UNIT,  # the fee moves no price: leave it out
        sell_out=_uint(sell),
        balance=_uint(bal),
        block=block,
    )


def _uint(result: bytes | RpcError) -> int:
    """The first word of a call's answer; 0 for a quote the pool could not fill."""
    if isinstance(result, RpcError):
        return 0
    return word_uint(expect_words(expect_bytes(result, "depth read"), 1, "depth read"), 0)
