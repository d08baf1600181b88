"""Read-only views of the engine's state for the UI, the CLI and tests. Plain frozen dataclasses with
exact integers: the UI formats them, never computes trading values itself."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PositionView:
    id: int
    token: str
    symbol: str
    decimals: int
    size: int
    entry_cost: int  # WETH wei, gas included
    value_now: int  # net WETH wei if sold now, after tax
    exit_rule: str  # armed rules, e.g. "SL -5% · TP +20% · trail 8%"
    opened_block: int

    @property
    def pnl(self) -> int:
        return self.value_now - self.entry_cost

    @property
    def pnl_bps(self) -> int:
        return self.pnl * 10_000 // self.entry_cost if self.entry_cost else 0


@dataclass(frozen=True)
class BreakerView:
    name: str
    category: str
    severity: str  # critical | warning
    scope: str
    state: str  # closed | open | half_open
    reason: str = ""
    cooldown_left_s: float = 0.0


@dataclass(frozen=True)
class PoolView:
    pool: str
    token: str
    symbol: str
    dex: str
    price_wei: int
    liquidity_wei: int
    change_bps: int | None
    risk_score: int | None
    verdict: str
    age_blocks: int


@dataclass(frozen=True)
class EngineSnapshot:
    mode: str  # paper | live
    chain: str
    chain_id: int
    state: str  # starting | running | paused | halted | stopping | stopped
    state_reason: str
    block_number: int
    block_age_s: float
    rpc_ok: bool
    intel_level: int
    lane: str
    cash: int
    equity: int
    realised_pnl: int
    unrealised_pnl: int
    peak_equity: int
    drawdown_bps: int
    wins: int
    losses: int
    eth_usd_e6: int  # USD per WETH, 6 decimals; 0 when unknown
    positions: tuple[PositionView, ...] = ()
    breakers: tuple[BreakerView, ...] = ()
    pools: tuple[PoolView, ...] = ()
    equity_curve: tuple[tuple[int, int], ...] = field(default=())  # (block, equity wei)
    account_id: int = 0  # the account the engine books to (0: none yet, still starting)

    @property
    def win_rate_bps(self) -> int:
        total = self.wins + self.losses
        return self.wins * 10_000 // total if total else 0


@dataclass(frozen=True)
class EngineCounters:
    """The engine's cumulative counts and current prices, for the metrics exporter: what it reads instead
    of reaching into the desks."""

    gas_price: int  # wei per gas the engine prices its trades at
    base_fee: int
    wins: int
    losses: int
    risk_cache_hits: int
    risk_cache_misses: int
    events_dropped: int
    state_answers_disagreed: int = 0  # pool state answers the chain's logs contradicted (read again)


@dataclass(frozen=True)
class TaxesSeen:
    """A token's measured taxes (bps) as its latest assessment found them; None where not measured."""

    buy_tax_bps: int | None
    sell_tax_bps: int | None
