"""Waiting on facts, for every test (the root conftest puts this folder on sys.path: ``from waits import
...``). A test waits for the thing it needs to have happened — a block the engine has fully handled, an
event on the engine's bus, a line a process printed, a Textual app with nothing left to do — never for a
stretch of time. Where a fact can only be seen by looking (a row in the store, a process's output), the
look happens each time something happens (a block handled, a line printed). The one deadline, HANG_S, is
there only to turn a hang into a failure with a message; no test relies on it passing or running out."""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import re
import select
import subprocess
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from textual.pilot import Pilot

    from dexbot.engine.api.events import Event, EventBus
    from dexbot.engine.engine import EngineService

T = TypeVar("T")
HANG_S = 90.0


async def within(aw: Awaitable[T], what: str, seconds: float = HANG_S, detail: Callable[[], str] = str) -> T:
    """``await aw``, or fail naming ``what`` if it has not happened after ``seconds`` (a hang)."""
    try:
        return await asyncio.wait_for(aw, seconds)
    except TimeoutError:
        more = detail()
        raise AssertionError(f"{what}: not within {seconds:g} s" + (f"\n{more}" if more else "")) from None


async def observed(check: Callable[[], Awaitable[T] | T], what: str, every: float = 0.05) -> T:
    """The last resort, for a fact outside this process that nothing announces (an HTTP endpoint's
    answer, a receipt the node has yet to mine, another server's state): look, and look again ``every``
    seconds until ``check()`` gives something true, which is returned. Only the deadline is time; what
    the test then asserts is the fact itself."""

    async def go() -> T:
        while True:
            res = check()
            if asyncio.iscoroutine(res):
                res = await res
            if res:
                return res  # type: ignore[return-value]
            await asyncio.sleep(every)

    return await within(go(), what)


async def receipt(client: Any, tx_hash: str) -> dict[str, Any]:
    """The transaction's receipt, once the node has mined it (automine answers before it mines)."""
    return dict(
        await observed(
            lambda: client.request("eth_getTransactionReceipt", [tx_hash]), f"a receipt for {tx_hash}", 0.01
        )
    )


# -- the engine ---------------------------------------------------------------------------------------------


async def started(svc: EngineService, task: asyncio.Task[Any]) -> None:
    """Wait until the engine run by ``task`` has started (its EngineStateChanged left "starting"), or
    surface the error it died of."""

    async def go() -> None:
        q = svc.bus.subscribe()
        try:
            while svc.state == "starting" and not task.done():
                got = asyncio.ensure_future(q.get())
                await asyncio.wait({got, task}, return_when=asyncio.FIRST_COMPLETED)
                got.cancel()
        finally:
            svc.bus.unsubscribe(q)

    await within(go(), "the engine starting")
    if task.done():
        task.result()  # the start-up error, as the test's failure


async def processed(svc: EngineService, block: int, detail: Callable[[], str] = str) -> int:
    """Wait until the engine has fully handled ``block`` (or a later one)."""
    return await within(svc.processed(block), f"the engine handling block {block}", detail=detail)


async def head_processed(svc: EngineService, detail: Callable[[], str] = str) -> int:
    """Wait until the engine has fully handled the chain's current head. A test that changes a pool and
    then recomputes the engine's fills at their block first lets the engine finish the block it is on:
    on anvil a read of block N issued while N+1 is being mined can see N+1's state."""
    return await processed(svc, await svc.rt.client.block_number(), detail)


async def until_block(
    svc: EngineService, cond: Callable[[], object], what: str, detail: Callable[[], str] = str
) -> None:
    """Wait until ``cond()`` holds, looking now and after each block the engine handles: the engine
    changes its store and state only while handling a block, so between blocks is when to look."""

    async def go() -> None:
        while not cond():
            await svc.next_block_processed()

    await within(go(), what, detail=detail)


async def mine_until(
    svc: EngineService,
    cond: Callable[[], object],
    what: str,
    blocks: int = 60,
    detail: Callable[[], str] = str,
) -> None:
    """The session devnet mines on demand: mine one block at a time, each handled by the engine before
    ``cond`` is looked at again, until it holds (a sliced exit sells one slice per block)."""

    async def go() -> None:
        for _ in range(blocks):
            if cond():
                return
            await svc.rt.client.request("evm_mine", [])
            await svc.processed(await svc.rt.client.block_number())
        assert cond(), f"{what}: not after mining {blocks} blocks"

    await within(go(), what, detail=detail)


class Events:
    """The engine events published from the moment this was created; ``await next(pred)`` returns the
    first one that matches. Subscribe BEFORE the action whose event is awaited."""

    def __init__(self, bus: EventBus) -> None:
        self.bus = bus
        self.queue = bus.subscribe()

    async def next(self, pred: Callable[[Event], object], what: str) -> Event:
        async def go() -> Event:
            while True:
                ev = await self.queue.get()
                if pred(ev):
                    return ev

        return await within(go(), what)

    def close(self) -> None:
        self.bus.unsubscribe(self.queue)


@contextlib.contextmanager
def events(bus: EventBus) -> Iterator[Events]:
    ev = Events(bus)
    try:
        yield ev
    finally:
        ev.close()


