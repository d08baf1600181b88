"""The pool watcher: every watched pool's state per block, the logs the engine cares about, and reorgs.

Each poll reads the head, checks that the block we last saw is still canonical (a remembered window of
block hashes; a changed hash means a reorg, so it walks back to the common ancestor, emits ``Reorg`` and
re-reads from there), fetches PairCreated / PoolCreated / Swap / Sync / Transfer logs for the new blocks
in one JSON-RPC batch, then reads every pool's state at the new head in one Multicall3 batch. Reads
happen before anything is committed, so a reorg racing a poll makes the poll retry, not half-apply.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar

from dexbot.chain.abi import ZERO_ADDRESS, checksum
from dexbot.chain.dex.events import (
    FACTORY_TOPICS,
    POOL_TOPICS,
    TRANSFER,
    ChainEvent,
    NewBlock,
    PairCreated,
    PoolCreated,
    Reorg,
    Sync,
    V2Swap,
    V3Swap,
    WatchEvent,
    decode_log,
)
from dexbot.chain.dex.states import PoolState, StateReader, same_state
from dexbot.chain.dex.types import DexAddresses
from dexbot.chain.multicall import DEFAULT_CHUNK, MULTICALL3
from dexbot.chain.pool_ages import PoolAges, Retention
from dexbot.chain.rpc import RpcClient
from dexbot.chain.rpc_errors import RpcError, node_side
from dexbot.chain.state_check import Expected, disagreeing, expected, wanted
from dexbot.core.errors import ChainError

log = logging.getLogger("dexbot.chain")
MIN_POLL_S = 0.05
T = TypeVar("T")
POLL_RETRIES = 3
STATE_REREADS = 2  # reads of the pools whose state disagreed with the logs, before they are not trusted
Owed = tuple[Expected, int]  # what an untrusted pool's state must be, and the first block whose logs count
# Blocks before the last poll's head whose logs each poll reads again: a node behind the head (load-balanced
# backends) answers eth_getLogs up to its own head without saying so, and a launch in the blocks it left out
# would never be seen. What was already delivered is not delivered twice.
LOG_OVERLAP = 2


class Header(NamedTuple):
    number: int
    hash: str
    parent_hash: str
    timestamp: int


@dataclass
class _Step:
    """Everything one poll read, applied only once it is all consistent."""

    tip: Header
    headers: dict[int, Header]
    reorg: Reorg | None
    logs: list[ChainEvent]
    states: dict[str, PoolState]
    failed: list[str] = field(default_factory=list)
    untrusted: tuple[str, ...] = ()  # state answers that disagreed with the logs however often read
    owed: dict[str, Owed] = field(default_factory=dict)  # what the untrusted ones' states must be


def poll_interval(block_time_s: float) -> float:
    """A quarter block, so a new block is seen within ~25 % of the block time (instant chains: 50 ms)."""
    return max(MIN_POLL_S, block_time_s / 4)


class PoolWatcher:
    """``await watcher.start()``, then ``async for event in watcher.events()`` (or ``await poll()``)."""

    def __init__(
        self,
        client: RpcClient,
        addrs: DexAddresses | None = None,
        *,
        block_time_s: float = 2.0,
        chunk_size: int = DEFAULT_CHUNK,
        reorg_depth: int = 64,
        log_range: int = 2_000,
        auto_watch: bool = True,
        retention: Retention | None = None,
        pinned: Callable[[], Collection[str]] = frozenset,
    ) -> None:
        """``retention``: when a pool counts as dead and is no longer watched (see pool_ages);
        ``pinned``: the pools that must stay watched whatever their age (held positions')."""
        self.client = client
        self.factories = [
            f for f in ((addrs.v2_factory, addrs.v3_factory) if addrs else ()) if f != ZERO_ADDRESS
        ]
        multicall = addrs.multicall3 if addrs else MULTICALL3
        self.reader = StateReader(client, multicall=multicall, chunk_size=chunk_size)
        self.tokens: dict[str, None] = {}
        self.states: dict[str, PoolState] = {}
        self.failed: set[str] = set()
        # Pools whose state answers at the block named disagreed with the chain's logs on every read
        # (state_check.py): their state is the last one trusted, and nothing is priced from them there.
        self.untrusted: dict[str, int] = {}
        self.answers_disagreed = 0  # pool state answers that contradicted the logs, read again
        self._owed: dict[str, Owed] = {}  # the untrusted pools' states as the chain left them, since when
        self._delivered: dict[int, set[tuple[str, int]]] = {}  # block -> (block hash, log index) given out
        self._first_log_block = 0  # logs of blocks before this one are not this watcher's to deliver
        self.head: int | None = None
        self.head_timestamp = 0  # the start block's, once started; NewBlock carries each later one's
        self.reorg_depth = reorg_depth
        self.log_range = log_range
        self.auto_watch = auto_watch
        self.poll_interval_s = poll_interval(block_time_s)
        self._hashes: dict[int, str] = {}
        self.ages = PoolAges(retention or Retention(), lambda: {checksum(p) for p in pinned()})

    # -- what to watch ------------------------------------------------------------------------------

    def watch_v2(self, pairs: Iterable[str]) -> list[str]:
        return self._registered(self.reader.add_v2(pairs))

    def watch_v3(self, pools: Iterable[str]) -> list[str]:
        return self._registered(self.reader.add_v3(pools))

    def _registered(self, added: list[str]) -> list[str]:
        for pool in added:  # a pool's age starts when it is watched (before start(): at the start)
            self.ages.touch(pool, self.head or 0)
        return added

    def watch_tokens(self, tokens: Iterable[str]) -> None:
        """Transfer logs of these tokens are reported too."""
        for token in tokens:
            self.tokens[checksum(token)] = None

    def unwatch(self, addresses: Iterable[str]) -> None:
        items = [checksum(a) for a in addresses]
        self.reader.discard(items)
        for a in items:
            self.states.pop(a, None)
            self.tokens.pop(a, None)
        self.ages.forget(items)

    # -- reading --------------------------------------------------------------------------------------

    async def start(self, from_block: int | None = None) -> int:
        """Begin at the head (states read now), or replay logs from ``from_block`` on the first poll."""
        tip = await self._tip()
        start = tip.number if from_block is None else max(from_block - 1, 0)
        headers = await self._headers(range(max(start - self.reorg_depth + 1, 0), start + 1))
        self._hashes = {n: h.hash for n, h in headers.items()}
        self.head = start
        self._first_log_block = start + 1
        self._delivered = {}
        self.head_timestamp = headers[start].timestamp if start in headers else 0
        for pool in self.ages.last_active:
            self.ages.touch(pool, start)
        if from_block is None:
            states, failed = await self.reader.read(start)
            self.states, self.failed = states, set(failed)
        return start

    async def refresh(self, block: int | None = None) -> dict[str, PoolState]:
        """Read every watched pool at ``block`` (default: the head) without touching logs or reorgs."""
        number = block if block is not None else await self.client.block_number()
        states, failed = await self.reader.read(number)
        self.states.update(states)
        self.failed = set(failed)
        return states

    def hash_of(self, number: int) -> str | None:
        """The hash of block ``number`` on the chain as last read (None: outside the reorg window)."""
        return self._hashes.get(number)

    async def poll(self, tip: Header | None = None) -> list[WatchEvent]:
        """One step: events since the last poll (Reorg first, logs in chain order, NewBlock last).
        ``tip``: the head as its driver already knows it (a replay that just mined it), which saves
        reading it; should the chain have moved on, the retry reads the head itself."""
        if self.head is None:
            await self.start()
        assert self.head is not None
        for attempt in range(POLL_RETRIES):
            if tip is None:
                tip = await self._tip()
            if tip.number <= self.head and tip.hash == self._hashes.get(tip.number):
                return []  # nothing new; or an endpoint behind us (lagging, not a reorg)
            try:
                step = await self._read_step(tip)
            except ChainError as err:
                # A node behind the head it just named (load-balanced backends, a lagging fallback)
                # lacks the block for a moment: read again rather than fail the whole poll.
                if attempt + 1 == POLL_RETRIES or not node_side(err):
                    raise
                step = None
            if step is not None:
                return self._commit(step)
            tip = None
        return []

    async def events(self) -> AsyncGenerator[WatchEvent, None]:
        """Poll forever, yielding events; sleeps a poll interval whenever no new block came."""
        while True:
            batch = await self.poll()
            for event in batch:
                yield event
            if not batch:
                await asyncio.sleep(self.poll_interval_s)

    async def run(self, callback: Callable[[WatchEvent], Awaitable[None] | None]) -> None:
        """Poll forever, handing every event to ``callback`` (sync or async)."""
        async for event in self.events():
            result = callback(event)
            if result is not None:
                await result

    # -- internals ------------------------------------------------------------------------------------

    async def _read_step(self, tip: Header) -> _Step | None:
        """None means the chain moved under us mid-read: try again."""
        assert self.head is not None
        last = self.head
        check = min(last, tip.number)
        wanted = {check, *range(max(last + 1, tip.number - self.reorg_depth + 1), tip.number + 1)}
        from_block = last + 1
        log_from = max(from_block - LOG_OVERLAP, self._first_log_block, 0)
        # Every read below is pinned to a known block, so they go out together: one HTTP batch, not
        # three round trips one after the other. What a reorg or a new pool changes is read again.
        with self.client.coalescing():
            headers_read, logs_read, states_read = await asyncio.gather(
                self._headers(sorted(wanted)),
                self._logs(self._filters(), log_from, tip.number),
                self.reader.read(tip.number),
                return_exceptions=True,
            )
        headers = _value(headers_read)
        if any(n not in headers for n in wanted) or headers[tip.number].hash != tip.hash:
            return None  # the chain moved mid-read, or a node behind the head answered part of it
        reorg = None
        if tip.number < last or headers[check].hash != self._hashes.get(check, headers[check].hash):
            ancestor = await self._common_ancestor(check, headers[check])
            reorg = Reorg(ancestor, last - ancestor, self._hashes.get(last, ""), tip.number, tip.hash)
            from_block = log_from = ancestor + 1
            missing = [n for n in range(max(from_block, tip.number - self.reorg_depth + 1), tip.number + 1)]
            headers.update(await self._headers([n for n in missing if n not in headers]))
            logs_read = await self._logs(self._filters(), from_block, tip.number)
        logs = self._undelivered(_value(logs_read), from_block)
        new_pools: list[str] = []
        for event in logs:
            if self.auto_watch and isinstance(event, PairCreated):
                new_pools += self.reader.add_v2([event.pair])
            elif self.auto_watch and isinstance(event, PoolCreated):
                new_pools += self.reader.add_v3([event.pool])
        if new_pools:  # their first Sync/Swap may be in these very blocks (a launch's first trades)
            logs += self._undelivered(
                await self._logs(
                    [{"address": new_pools, "topics": [list(POOL_TOPICS)]}], log_from, tip.number
                ),
                from_block,
            )
            logs.sort(key=lambda e: (e.block_number, e.log_index))
        for event in logs:
            known = headers.get(event.block_number)
            if known is not None and known.hash != event.block_hash:
                return None
        if new_pools:  # the new pools' states too
            states_read = await self.reader.read(tip.number)
        states, failed = _value(states_read)
        since = None if reorg else last
        untrusted, owed = await self._confirm(states, failed, logs, since, tip.number)
        return _Step(tip, headers, reorg, logs, states, failed, untrusted, owed)

    def _undelivered(self, events: list[ChainEvent], from_block: int) -> list[ChainEvent]:
        """``events`` minus those of blocks before ``from_block`` (the overlap the last polls covered) that
        an earlier poll delivered, or whose block this chain no longer has; what a node behind the head
        left out then stays."""
        return [
            e
            for e in events
            if e.block_number >= from_block
            or (
                self._hashes.get(e.block_number) == e.block_hash
                and (e.block_hash, e.log_index) not in self._delivered.get(e.block_number, ())
            )
        ]

    async def _confirm(
        self,
        states: dict[str, PoolState],
        failed: list[str],
        logs: list[ChainEvent],
        since: int | None,
        block: int,
    ) -> tuple[tuple[str, ...], dict[str, Owed]]:
        """Check the states read at ``block`` against the logs since ``since`` (state_check.py). Either
        answer can be the wrong one: a state read can lie, a log read from a backend behind the head can
        miss the newest logs. So both are read again for the pools that disagree (another endpoint first,
        when there is one), the logs from the first block that could explain the state. Pools still
        disagreeing are moved from ``states`` to ``failed`` and returned, with what their state must be
        and since when (the next block checks them against it, and reads their logs from there)."""
        owed = self._owed if since is not None else {}
        logged = {p: want for p, (want, _) in owed.items()}
        logged.update(expected(logs))
        bad = disagreeing(states, logged, self.states, since)
        if not bad:
            return (), {}
        first = list(bad)
        self.answers_disagreed += len(bad)
        head = since if since is not None else block
        start = {p: min(owed[p][1], head + 1) if p in owed else head + 1 for p in bad}
        for turn in range(1, STATE_REREADS + 1):
            with self.client.asking_another(turn):  # another endpoint first, when there is one
                again, _failed = await self.reader.read(block)
                relogs = await self._logs(
                    [{"address": bad, "topics": [list(POOL_TOPICS)]}], min(start[p] for p in bad), block
                )
            fresh = expected(e for e in relogs if e.block_number >= start.get(e.address, block + 1))
            logged.update({p: fresh[p] for p in bad if p in fresh})
            states.update({p: again[p] for p in bad if p in again})
            bad = disagreeing({p: states[p] for p in bad}, logged, self.states, since)
            if not bad:
                break
        for pool in bad:
            del states[pool]
            failed.append(pool)
        named = ", ".join(first[:3]) + (f" and {len(first) - 3} more" if len(first) > 3 else "")
        outcome = (
            f"{len(bad)} still disagree after {STATE_REREADS} more reads and are not priced at this block"
            if bad
            else "read again, they agree"
        )
        log.warning(
            "block %d: the node's state of %d pool(s) (%s) disagreed with the chain's logs; %s",
            block,
            len(first),
            named,
            outcome,
        )
        return tuple(bad), {
            p: (want, start[p]) for p in bad if (want := wanted(p, logged, self.states, since)) is not None
        }

    def _commit(self, step: _Step) -> list[WatchEvent]:
        events: list[WatchEvent] = []
        if step.reorg is not None:
            events.append(step.reorg)
            self._hashes = {n: h for n, h in self._hashes.items() if n <= step.reorg.common_ancestor}
        for number, header in step.headers.items():
            self._hashes[number] = header.hash
        floor = step.tip.number - self.reorg_depth
        self._hashes = {n: h for n, h in self._hashes.items() if floor < n <= step.tip.number}
        events.extend(step.logs)
        if step.reorg is not None:  # blocks the reorg replaced: their logs were delivered under old hashes
            self._delivered = {n: k for n, k in self._delivered.items() if n <= step.reorg.common_ancestor}
        for e in step.logs:
            self._delivered.setdefault(e.block_number, set()).add((e.block_hash, e.log_index))
        self._delivered = {n: k for n, k in self._delivered.items() if n >= step.tip.number - LOG_OVERLAP}
        changed = tuple(
            pool
            for pool, state in step.states.items()
            if pool not in self.states or not same_state(self.states[pool], state)
        )
        self.states.update(step.states)
        self.failed = set(step.failed)
        self.untrusted = dict.fromkeys(step.untrusted, step.tip.number)
        self._owed = step.owed
        self.head = step.tip.number
        dropped = self._age(step, changed)
        events.append(NewBlock(step.tip.number, step.tip.hash, step.tip.timestamp, changed, dropped))
        return events

    def _age(self, step: _Step, changed: Iterable[str]) -> tuple[str, ...]:
        """Note which pools were active in this step, then stop watching the dead ones."""
        head = step.tip.number
        logged: set[str] = set()
        for event in step.logs:
            if isinstance(event, V2Swap | V3Swap | Sync):
                self.ages.touch(event.address, event.block_number)
                logged.add(event.address)
            elif isinstance(event, PairCreated | PoolCreated):
                pool = event.pair if isinstance(event, PairCreated) else event.pool
                if pool in self.reader:
                    self.ages.touch(pool, event.block_number)
        for pool in changed:  # moved without a Swap/Sync (a V3 mint or burn): some time up to now
            if pool not in logged:
                self.ages.touch(pool, head)
        if len(self.ages) != len(self.reader):  # registered some other way: its age starts now
            for pool in (*self.reader.v2_pools, *self.reader.v3_pools):
                if pool not in self.ages.last_active:
                    self.ages.touch(pool, head)
        dropped = self.ages.expired(head, self.states)
        if dropped:
            self.unwatch(dropped)
        return tuple(dropped)

    async def _common_ancestor(self, check: int, at_check: Header) -> int:
        """The newest remembered block still canonical; below the window everything counts as replaced."""
        if self._hashes.get(check) == at_check.hash:
            return check
        older = sorted((n for n in self._hashes if n < check), reverse=True)
        if not older:
            return max(check - 1, 0)
        chain = await self._headers(older)
        for n in older:
            if n in chain and chain[n].hash == self._hashes[n]:
                return n
        return max(older[-1] - 1, 0)

    async def _tip(self) -> Header:
        block = await self.client.request("eth_getBlockByNumber", ["latest", False])
        if not block:
            raise ChainError("the RPC endpoint returned no latest block")
        return _header(block)

    async def _headers(self, numbers: Iterable[int]) -> dict[int, Header]:
        nums = list(numbers)
        if not nums:
            return {}
        blocks = await self.client.batch([("eth_getBlockByNumber", [hex(n), False]) for n in nums])
        return {n: _header(b) for n, b in zip(nums, blocks, strict=True) if isinstance(b, dict)}

    def _filters(self) -> list[dict[str, Any]]:
        filters: list[dict[str, Any]] = []
        if self.factories:
            filters.append({"address": self.factories, "topics": [list(FACTORY_TOPICS)]})
        pools = [*self.reader.v2_pools, *self.reader.v3_pools]
        if pools:
            filters.append({"address": pools, "topics": [list(POOL_TOPICS)]})
        if self.tokens:
            filters.append({"address": list(self.tokens), "topics": [[TRANSFER]]})
        return filters

    async def _logs(self, filters: list[dict[str, Any]], from_block: int, to_block: int) -> list[ChainEvent]:
        """Empty when ``from_block`` is past ``to_block`` (a poll behind the head it saw last)."""
        calls: list[tuple[str, Sequence[Any]]] = []
        for start in range(from_block, to_block + 1, self.log_range):
            end = min(start + self.log_range - 1, to_block)
            for f in filters:
                calls.append(("eth_getLogs", [{**f, "fromBlock": hex(start), "toBlock": hex(end)}]))
        if not calls:
            return []
        answers = await self.client.batch(calls)
        events: list[ChainEvent] = []
        for answer in answers:
            if isinstance(answer, RpcError):
                raise ChainError(
                    f"eth_getLogs {from_block}..{to_block} failed: {answer.message}; "
                    "lower the watcher's log_range if the endpoint limits ranges or results"
                )
            for log in answer or ():
                if log.get("removed"):
                    continue
                event = decode_log(log)
                if event is not None:
                    events.append(event)
        events.sort(key=lambda e: (e.block_number, e.log_index))
        return events


def _value(read: T | BaseException) -> T:
    """A read gathered beside others: its value, or its error raised now that it is needed."""
    if isinstance(read, BaseException):
        raise read
    return read


def _header(block: dict[str, Any]) -> Header:
    return Header(int(block["number"], 16), block["hash"], block["parentHash"], int(block["timestamp"], 16))
