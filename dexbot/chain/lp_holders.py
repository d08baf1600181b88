"""Who holds a V2 pair's LP tokens, and whether they can pull the liquidity: burned (the zero and dead
addresses), locked (a contract that is not the pair, router or factory and says when its LP unlocks), or
held by someone who can remove it at any moment (the owner, the deployer, any wallet or plain contract).

A locker is recognised by what it answers, not by name: every LP holder found in the pair's Transfer logs
is asked the unlock getters lockers commonly expose (``unlockTime(lp)``, ``unlockTime()``,
``releaseTime()``, ...). A wallet answers nothing; a contract answering a time still ahead holds its LP
"locked until T". T above 10^9 is a unix time, below it a block number. Holders, balances, code, unlock
answers and the block's timestamp come in two round trips: the logs, then one batch.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

from dexbot.chain.abi import ZERO_ADDRESS, address_word, selector, word_uint
from dexbot.chain.multicall import MULTICALL3, aggregate3, encode_call3
from dexbot.chain.rpc import RpcClient
from dexbot.chain.rpc_errors import RpcError
from dexbot.chain.tokens import BALANCE_OF, DEAD, TOTAL_SUPPLY, transfer_parties
from dexbot.core.errors import ChainError

MINIMUM_LIQUIDITY = 1000  # Uniswap V2 locks this much LP at the zero address forever
TIMESTAMP_FLOOR = 1_000_000_000  # an unlock value at or above this is a unix time, below a block number
MAX_PARTIES = 200  # LP holders asked at most (a pair with more is no fresh launch)
NOW = selector("getCurrentBlockTimestamp()")
# The getters lockers expose; the ones taking an address are asked about this pair's LP token.
UNLOCK_GETTERS = ("unlockTime()", "releaseTime()", "unlockDate()", "lockedUntil()", "getUnlockTime()")
UNLOCK_GETTERS_OF_LP = ("unlockTime(address)", "getUnlockTime(address)", "lockedUntil(address)")
Unit = Literal["time", "block"]


@dataclass(frozen=True)
class LpLock:
    """LP of ``holder`` (``bps`` of the LP supply) that cannot leave before ``until`` (a unix time or a
    block number, by ``unit``); ``remaining`` is seconds or blocks from the block read."""

    holder: str
    bps: int
    until: int
    unit: Unit
    remaining: int

    def describe(self) -> str:
        when = (
            f"time {self.until} (in {self.remaining} s)"
            if self.unit == "time"
            else (f"block {self.until} (in {self.remaining} blocks)")
        )
        return f"{self.bps / 100:g}% locked in {self.holder} until {when}"


@dataclass(frozen=True)
class LpStats:
    """Shares in bps of the LP supply. ``top`` are the holders who can pull their LP (not burned, not
    locked), largest first; ``contracts`` which of them are contracts; ``complete`` False when the log
    window may not reach the pair's creation (a holder older than it is then not seen)."""

    total_supply: int
    burned_bps: int  # at the zero/dead address, minus the V2 minimum liquidity
    owner_bps: int  # held by the token's owner: liquidity they can pull
    locks: tuple[LpLock, ...] = ()
    top: tuple[tuple[str, int], ...] = ()
    contracts: frozenset[str] = frozenset()
    complete: bool = True

    @property
    def locked_bps(self) -> int:
        return sum(lock.bps for lock in self.locks)

    @property
    def top_bps(self) -> int:
        """The largest share one holder can pull."""
        return self.top[0][1] if self.top else 0


async def lp_stats(
    client: RpcClient,
    pair: str,
    owner: str | None,
    block: int,
    *,
    from_block: int,
    since_creation: bool = False,
    exclude: Collection[str] = (),
    multicall: str = MULTICALL3,
) -> LpStats:
    """The LP holders of ``pair`` at ``block`` (found from its Transfer logs since ``from_block``, which
    ``since_creation`` says is at or before the pair's creation); ``exclude``: addresses whose LP is
    passing through, never holdings (the router, the factory)."""
    try:
        parties = await transfer_parties(client, pair, from_block, block)
        complete = since_creation or from_block == 0
    except ChainError:
        parties, complete = set(), False  # burned and owner shares still read below
    skip = {a.lower() for a in (*exclude, pair, ZERO_ADDRESS, DEAD)}
    found = sorted(p for p in parties if p.lower() not in skip)[:MAX_PARTIES]
    if owner and owner.lower() not in {p.lower() for p in found}:
        found.append(owner)
    holders = [ZERO_ADDRESS, DEAD, *found]
    lp_word = address_word(pair)
    calls = [encode_call3(pair, TOTAL_SUPPLY), encode_call3(multicall, NOW)]
    calls += [encode_call3(pair, BALANCE_OF + address_word(h)) for h in holders]
    for h in found:
        calls += [encode_call3(h, selector(g)) for g in UNLOCK_GETTERS]
        calls += [encode_call3(h, selector(g) + lp_word) for g in UNLOCK_GETTERS_OF_LP]
    results, codes = await asyncio.gather(
        aggregate3(client, calls, block, address=multicall),
        client.batch([("eth_getCode", [h, hex(block)]) for h in found]),
    )
    words = [word_uint(d, 0) if ok and len(d) >= 32 else None for ok, d in results]
    supply, now = words[0] or 0, words[1] or 0
    if supply == 0:
        return LpStats(0, 0, 0, complete=complete)
    held = [w or 0 for w in words[2 : 2 + len(holders)]]
    burned = max(0, held[0] - MINIMUM_LIQUIDITY) + held[1]
    per_getters = len(UNLOCK_GETTERS) + len(UNLOCK_GETTERS_OF_LP)
    unlocks = words[2 + len(holders) :]
    locks: list[LpLock] = []
    free: list[tuple[str, int]] = []
    contracts: set[str] = set()
    for i, (h, balance) in enumerate(zip(found, held[2:], strict=True)):
        if balance == 0:
            continue
        bps = balance * 10_000 // supply
        code = codes[i]
        if isinstance(code, RpcError) or str(code or "0x") in ("0x", "0x0"):
            free.append((h, bps))
            continue
        contracts.add(h)
        lock = _lock(h, bps, unlocks[i * per_getters : (i + 1) * per_getters], now=now, block=block)
        if lock is not None:
            locks.append(lock)
        else:
            free.append((h, bps))
    owned = next((b for h, b in zip(found, held[2:], strict=True) if owner and h.lower() == owner.lower()), 0)
    free.sort(key=lambda hb: -hb[1])
    return LpStats(
        supply,
        burned * 10_000 // supply,
        owned * 10_000 // supply,
        locks=tuple(locks),
        top=tuple(free[:5]),
        contracts=frozenset(contracts),
        complete=complete,
    )


def _lock(holder: str, bps: int, answers: list[int | None], *, now: int, block: int) -> LpLock | None:
    """The lock a contract holder's unlock getters describe, if one of them names a time still ahead."""
    for until in answers:
        if until is None or until == 0 or until >> 64:
            continue  # no answer, nothing locked, or no time at all
        if until >= TIMESTAMP_FLOOR:
            if now and until > now:
                return LpLock(holder, bps, until, "time", until - now)
        elif until > block:
            return LpLock(holder, bps, until, "block", until - block)
        return None  # the first getter answering names a past unlock: the lock is over
    return None
