"""SQLModel tables. Amounts are exact integers in the token's smallest unit (``BigInt`` columns).

Every table carries the ``instance`` that wrote the row: several engines may share one database, and
each resumes, and each read shows, only its own rows. Positions and trades carry it beside their
account (always the same instance) so a query of one table never needs a join to stay in its lane."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from dexbot.core.instance import DEFAULT_INSTANCE
from dexbot.store.types import BigInt


def utcnow() -> datetime:
    return datetime.now(UTC)


def instance_field(*, index: bool = False) -> Any:
    """The instance that wrote the row (see dexbot.core.instance)."""
    return Field(default=DEFAULT_INSTANCE, max_length=32, index=index)


def big(default: int | None = 0, *, nullable: bool = False) -> Any:
    return Field(default=default, sa_type=BigInt, nullable=nullable)


class Account(SQLModel, table=True):
    __tablename__ = "accounts"
    __table_args__ = (
        UniqueConstraint("instance", "kind", "chain_id", "genesis_hash", "address", name="uq_account"),
    )

    id: int | None = Field(default=None, primary_key=True)
    instance: str = instance_field()
    kind: str = Field(max_length=8)  # paper | live
    chain_id: int
    genesis_hash: str = Field(default="", max_length=66)  # "" = unknown (rows from before 0004)
    address: str = Field(default="", max_length=42)
    quote_token: str = Field(default="", max_length=42)
    balance: int = big()
    starting_balance: int = big()
    created_at: datetime = Field(default_factory=utcnow)


class Position(SQLModel, table=True):
    __tablename__ = "positions"
    __table_args__ = (Index("ix_positions_account_status", "account_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    instance: str = instance_field()
    account_id: int = Field(foreign_key="accounts.id")
    token: str = Field(max_length=42)
    symbol: str = Field(default="", max_length=32)
    decimals: int = 18
    pool: str = Field(max_length=42)
    dex: str = Field(max_length=16)
    status: str = Field(default="open", max_length=8)  # open | closed
    size: int = big()  # token units still held
    entry_cost: int = big()  # quote-token units spent, gas included
    exit_proceeds: int = big()
    realised_pnl: int = big()
    fees: int = big()
    gas_cost: int = big()
    l1_fee: int = big()  # the OP-stack L1 data fee, wei: part of gas_cost
    peak_value: int = big()
    entry_value: int = big()  # net WETH a sale would return right after entry: exit rules' baseline
    value_now: int = big()  # net WETH a sale would return at ``marked_block`` (after tax and gas)
    marked_block: int = 0
    exit_reason: str = Field(default="", max_length=32)
    opened_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None
    opened_block: int = 0


class Trade(SQLModel, table=True):
    __tablename__ = "trades"

    id: int | None = Field(default=None, primary_key=True)
    instance: str = instance_field()
    account_id: int = Field(foreign_key="accounts.id", index=True)
    position_id: int | None = Field(default=None, foreign_key="positions.id", index=True)
    mode: str = Field(max_length=8)  # paper | live
    side: str = Field(max_length=4)  # buy | sell
    status: str = Field(default="filled", max_length=12)  # filled | failed | reverted
    token: str = Field(max_length=42)
    pool: str = Field(max_length=42)
    dex: str = Field(max_length=16)
    token_in: str = Field(max_length=42)
    token_out: str = Field(max_length=42)
    amount_in: int = big()
    amount_out: int = big()
    quoted_out: int = big()
    gas_used: int = big()
    gas_cost: int = big()  # execution gas plus the L1 data fee
    l1_fee: int = big()  # the OP-stack L1 data fee, wei: part of gas_cost
    block_number: int = 0
    block_hash: str = Field(default="", max_length=66)  # the fill's block ("" in older rows)
    tx_hash: str = Field(default="", max_length=66)
    reason: str = Field(default="", max_length=64)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    # How to take the booking back if a reorg replaces its block, after a restart too (engine/reorged.py):
    # {"position": id or null, "before": the position before it (JSON) or null, "cash": int, "pnl": int};
    # null on rows written before revision 0008 (those are not taken back after a restart).
    undo: dict[str, Any] | None = Field(
        default=None, sa_column=Column(JSON(none_as_null=True), nullable=True)
    )


class Thought(SQLModel, table=True):
    __tablename__ = "thoughts"

    id: int | None = Field(default=None, primary_key=True)
    instance: str = instance_field(index=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    block_number: int = 0
    token: str = Field(default="", max_length=42, index=True)
    symbol: str = Field(default="", max_length=32)
    lane: str = Field(default="", max_length=8)
    intel_level: int = 0
    decision: str = Field(max_length=16, index=True)  # enter | skip | exit | hold | level | breaker …
    confidence: float = 0.0
    risk_score: int | None = None
    factors: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    reasoning: str = ""
    evidence: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    count: int = 1  # how many times in a row this same thought was had (collapsed into this row)
    last_block: int = 0  # the block of the latest repeat


class BreakerEvent(SQLModel, table=True):
    __tablename__ = "breaker_events"

    id: int | None = Field(default=None, primary_key=True)
    instance: str = instance_field(index=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    name: str = Field(max_length=48, index=True)
    scope: str = Field(default="global", max_length=64)
    # The chain the transition belongs to (a restarted devnet is another chain: it starts with none of
    # these); genesis "": any chain (an operator's trip with no chain known, rows before revision 0009)
    chain_id: int = 0
    genesis_hash: str = Field(default="", max_length=66)
    from_state: str = Field(max_length=10)
    to_state: str = Field(max_length=10)  # closed | open | half_open
    reason: str = ""
    evidence: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class TxLedger(SQLModel, table=True):
    __tablename__ = "tx_ledger"
    __table_args__ = (Index("ix_tx_ledger_sender_nonce", "chain_id", "sender", "nonce"),)

    id: int | None = Field(default=None, primary_key=True)
    instance: str = instance_field()
    chain_id: int
    genesis_hash: str = Field(default="", max_length=66)
    sender: str = Field(max_length=42)
    nonce: int
    tx_hash: str = Field(max_length=66, unique=True)
    raw_tx: str  # 0x-hex of the signed transaction, written before broadcasting
    status: str = Field(default="signed", max_length=10)  # signed|sent|mined|reverted|dropped|replaced
    purpose: str = Field(default="", max_length=32)
    max_fee_per_gas: int = big()
    max_priority_fee_per_gas: int = big()
    block_number: int | None = None
    error: str = ""
    replaces: str = Field(default="", max_length=66)
    quoted_out: int = big()  # a swap's net quote when signed: what a trade recovered from it carries
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class TokenAssessment(SQLModel, table=True):
    __tablename__ = "token_assessments"
    __table_args__ = (Index("ix_assessments_token_block", "chain_id", "token", "block_number"),)

    id: int | None = Field(default=None, primary_key=True)
    instance: str = instance_field()
    chain_id: int
    genesis_hash: str = Field(default="", max_length=66)
    token: str = Field(max_length=42)
    block_number: int
    verdict: str = Field(max_length=16)  # safe | risky | blocked | inconclusive
    score: int
    buy_tax_bps: int | None = None
    sell_tax_bps: int | None = None
    factors: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
