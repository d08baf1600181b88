"""The vocabulary of the market plan: what happens, when, and to which pool.

Actions carry only plan-level facts (a trader *index*, a pool *key*, a size as a fraction of pool
depth), never addresses or amounts read from the chain, so the same seed always yields the same
actions whatever the chain looked like when they ran.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dexbot.chain.devnet.launch import TokenSpec

Side = Literal["buy", "sell"]
Venue = Literal["v2", "v3"]
Regime = Literal["calm", "trending", "crash"]
RugKind = Literal["pull", "mint_dump", "tax_raise", "pause"]
PPM = 1_000_000


@dataclass(frozen=True)
class PoolRef:
    """A pool the plan may trade. ``asset_is_weth`` marks the WETH/stablecoin pool, where WETH is the
    asset being bought and sold and the stablecoin is the quote."""

    key: str
    v2: bool = True
    v3: bool = False
    asset_is_weth: bool = False
    weight: int = 1


@dataclass(frozen=True)
class Swap:
    """Trader ``trader`` swaps ``size_ppm`` millionths of the pool's input-side depth.

    ``buy`` spends the quote (WETH, or the stablecoin in the WETH pool) for the asset; ``sell`` the
    reverse.
    """

    at_s: float
    trader: int
    pool: str
    venue: Venue
    side: Side
    size_ppm: int


@dataclass(frozen=True)
class Launch:
    """Launch number ``index``; its pool is ``<symbol>/WETH``, traded from ``tradable_at_s`` on."""

    at_s: float
    index: int
    spec: TokenSpec
    tradable_at_s: float

    @property
    def pool(self) -> str:
        return pool_key(self.spec.symbol)


@dataclass(frozen=True)
class Rug:
    """The owner of launch ``launch`` rugs it. ``sell_tax_bps`` is for ``tax_raise``; ``dump_multiple``
    is how many times the pool's token reserve a ``mint_dump`` mints and sells."""

    at_s: float
    launch: int
    pool: str
    kind: RugKind
    sell_tax_bps: int = 0
    dump_multiple: int = 0


@dataclass(frozen=True)
class RegimeShift:
    at_s: float
    regime: Regime
    phase: int


Action = Swap | Launch | Rug | RegimeShift


def pool_key(symbol: str, quote: str = "WETH") -> str:
    return f"{symbol}/{quote}"
