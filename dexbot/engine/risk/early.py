"""The two slowest reads of a token check sent before the pool lookup answers: the round trip's simulated
blocks and the traced transfer out of the pool, both on the address where the chain's Uniswap V2 factory
puts the token's WETH pair (CREATE2: known without asking). A launch trades on that pair, so the lookup
and the simulation run side by side instead of one after the other. Each is used only when the lookup
names that very pair as the round trip's venue; otherwise it is dropped and read again on the venue found
(a V3-only token, a fork with other pair code): the answers never come from a guessed pool."""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass
from typing import Any, TypeVar

from dexbot.chain.dex.types import DexAddresses
from dexbot.chain.dex.uniswap_v2.pair import predicted_pair
from dexbot.chain.roundtrip import send_steps
from dexbot.chain.rpc import RpcClient
from dexbot.chain.rpc_coalesce import batch_sent
from dexbot.chain.transfer_trace import TransferTrace
from dexbot.engine.risk.powers import transfer_facts
from dexbot.engine.risk.venues import V2, Venue

T = TypeVar("T")


@dataclass(frozen=True)
class EarlyReads:
    """What was sent on ``pair`` (None: not sent); the steps with a ladder of ``rungs`` buys."""

    pair: str
    rungs: int
    steps: asyncio.Task[Any] | None
    trace: asyncio.Task[TransferTrace | None] | None

    def steps_for(self, venue: Venue | None, rungs: int) -> asyncio.Task[Any] | None:
        """The simulated blocks, when ``venue`` is the pair they ran on and the ladder has as many rungs
        as they were sent with (dropped otherwise)."""
        return self._for(venue if rungs == self.rungs else None, self.steps)

    def trace_for(self, venue: Venue | None) -> asyncio.Task[TransferTrace | None] | None:
        """The traced transfer, when ``venue`` is the pair it ran on (dropped otherwise)."""
        return self._for(venue, self.trace)

    def tasks(self) -> list[asyncio.Task[Any]]:
        return [t for t in (self.steps, self.trace) if t is not None]

    def _for(self, venue: Venue | None, task: asyncio.Task[T] | None) -> asyncio.Task[T] | None:
        if task is None:
            return None
        if venue is not None and venue.dex == V2 and venue.pool.lower() == self.pair.lower():
            return task
        task.cancel()
        return None


def send_early(
    client: RpcClient,
    addrs: DexAddresses,
    token: str,
    *,
    buy_wei: int,
    rungs: int,
    block: int,
    trace: bool,
) -> EarlyReads | None:
    """The round trip's blocks (a buy of ``buy_wei``, a ladder of ``rungs`` to come) and, with ``trace``,
    the traced transfer, sent now on the token's V2 pair address; None on a chain without Uniswap V2 or
    for an unusable token address."""
    if not addrs.has_v2:
        return None
    try:
        pair = predicted_pair(addrs.v2_factory, token, addrs.weth)
    except (ValueError, TypeError):
        return None
    steps = send_steps(
        client,
        router=addrs.v2_router,
        weth=addrs.weth,
        token=token,
        pair=pair,
        buy_wei=buy_wei,
        rungs=rungs,
        block=block,
        after=functools.partial(batch_sent, client),
    )
    traced = asyncio.ensure_future(_traced(client, token, pair, block)) if trace else None
    for task in (steps, traced):
        if task is not None:
            task.add_done_callback(_retrieve)
    return EarlyReads(pair, rungs, steps, traced)


async def _traced(client: RpcClient, token: str, pair: str, block: int) -> TransferTrace | None:
    """The traced transfer, sent after the check's first batch (the lookup, the code, the owner): the rest
    of the check waits on that batch's answers; the trace only has to be back by the end."""
    await batch_sent(client)
    return await transfer_facts(client, token, pair, block)


def _retrieve(task: asyncio.Task[Any]) -> None:
    """A dropped read's failure is nobody's news: take it so asyncio does not report it as lost."""
    if not task.cancelled():
        task.exception()
