"""Trades in flight, beside the block loop: a live trade is sent and confirmed in its own task, so the loop
keeps assessing, marking and exiting the other positions while a transaction waits for its receipt (a
slow block, a price the fee market left behind). Its outcome is booked when the receipt is in, under the
books lock (the engine's loop lock), so a booking never interleaves with a block being handled.

Bounded: at most ``limit`` trades at once (a full desk sends nothing more until one resolves), and one
per token: a token with a trade in flight is not traded again until that trade is booked. Paper fills
have no receipt to wait for: they are filled and booked inline, in the block that decided them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Literal

from dexbot.core.errors import ChainError
from dexbot.engine.execution.types import Executor, Fill, Market

log = logging.getLogger("dexbot.engine")
MAX_IN_FLIGHT = 4
Book = Callable[[Fill], Awaitable[None]]
Failed = Callable[[ChainError], Awaitable[None]]
OnError = Callable[[str, Exception], Awaitable[None]]


class InFlight:
    """``books``: the lock every booking takes (the loop holds it while handling a block). ``on_error``:
    told of a booking that raised (a store failure, a bug), which costs that booking, never the engine.
    ``on_booked``: told after every booking, so whoever waits on the engine's progress looks again."""

    def __init__(
        self,
        executor: Executor,
        books: asyncio.Lock,
        *,
        on_error: OnError,
        on_booked: Callable[[], Awaitable[None]],
        limit: int = MAX_IN_FLIGHT,
    ) -> None:
        self.executor = executor
        self.background = executor.mode == "live"
        self.books = books
        self.on_error, self.on_booked = on_error, on_booked
        self.limit = limit
        self.tasks: dict[str, asyncio.Task[None]] = {}  # token (lower case) -> its trade
        self.reserved: dict[str, int] = {}  # token -> wei a buy in flight may spend
        self.landed: dict[str, int] = {}  # token -> block its last booked fill landed in

    def busy(self, token: str) -> bool:
        """In flight, or taken back by a reorg and not on chain again yet (engine/reorged.py)."""
        return token.lower() in self.tasks or self.executor.unconfirmed(token)

    def lagging(self, token: str, block: int) -> bool:
        """The token's last fill landed after ``block``: the books are ahead of that block's state (the
        loop runs behind the chain by a block or two, and a booking may come in between), so nothing is
        decided about the token at it; from the fill's own block on, it is traded as usual."""
        key = token.lower()
        landed = self.landed.get(key)
        if landed is None:
            return False
        if block >= landed:
            del self.landed[key]
            return False
        return True

    def unsettled(self, token: str, block: int) -> bool:
        """In flight, or booked from a later block than ``block``: not to be traded at this block."""
        return self.busy(token) or self.lagging(token, block)

    def full(self) -> bool:
        return len(self.tasks) >= self.limit

    def buys(self) -> int:
        return len(self.reserved)

    def reserved_wei(self) -> int:
        """Cash promised to buys in flight: not there to size another entry with."""
        return sum(self.reserved.values())

    async def buy(
        self,
        m: Market,
        weth_in: int,
        *,
        buy_tax_bps: int,
        block: int,
        gas_price: int,
        book: Book,
        failed: Failed,
        contested: bool = False,
    ) -> None:
        async def fill() -> Fill:
            return await self.executor.buy(
                m, weth_in, buy_tax_bps=buy_tax_bps, block=block, gas_price=gas_price, contested=contested
            )

        await self._trade("buy", m.token, fill, book, failed, reserve=weth_in)

    async def sell(
        self,
        m: Market,
        tokens_in: int,
        *,
        sell_tax_bps: int,
        block: int,
        gas_price: int,
        book: Book,
        failed: Failed,
        held: int | None = None,
    ) -> None:
        async def fill() -> Fill:
            return await self.executor.sell(
                m, tokens_in, sell_tax_bps=sell_tax_bps, block=block, gas_price=gas_price, held=held
            )

        await self._trade("sell", m.token, fill, book, failed)

    async def _trade(
        self,
        side: Literal["buy", "sell"],
        token: str,
        fill: Callable[[], Awaitable[Fill]],
        book: Book,
        failed: Failed,
        *,
        reserve: int = 0,
    ) -> None:
        """Paper: fill and book now (the caller holds the books). Live: start the trade's task."""
        key = token.lower()
        if key in self.tasks:
            raise ChainError(f"a {side} of {token} while its last trade is still in flight")
        if not self.background:
            try:
                done = await fill()
            except ChainError as err:
                await failed(err)
                return
            await book(done)
            self.executor.booked(done)
            return
        if self.full():
            raise ChainError(f"{len(self.tasks)} trades in flight, the most at once: the {side} waits")
        if reserve:
            self.reserved[key] = reserve
        self.tasks[key] = asyncio.create_task(self._run(key, side, fill, book, failed), name=f"{side}-{key}")

    async def _run(
        self, key: str, side: str, fill: Callable[[], Awaitable[Fill]], book: Book, failed: Failed
    ) -> None:
        try:
            try:
                done = await fill()
            except ChainError as err:
                async with self.books:
                    await failed(err)
                return
            async with self.books:
                await book(done)
                self.executor.booked(done)
                self.landed[key] = done.block_number
        except asyncio.CancelledError:
            raise
        except Exception as err:  # a booking that raised costs that booking, never the engine
            log.error("booking the %s of %s failed", side, key, exc_info=err)
            with contextlib.suppress(Exception):
                await self.on_error(side, err)
        finally:
            self.tasks.pop(key, None)
            self.reserved.pop(key, None)
            with contextlib.suppress(Exception):
                await self.on_booked()

    async def settled(self) -> None:
        """Return once no trade is in flight (each booked)."""
        while self.tasks:
            await asyncio.wait(list(self.tasks.values()))

    async def close(self, grace_s: float) -> None:
        """At stop: let what is in flight land for up to ``grace_s``, then stop waiting for the rest (the
        ledger has every transaction sent; the next start settles them against the chain)."""
        tasks = list(self.tasks.values())
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks, timeout=grace_s)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)
