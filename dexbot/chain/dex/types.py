"""The values the quoting layer hands out: where a chain's DEX contracts live, and a priced route."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from dexbot.chain.abi import ZERO_ADDRESS
from dexbot.chain.multicall import MULTICALL3

if TYPE_CHECKING:
    from dexbot.chain.chains import ChainInfo
    from dexbot.chain.devnet.deployment import Deployment

Dex = Literal["uniswap_v2", "uniswap_v3"]
V3RouterKind = Literal["swap_router", "swap_router02"]


@dataclass(frozen=True)
class DexAddresses:
    """One chain's Uniswap V2/V3 contracts; what a chain lacks is the zero address. ``v3_router_kind``
    says whether ``v3_router`` is the original SwapRouter (deadline in the params, the devnet's) or
    SwapRouter02 (no deadline)."""

    weth: str
    v2_factory: str
    v2_router: str
    v3_factory: str
    v3_quoter: str
    v3_router: str
    multicall3: str = MULTICALL3
    v3_router_kind: V3RouterKind = "swap_router"

    @property
    def has_v2(self) -> bool:
        return self.v2_factory != ZERO_ADDRESS

    @property
    def has_v3(self) -> bool:
        return self.v3_factory != ZERO_ADDRESS and self.v3_quoter != ZERO_ADDRESS

    @classmethod
    def from_deployment(cls, dep: Deployment) -> DexAddresses:
        return cls(
            weth=dep.weth,
            v2_factory=dep.v2_factory,
            v2_router=dep.v2_router,
            v3_factory=dep.v3_factory,
            v3_quoter=dep.v3_quoter,
            v3_router=dep.v3_swap_router,
            multicall3=dep.multicall3,
        )

    @classmethod
    def from_chain(cls, info: ChainInfo) -> DexAddresses:
        """From a known chain's table (``dexbot.chain.chains``); missing contracts become zero."""
        return cls(
            weth=info.weth or ZERO_ADDRESS,
            v2_factory=info.v2_factory or ZERO_ADDRESS,
            v2_router=info.v2_router or ZERO_ADDRESS,
            v3_factory=info.v3_factory or ZERO_ADDRESS,
            v3_quoter=info.v3_quoter or ZERO_ADDRESS,
            v3_router=info.v3_router or ZERO_ADDRESS,
            multicall3=info.multicall3 or MULTICALL3,
            v3_router_kind=info.v3_router_kind or "swap_router",
        )


@dataclass(frozen=True)
class Quote:
    """An exact quote for swapping ``amount_in`` of ``path[0]`` into ``path[-1]`` along ``pools``.

    ``fees`` are per hop in hundredths of a bip (V3's unit: 3000 = 0.3 %, also for V2's 0.3 %).
    ``price_impact_bps`` is how far the swap moves the pools' price against the trader (combined over
    hops), rounded up to 0.01 bps. ``gas_estimate`` is QuoterV2's figure for V3 and a typical Router02
    figure for V2. Every number was read at ``block_number``. Transfer taxes are not included: apply
    ``net_of_tax`` with the token's measured tax.
    """

    dex: Dex
    path: tuple[str, ...]
    pools: tuple[str, ...]
    fees: tuple[int, ...]
    amount_in: int
    amount_out: int
    price_impact_bps: Decimal
    gas_estimate: int
    block_number: int

    @property
    def hops(self) -> int:
        return len(self.pools)

    def describe(self) -> str:
        """``uniswap_v3 0.05 %`` or ``uniswap_v2 via 0xC02a…`` style label for humans."""
        fees = "/".join(f"{Decimal(f) / 10_000:g} %" for f in self.fees)
        via = f" via {', '.join(self.path[1:-1])}" if self.hops > 1 else ""
        return f"{self.dex} {fees}{via}"