# -- processes ----------------------------------------------------------------------------------------------


class Lines:
    """A process's stdout, read line by line by a thread. ``wait_for`` looks at each line as it arrives
    and fails at once if the process exits without printing it."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        stdout = proc.stdout
        assert stdout is not None

        def read() -> None:
            for line in stdout:
                self._queue.put(line)
            self._queue.put(None)  # end of output: the process closed its stdout

        self._reader = threading.Thread(target=read, daemon=True)
        self._reader.start()
        self._ended = False

    def drain(self) -> list[str]:
        """Every line printed so far."""
        while True:
            try:
                line = self._queue.get_nowait()
            except queue.Empty:
                return self.lines
            self._take(line)

    def _take(self, line: str | None) -> None:
        if line is None:
            self._ended = True
        else:
            self.lines.append(line)

    def next_line(self, deadline: float) -> bool:
        """Wait for one more line; False once the output has ended (the process closed stdout)."""
        if self._ended:
            return False
        try:
            line = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            raise AssertionError(f"no output within {HANG_S:g} s: {''.join(self.lines[-20:])}") from None
        self._take(line)
        return line is not None

    def until(self, check: Callable[[list[str]], T | None], what: str, seconds: float = HANG_S) -> T:
        """Wait until ``check(lines)`` returns something (not None), looked at after each new line."""
        deadline = time.monotonic() + seconds
        self.drain()
        while (found := check(self.lines)) is None:
            if not self.next_line(deadline):
                err = self.proc.stderr.read() if self.proc.stderr and self.proc.poll() is not None else ""
                raise AssertionError(f"{what}: the process ended first. {err}\n{''.join(self.lines[-20:])}")
        return found

    def wait_for(self, pattern: str, seconds: float = HANG_S) -> re.Match[str]:
        """The first line matching ``pattern`` (printed before or after this call)."""

        def match(lines: list[str]) -> re.Match[str] | None:
            return next((m for line in lines if (m := re.search(pattern, line, re.MULTILINE))), None)

        return self.until(match, f"a line matching {pattern!r}", seconds)

    def output_after_exit(self) -> str:
        """Everything printed, once the process has exited and its stdout is closed."""
        self._reader.join(HANG_S)
        return "".join(self.drain())


def gone(pid: int, seconds: float = HANG_S) -> bool:
    """Wait until process ``pid`` (not necessarily our child) has exited, on a pidfd that becomes readable
    when it does; True once it has (at once if it already had)."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        readable, _, _ = select.select([fd], [], [], seconds)
        return bool(readable)
    finally:
        os.close(fd)


# -- Textual apps -------------------------------------------------------------------------------------------

LONG_LIVED = frozenset({"bus", "engine"})  # DexbotApp's workers that run as long as the app does


async def settle(pilot: Pilot[Any], seconds: float = HANG_S) -> None:
    """Wait until the app has nothing left to do: every message queue drained, no short-lived worker
    running (engine calls, loaders), no one-shot timer pending (a deferred flush), no animation, and
    the engine's event queue emptied into the app. Each pass waits for what it found still busy."""
    app = pilot.app

    def busy_workers() -> list[Any]:
        return [w for w in app.workers if w.group not in LONG_LIVED and not w.is_finished]

    async def go() -> None:
        while True:
            if app._exit:  # asked to exit: nothing more will be processed for a test to look at
                await app.workers.wait_for_complete(busy_workers())
                return
            await pilot.pause()  # processes every pending message of the app and the screen's widgets
            workers = busy_workers()
            if workers:
                await app.workers.wait_for_complete(workers)
                continue
            timers = _pending_timers(app)
            if timers:
                await asyncio.wait(timers)
                continue
            if _animating(app):
                await pilot.wait_for_scheduled_animations()
                continue
            bus = getattr(app, "_queue", None)
            if (bus is not None and not bus.empty()) or _messages_pending(app) or _tables_unsized(app):
                continue
            return

    await within(go(), "the app settling", seconds)


def _nodes(app: Any) -> list[Any]:
    nodes = [app]
    for screen in app.screen_stack:
        nodes.extend(screen.walk_children(with_self=True))
    return nodes


def _pending_timers(app: Any) -> list[asyncio.Task[Any]]:
    """One-shot timers (``set_timer``) still to fire, except a notification's dismissal, which lasts as
    long as the notification is shown and changes nothing a test looks at until then."""
    from textual.widgets._toast import Toast

    return [
        t._task
        for node in _nodes(app)
        if not isinstance(node, Toast)
        for t in list(node._timers)
        if t._repeat == 0 and t._task is not None and not t._task.done()
    ]


def _animating(app: Any) -> bool:
    return bool(app.animator._animations or app.animator._scheduled)


def _tables_unsized(app: Any) -> bool:
    """A DataTable sizes itself on idle, after its rows were added: until then its scrollbar is drawn
    from the old virtual height (a one-glyph snapshot difference, seen only on a loaded machine)."""
    from textual.widgets import DataTable

    return any(isinstance(n, DataTable) and n._require_update_dimensions for n in _nodes(app))


def _messages_pending(app: Any) -> bool:
    return any(node._message_queue.qsize() for node in _nodes(app))
