"""Opening the live executor: its sender, with the ledger in the engine's database bound to the chain's
genesis, polling for receipts at a pace set by the block time."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from dexbot.chain.gas.oracle import GasOracle
from dexbot.chain.sender import Sender
from dexbot.engine.api.intel import IntelPolicy
from dexbot.engine.breakers.observations import Observations
from dexbot.engine.execution.live.executor import LiveExecutor
from dexbot.engine.execution.quotes import QuoteSource
from dexbot.engine.portfolio import Portfolio
from dexbot.engine.thoughts import ThoughtLog
from dexbot.store.ledger import LedgerStore

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount


def open_live(
    account: LocalAccount,
    db: Engine,
    *,
    quotes: QuoteSource,
    gas: GasOracle,
    portfolio: Portfolio,
    thoughts: ThoughtLog,
    guard: Observations,
    policy: Callable[[], IntelPolicy],
    max_trade_wei: int,
    block_time_s: float,
    genesis_hash: str,
    books: asyncio.Lock | None = None,
) -> LiveExecutor:
    """The live executor for ``account`` on the quotes' chain, its ledger in the engine's database and
    bound to that chain's genesis."""
    poll_s = min(1.0, max(0.05, block_time_s / 4))
    sender = Sender(
        quotes.client,
        account,
        LedgerStore(db, genesis_hash=genesis_hash, instance=portfolio.account.instance),
        poll_s=poll_s,
    )
    return LiveExecutor(
        quotes,
        sender,
        gas,
        portfolio,
        thoughts,
        guard,
        policy=policy,
        max_trade_wei=max_trade_wei,
        books=books,
    )
