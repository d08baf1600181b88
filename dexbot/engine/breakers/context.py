"""What the breakers see: one frozen record the engine gathers each tick from its portfolio, the chain
watcher, the sender's ledger, the RPC client and the market view.

Plain types only (ints in wei / token units / bps, unix seconds, tuples, addresses as given — dexbot
checksums them everywhere). Observations are raw and time-stamped where a breaker needs a window, so the
window logic lives in the breaker and a condition ages out on its own (a losing streak older than the
window no longer keeps entries paused). ``None`` / ``0`` mean "not observed" and never trip anything.
"""

from __future__ import annotations

from dataclasses import dataclass

from dexbot.engine.portfolio import Snapshot


@dataclass(frozen=True)
class ClosedTrade:
    at: float  # unix s the position (or partial) was closed
    token: str
    pnl: int  # realised WETH wei, gas included


@dataclass(frozen=True)
class TxStatusAt:
    """When one of our transactions ended and how: what the revert-rate breakers count (the chain's full
    account of a transaction is ``chain.txtypes.TxOutcome``)."""

    at: float
    status: str  # mined | reverted | failed (never reached the chain: rejected, dropped, timed out)


@dataclass(frozen=True)
class FillSlippage:
    at: float
    token: str
    quoted_out: int  # the exact quote (net of known tax) that set amountOutMin
    amount_out: int  # what the receipt's logs say arrived


@dataclass(frozen=True)
class PendingTx:
    tx_hash: str
    nonce: int
    sent_block: int  # head block when it was broadcast


@dataclass(frozen=True)
class HeldToken:
    """An open position: its value now and its taxes at entry vs as measured now (None: not measured)."""

    token: str
    symbol: str
    value: int  # net WETH wei if sold now, after tax
    entry_buy_tax_bps: int | None = None
    entry_sell_tax_bps: int | None = None
    buy_tax_bps: int | None = None
    sell_tax_bps: int | None = None


@dataclass(frozen=True)
class PoolObs:
    """One WETH pool as the market view sees it. Prices are WETH wei per whole token."""

    pool: str
    token: str
    symbol: str
    price: int
    liquidity: int  # WETH wei on the pool's WETH side now
    peak_liquidity: int  # highest WETH side seen since the pool was first watched
    recent_prices: tuple[int, ...] = ()  # earlier prices in the volatility window, oldest first
    reference_price: int = 0  # the same token on a second pool; 0: use the recent average


@dataclass(frozen=True)
class BreakerContext:
    now: float  # unix s
    snapshot: Snapshot
    day_start_equity: int = 0  # equity at 00:00 UTC (or at start-up, if later)
    # chain
    chain_id_expected: int = 0
    chain_id_observed: int = 0
    block_number: int = 0
    block_timestamp: int = 0
    reorg_depth: int = 0  # depth of a reorg seen since the last tick
    # gas
    base_fee: int = 0
    recent_base_fees: tuple[int, ...] = ()
    l1_fee: int | None = None  # OP-stack L1 data fee of a reference swap; None off OP-stack chains
    recent_l1_fees: tuple[int, ...] = ()
    gas_spent_today: int = 0  # wei, UTC day
    # trading and execution
    closed_trades: tuple[ClosedTrade, ...] = ()
    held: tuple[HeldToken, ...] = ()
    trade_times: tuple[float, ...] = ()
    txs: tuple[TxStatusAt, ...] = ()
    fills: tuple[FillSlippage, ...] = ()
    pending_txs: tuple[PendingTx, ...] = ()
    ledger_nonce: int | None = None  # next nonce the tx ledger will use (live only)
    chain_nonce: int | None = None  # eth_getTransactionCount(wallet, "pending")
    # RPC, over the engine's RPC window
    rpc_requests: int = 0
    rpc_errors: int = 0
    rpc_disagreement: str = ""  # what the endpoints disagreed about; "" when they agree
    # market
    pools: tuple[PoolObs, ...] = ()
    hostile_seen: tuple[float, ...] = ()  # when each hostile (blocked) token was assessed
    # system
    db_write_error: str = ""
    wallet_balance: int | None = None  # wei on chain (live only)
    expected_balance: int | None = None  # wei the ledger expects
    kill_switch: bool = False

    def held_tokens(self) -> frozenset[str]:
        return frozenset(h.token for h in self.held)
