"""The words paper and live execution share: where a token trades (``Market``), what an executor did
(``Fill``) and what the desks call (``Executor``). One home, so the live path never imports the paper one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from dexbot.core.errors import ChainError


@dataclass(frozen=True)
class Market:
    """Where a token trades: one pool against WETH."""

    token: str
    pool: str
    dex: str  # uniswap_v2 | uniswap_v3
    fee: int | None = None  # V3 fee tier

    def v3_fee(self) -> int:
        """The V3 fee tier, which every V3 quote and swap needs; a V3 market without one is a bug upstream."""
        if self.fee is None:
            raise ChainError(f"V3 pool {self.pool} needs its fee tier")
        return self.fee


@dataclass(frozen=True)
class Fill:
    """What an executor did: amounts as the chain (or the exact paper math) delivered them."""

    side: str  # buy | sell
    token: str
    pool: str
    dex: str
    amount_in: int  # WETH wei for a buy, token units for a sell
    amount_out: int  # token units received for a buy (after tax), WETH wei for a sell
    quoted_out: int
    gas_used: int
    gas_cost: int  # wei: execution gas plus the L1 data fee
    block_number: int
    tx_hash: str = ""
    status: str = "filled"
    l1_fee: int = 0  # wei, the OP-stack L1 data fee (included in gas_cost)
    block_hash: str = ""  # live: the receipt's block; paper: the one priced at (a reorg replacing it tells)


class Executor(Protocol):
    """What the desks call (through InFlight): the paper and the live executor alike."""

    mode: str

    async def buy(
        self,
        m: Market,
        weth_in: int,
        *,
        buy_tax_bps: int,
        block: int,
        gas_price: int,
        contested: bool = False,
    ) -> Fill:
        """``contested``: others race for the same place (a pair's first blocks): the fast lane pays."""
        ...

    async def sell(
        self,
        m: Market,
        tokens_in: int,
        *,
        sell_tax_bps: int,
        block: int,
        gas_price: int,
        held: int | None = None,
    ) -> Fill:
        """``held``: the position's size on the books, what a live wallet would hold when a slice of it
        sells (paper runs the sale from that balance; None: ``tokens_in``)."""
        ...

    def booked(self, fill: Fill) -> None:
        """The desk has booked ``fill`` (live: its token is reconciled with the wallet from now on)."""

    def unconfirmed(self, token: str) -> bool:
        """A trade of ``token`` a reorg took away waits to be on chain again (live only)."""
