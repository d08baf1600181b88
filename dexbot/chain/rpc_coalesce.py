"""Requests issued together go out together: inside ``client.coalescing()``, every ``request``/``batch``
made in the same event-loop turn (by any task started inside it) is sent as ONE HTTP JSON-RPC batch.

A token check starts a dozen independent reads at once (code, owner, proxy slots, metadata, the simulated
round trip and its ladder, a traced transfer, logs); each HTTP request costs the client a send and a
parse, and on a busy machine a send alone can cost a millisecond. One batch per turn instead of one
request per read halves the check's CPU and most of its latency. Errors stay per call: a JSON-RPC error
is raised by the ``request`` it answers; a batch that reaches no endpoint fails every call in it. The
client keeps a few methods out of batches (``rpc.UNBATCHED``: simulations and traces), and any call sent
with ``alone=True`` (a slow one: a batch is answered when its slowest call is); ``sent()`` lets such a call
wait until the batch of its turn is on its way.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from dexbot.chain.rpc_errors import RpcError

Call = tuple[str, Sequence[Any]]
SendBatch = Callable[[Sequence[Call]], Awaitable[list[Any]]]
# Answers of one batch often lead to more reads a few turns later (a task awaiting a task awaiting the
# answer): the flush lets this many loop turns pass before taking the batch, so they share a post. A turn
# with nothing else to run costs microseconds; a post, a round trip.
SETTLE_TURNS = 4


class Coalescer:
    """Collects calls until the loop turn ends, then sends them with ``send`` (the client's batch)."""

    def __init__(self, owner: object, send: SendBatch) -> None:
        self.owner = owner
        self._send = send
        self._pending: list[tuple[list[Call], asyncio.Future[list[Any]]]] = []
        self._flushes: set[asyncio.Task[None]] = set()
        self._scheduled = False
        self._sending: asyncio.Future[None] | None = None

    async def request(self, method: str, params: Sequence[Any]) -> Any:
        (answer,) = await self._enqueue([(method, params)])
        if isinstance(answer, RpcError):
            raise answer
        return answer

    async def batch(self, calls: Sequence[Call]) -> list[Any]:
        return await self._enqueue(list(calls)) if calls else []

    async def sent(self) -> None:
        """Returns once the calls collected so far are on their way (at once when none are waiting): a
        request sent outside the batch after this does not hold the batch back."""
        if not self._scheduled:
            return
        if self._sending is None:
            self._sending = asyncio.get_running_loop().create_future()
        await asyncio.shield(self._sending)

    def _enqueue(self, calls: list[Call]) -> asyncio.Future[list[Any]]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[Any]] = loop.create_future()
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._start_flush)
        self._pending.append((calls, future))
        return future

    def _start_flush(self) -> None:
        # the batch is taken when the flush task first runs: calls made meanwhile join it
        task = asyncio.ensure_future(self._flush())
        self._flushes.add(task)
        task.add_done_callback(self._flushes.discard)

    async def _flush(self) -> None:
        for _ in range(SETTLE_TURNS):
            await asyncio.sleep(0)  # one loop turn: the tasks woken with the calls so far may add theirs
        groups, self._pending, self._scheduled = self._pending, [], False
        calls = [call for group, _ in groups for call in group]
        sending, self._sending = self._sending, None
        if sending is not None:
            sending.set_result(None)
        try:
            answers = await self._send(calls)
        except BaseException as err:
            for _, future in groups:
                if not future.done():
                    future.set_exception(err)
            if not isinstance(err, Exception):
                raise
            return
        at = 0
        for group, future in groups:
            if not future.done():
                future.set_result(answers[at : at + len(group)])
            at += len(group)


_ACTIVE: contextvars.ContextVar[Coalescer | None] = contextvars.ContextVar("rpc_coalescer", default=None)


def active_for(owner: object) -> Coalescer | None:
    """The coalescer collecting ``owner``'s calls in this context, if any."""
    found = _ACTIVE.get()
    return found if found is not None and found.owner is owner else None


async def batch_sent(owner: object) -> None:
    """Returns once the calls ``owner`` has collected in this context are on their way (at once outside
    ``coalescing``): a slow request sent on its own after this does not hold back the batch that the
    rest of the work waits on."""
    coalescer = active_for(owner)
    if coalescer is not None:
        await coalescer.sent()


@contextmanager
def coalescing(owner: object, send: SendBatch) -> Iterator[Coalescer]:
    """Within the block (and in tasks created within it), ``owner``'s calls are coalesced. Nested
    inside another's block for the same owner it joins that one: reads started together by several
    callers, each coalescing its own, still share one batch."""
    outer = active_for(owner)
    if outer is not None:
        yield outer
        return
    coalescer = Coalescer(owner, send)
    token = _ACTIVE.set(coalescer)
    try:
        yield coalescer
    finally:
        _ACTIVE.reset(token)
