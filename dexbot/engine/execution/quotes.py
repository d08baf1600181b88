"""Exact quotes of a buy or a sell on one pool, at one block: what the paper executor fills at, what the
live executor sets its minimum output from, and what entries and exits compare venues with."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from fractions import Fraction

from dexbot.chain.dex.impact import fill_impact_bps, net_of_tax, v2_spot, v3_spot
from dexbot.chain.dex.states import PoolState, V2State, V3State
from dexbot.chain.dex.types import DexAddresses
from dexbot.chain.dex.uniswap_v2.math import get_amount_out
from dexbot.chain.dex.uniswap_v2.pair import PairReserves, read_pair
from dexbot.chain.dex.uniswap_v2.quote import v2_gas_estimate
from dexbot.chain.dex.uniswap_v3.pool import read_pool
from dexbot.chain.dex.uniswap_v3.quote import V3_ROUTER_GAS, quote_exact_input_single
from dexbot.chain.rpc import RpcClient
from dexbot.core.errors import ChainError, UntrustedState
from dexbot.engine.execution.types import Market


@dataclass(frozen=True)
class Priced:
    """An exact quote of one side: gross pool output, what arrives after tax, and gas."""

    gross_out: int
    net_out: int
    gas_units: int
    block: int


class QuoteSource:
    """Exact quotes for buys and sells on a known pool. V2 is pure integer math on reserves read at the
    block; V3 asks QuoterV2. Taxes: a buy's tax is taken from what the pool sends us; a sell's tax from
    what we send the pool (so the pool prices the reduced amount)."""

    def __init__(self, client: RpcClient, addrs: DexAddresses) -> None:
        self.client = client
        self.addrs = addrs
        # The watcher's pool states (read through Multicall3 at each block): a V2 quote at a block the
        # watcher already read is pure integer math, no round trip. Same numbers as reading the pair.
        self.states: Callable[[], Mapping[str, PoolState]] = dict
        # The hash of a block as the watcher read it (None: not read): what a paper fill names as the
        # block it was priced at, so a reorg that replaces it is noticed, after a restart too.
        self.block_hash: Callable[[int], str | None] = lambda number: None
        # The watcher's pools whose state answers disagreed with the logs, and the block they did at.
        self.untrusted: Callable[[], Mapping[str, int]] = dict
        self._token0: dict[str, str] = {}

    def forget(self, pools: Collection[str]) -> None:
        for pool in pools:
            self._token0.pop(pool, None)

    def _trust(self, pool: str, block: int) -> None:
        if self.untrusted().get(pool) == block:
            raise UntrustedState(
                f"pool {pool}: the node's answers about its state at block {block} disagree with the "
                "chain's logs however often read; not priced at this block"
            )

    async def pair(self, pair: str, block: int) -> PairReserves:
        self._trust(pair, block)
        st = self.states().get(pair)
        token0 = self._token0.get(pair)
        if isinstance(st, V2State) and st.block == block and token0 is not None:
            return PairReserves(pair, token0, st.reserve0, st.reserve1, 0, block)
        res = await read_pair(self.client, pair, block)
        self._token0[pair] = res.token0
        return res

    async def buy(self, m: Market, weth_in: int, buy_tax_bps: int, block: int) -> Priced:
        if m.dex == "uniswap_v2":
            res = await self.pair(m.pool, block)
            r_in, r_out = res.reserves_for(self.addrs.weth)
            gross = get_amount_out(weth_in, r_in, r_out)
            return Priced(gross, net_of_tax(gross, buy_tax_bps), v2_gas_estimate(1), block)
        self._trust(m.pool, block)
        q = await quote_exact_input_single(
            self.client, self.addrs.v3_quoter, self.addrs.weth, m.token, m.v3_fee(), weth_in, block
        )
        return Priced(
            q.amount_out, net_of_tax(q.amount_out, buy_tax_bps), q.gas_estimate + V3_ROUTER_GAS, block
        )

    async def sell(self, m: Market, tokens_in: int, sell_tax_bps: int, block: int) -> Priced:
        arriving = net_of_tax(tokens_in, sell_tax_bps)
        if arriving == 0:
            return Priced(0, 0, v2_gas_estimate(1), block)
        if m.dex == "uniswap_v2":
            res = await self.pair(m.pool, block)
            r_in, r_out = res.reserves_for(m.token)
            gross = get_amount_out(arriving, r_in, r_out)
            return Priced(gross, gross, v2_gas_estimate(1), block)
        self._trust(m.pool, block)
        if sell_tax_bps:
            raise ChainError(
                f"{m.token}: a taxed token cannot be sold into a V3 pool (the pool checks what it received)"
            )
        q = await quote_exact_input_single(
            self.client, self.addrs.v3_quoter, m.token, self.addrs.weth, m.v3_fee(), arriving, block
        )
        return Priced(q.amount_out, q.amount_out, q.gas_estimate + V3_ROUTER_GAS, block)

    async def buy_impact_bps(self, m: Market, weth_in: int, block: int) -> int:
        """How much worse than the pool's current price a buy of ``weth_in`` fills: what the intel
        level's slippage limit is measured against. A tiny reference buy gives the price (so the pool fee,
        paid by both, is not counted as impact)."""
        if weth_in <= 0:
            return 0
        ref_in = max(1, min(weth_in, 10**12))
        ref, big = await self.buy(m, ref_in, 0, block), await self.buy(m, weth_in, 0, block)
        if ref.gross_out == 0 or big.gross_out == 0:
            return 10_000
        # impact = 1 - (big/weth_in) / (ref/ref_in), in bps, rounded against us
        fair = ref.gross_out * weth_in
        return max(0, -((big.gross_out * ref_in - fair) * 10_000 // fair))

    async def sell_spot(self, m: Market, block: int) -> Fraction:
        """WETH per token unit reaching the pool that the first wei of a sale gets at ``block``: the
        pool's marginal price net of its fee, from the pair's reserves or the pool's sqrtPriceX96."""
        if m.dex == "uniswap_v2":
            res = await self.pair(m.pool, block)
            return v2_spot(*res.reserves_for(m.token))
        self._trust(m.pool, block)
        st = self.states().get(m.pool)
        if isinstance(st, V3State) and st.block == block:
            sqrt_price = st.sqrt_price_x96
        else:
            sqrt_price = (await read_pool(self.client, m.pool, block))[0].sqrt_price_x96
        return v3_spot(sqrt_price, m.v3_fee(), zero_for_one=m.token.lower() < self.addrs.weth.lower())

    async def sell_impact_bps(self, m: Market, tokens_in: int, sell_tax_bps: int, block: int) -> int:
        """How much worse than the pool's marginal price a sale of ``tokens_in`` fills: what an exit
        slice's impact budget is held to. Measured on what reaches the pool: the sell tax takes the same
        share of any sale and the pool fee is paid on the first wei as on the last, so neither is impact."""
        arriving = net_of_tax(tokens_in, sell_tax_bps)
        if arriving <= 0:
            return 0
        p, spot = await asyncio.gather(self.sell(m, tokens_in, sell_tax_bps, block), self.sell_spot(m, block))
        return fill_impact_bps(arriving, p.gross_out, spot)
