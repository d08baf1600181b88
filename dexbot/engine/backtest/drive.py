"""Handing the replay chain's blocks to the engines: each block mined once, each handled by every engine
still running, in order.

The chain mines up to ``AHEAD_BLOCKS`` blocks ahead of the block the engines handle, so anvil's mining
(half of a replay's time) runs beside the engines' Python instead of between their blocks, and a block
that is slow to handle (a launch's risk checks) does not hold up the mining of the quick ones after it.
The engines' reads are pinned to their block (replay_pin.py). A block is handed out only once it is
below the head or nothing is being mined: anvil answers a read at its head block from the state it is
mining the next block into (a pool's reserves read "at" block N came back with block N+1's swap in
them). A reorg waits until every block handed out is handled, as its rollback drops their states.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from dexbot.chain.recorded_blocks import RecordedBlock
from dexbot.chain.replay_chain import ReplayChain
from dexbot.chain.replay_pin import HeadView
from dexbot.chain.watcher import Header
from dexbot.engine.backtest.recording_format import Mined, Rollback

# How far the chain may mine ahead of the engines; well within the states the replay anvil keeps
# (REPLAY_STATES), which the engines read at their block.
AHEAD_BLOCKS = 8


@dataclass(frozen=True)
class Progress:
    """What the progress bar shows after each block the engine handled."""

    block: int
    first_block: int
    last_block: int
    blocks_done: int
    blocks_total: int
    trades: int
    equity: int  # wei


@dataclass(frozen=True)
class Handout:
    """A mined block for the engines: its header as mined, the recorded block, the progress it marks
    and what the node said of it as its head."""

    tip: Header
    block: RecordedBlock
    progress: Progress
    view: HeadView


# every engine still running handles the handout; False when none is left
Step = Callable[[Handout], Awaitable[bool]]
_END = object()


async def drive(
    chain: ReplayChain,
    seen: Sequence[Mined | Rollback],
    first: int,
    last: int,
    step: Step,
    *,
    overlap: bool = True,
) -> None:
    """Mine the blocks of ``seen`` (blocks and rollbacks, as the live engine saw them) and ``step``
    through each one the live engine handled. ``overlap``: mine ahead (False: each block handled
    before the next is mined)."""
    total = sum(1 for e in seen if not isinstance(e, Rollback))
    queue: asyncio.Queue[object] = asyncio.Queue()
    handled, unhandled = first - 1, 0  # the last block the engines handled; handouts they have not
    moved = asyncio.Condition()

    async def hand_out(h: Handout) -> None:
        nonlocal unhandled
        unhandled += 1
        await queue.put(h)

    def room_for(n: int) -> bool:
        return not unhandled or n - handled <= AHEAD_BLOCKS

    async def mine() -> None:
        waiting: Handout | None = None  # mined, handed out once it is below the head
        done = 0
        for e in seen:
            if isinstance(e, Rollback):
                if waiting is not None:
                    await hand_out(waiting)
                    waiting = None
                await queue.join()
                await chain.rollback(e.to)
                continue
            b, done = e.block, done + 1
            async with moved:  # ahead of busy engines only: idle ones wait for the block after
                await moved.wait_for(functools.partial(room_for, b.number))
            handed = e.tip or e is seen[-1]  # else the live engine saw it together with the next one
            tip = await chain.mine(b, view=handed)
            if waiting is not None:
                await hand_out(waiting)
                waiting = None
            if handed:
                progress = Progress(b.number, first, last, done, total, 0, 0)
                assert chain.view is not None  # mine said it
                waiting = Handout(tip, b, progress, chain.view)
                if not overlap:
                    await hand_out(waiting)
                    waiting = None
                    await queue.join()
        if waiting is not None:
            await hand_out(waiting)

    async def mine_then_end() -> None:
        try:
            await mine()
        except Exception as err:  # the chain departed from the recording: the engines stop there
            await queue.put(err)
        else:
            await queue.put(_END)

    miner = asyncio.create_task(mine_then_end())
    try:
        while (item := await queue.get()) is not _END:
            if isinstance(item, Exception):
                raise item
            assert isinstance(item, Handout)
            if not await step(item):
                return  # every job ended early (pruned trials): no block left to mine for anyone
            async with moved:
                handled, unhandled = item.block.number, unhandled - 1
                moved.notify_all()
            queue.task_done()
    finally:
        if not miner.done():
            miner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await miner
