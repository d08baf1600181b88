"""What a waiter on the engine waits for, announced by the engine itself, never polled: a block fully
handled (``processed``) or, more generally, any change to what the engine holds (``progressed``: a block
handled or a live trade booked when its receipt arrives, between blocks). Both end with EngineStopped
once the engine has stopped, so no caller waits forever."""

from __future__ import annotations

import asyncio

from dexbot.core.errors import DexbotError


class EngineStopped(DexbotError):
    """A wait on a block the engine will never handle: it stopped first."""


class Progress:
    def __init__(self) -> None:
        self.last_processed = 0  # the last block fully handled (0 before the first)
        self.count = 0  # blocks handled plus trades booked
        self.stopped = False
        self._changed = asyncio.Condition()

    async def block_done(self, block: int) -> None:
        async with self._changed:
            self.last_processed = block
            self.count += 1
            self._changed.notify_all()

    async def booked(self) -> None:
        async with self._changed:
            self.count += 1
            self._changed.notify_all()

    async def stop(self) -> None:
        async with self._changed:
            self.stopped = True
            self._changed.notify_all()

    async def processed(self, block: int) -> int:
        """Wait until block ``block`` or a later one has been fully handled; the last handled block."""
        async with self._changed:
            await self._changed.wait_for(lambda: self.last_processed >= block or self.stopped)
        if self.last_processed < block:
            raise EngineStopped(f"the engine stopped at block {self.last_processed}, before block {block}")
        return self.last_processed

    async def progressed(self, since: int) -> int:
        """Wait until ``count`` has moved past ``since``; the new count."""
        async with self._changed:
            await self._changed.wait_for(lambda: self.count > since or self.stopped)
        if self.count <= since:
            raise EngineStopped(f"the engine stopped at block {self.last_processed}")
        return self.count
