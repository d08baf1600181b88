"""Reads a check sends on the V2 pair's CREATE2 address before the lookup answers are used only on that very
pair, with the ladder's rung count they were sent for; any other venue drops them (cancelled, never read)."""

from __future__ import annotations

import asyncio

from dexbot.engine.risk.early import EarlyReads
from dexbot.engine.risk.venues import Venue, v2_venue

PAIR = "0x" + "ab" * 20
OTHER = "0x" + "cd" * 20


async def _pending() -> str:
    await asyncio.Event().wait()  # never set: the read is still on its way
    return "answer"


def _reads() -> EarlyReads:
    return EarlyReads(PAIR, 5, asyncio.ensure_future(_pending()), asyncio.ensure_future(_pending()))


async def test_the_reads_serve_the_pair_they_were_sent_on() -> None:
    reads = _reads()
    venue = v2_venue("0x" + "AB" * 20, 10**18)  # the lookup's spelling of the same address

    assert reads.steps_for(venue, 5) is reads.steps
    assert reads.trace_for(venue) is reads.trace
    assert reads.steps is not None
    assert reads.trace is not None
    assert not reads.steps.cancelled()
    assert not reads.trace.cancelled()
    for task in reads.tasks():
        task.cancel()


async def test_another_venue_or_ladder_drops_them() -> None:
    cases: list[tuple[Venue | None, int]] = [
        (v2_venue(OTHER, 10**18), 5),  # the factory named another pair (a fork's pair code)
        (Venue(PAIR, "uniswap_v3", 3000, 10**18), 5),  # not a V2 pair
        (None, 5),  # no venue at all
        (v2_venue(PAIR, 10**18), 4),  # the ladder came out shorter (the size is one of its rungs)
    ]
    for venue, rungs in cases:
        reads = _reads()
        assert reads.steps_for(venue, rungs) is None
        assert reads.trace_for(venue if rungs == 5 else None) is None
        await asyncio.gather(*reads.tasks(), return_exceptions=True)  # both ended
        assert reads.steps is not None
        assert reads.trace is not None
        assert reads.steps.cancelled()
        assert reads.trace.cancelled()
