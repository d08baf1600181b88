"""The Smart Lane's extra reads about a token's owner and code, gathered together: owner powers proven live
and their rugs simulated, the token's creator and the creator's and owner's balances, and a traced transfer
(outside calls, gas). Each read that fails leaves its part unknown; none fails the assessment."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from dexbot.chain.bytecode import Privileges
from dexbot.chain.owner_powers import (
    STRANGER,
    OwnerPower,
    candidate_rugs,
    first_minted_to,
    prove_powers,
    rug_call,
    rug_effect,
    rug_of,
)
from dexbot.chain.roundtrip import RoundTripResult
from dexbot.chain.rpc import RpcClient
from dexbot.chain.tokens import balances
from dexbot.chain.transfer_trace import TransferTrace, trace_transfer
from dexbot.core.errors import ChainError

# Blocks searched back from the first pool's creation for the token's first mint (deploy comes first).
CREATOR_WINDOW = 5_000
TRACE_AMOUNT = 1_000  # raw units moved out of the pool in the traced transfer: enough to touch every rule

T = TypeVar("T")
RoundTripAfter = Callable[[Sequence[dict[str, str]]], Awaitable[RoundTripResult | None]]


@dataclass(frozen=True)
class OwnerFacts:
    powers: tuple[OwnerPower, ...]
    creator: str | None
    creator_balance: int | None
    owner_balance: int | None


async def owner_facts(
    client: RpcClient,
    token: str,
    priv: Privileges,
    *,
    created_block: int,
    block: int,
    multicall: str,
    after: RoundTripAfter | None,
    log_floor: int = 0,
) -> OwnerFacts:
    """Powers (proven from the owner, or the creator when renounced) with each simulatable rug's effect
    (``after`` runs a round trip after given calls; None: no pool, effects not simulated). The creator is
    searched for no further back than ``log_floor``, the oldest block whose logs the node keeps."""
    top = created_block or block
    code = priv.proxy_impl or token
    creator_t = asyncio.ensure_future(_creator(client, token, max(0, top - CREATOR_WINDOW, log_floor), top))
    rugs: dict[str, asyncio.Future[RoundTripResult | None]] = {}
    try:
        # the creator is only a caller when there is no owner: otherwise both reads run at once
        creator = None if priv.owner is not None else await creator_t
        caller = priv.owner or creator
        if after is not None and caller is not None:
            rugs = _simulate_rugs(priv.all_selectors, token, caller, code, after)
        proofs = await _guarded(
            prove_powers(
                client,
                token,
                priv.all_selectors,
                owner=priv.owner,
                admin=priv.proxy_admin,
                creator=creator,
                code=code,
                block=block,
            ),
            (),
        )
        creator = await creator_t
        accounts = [a for a in (creator, priv.owner) if a]
        held_t = _guarded(balances(client, token, accounts, block, multicall=multicall), {})
        effects_t = _with_effects(proofs, rugs) if after is not None else _same(proofs)
        powers, held = await asyncio.gather(effects_t, held_t)
    finally:
        creator_t.cancel()
        for run in rugs.values():  # the rugs of powers not proven: their effect is not asked
            if not run.done():
                run.cancel()
            elif not run.cancelled():
                run.exception()  # read (a failed run of an unproven power is nobody's news)
    return OwnerFacts(
        powers=powers,
        creator=creator,
        creator_balance=held.get(creator) if creator else None,
        owner_balance=held.get(priv.owner) if priv.owner else None,
    )


async def _creator(client: RpcClient, token: str, lo: int, hi: int) -> str | None:
    if lo > hi:
        return None  # created before the oldest logs the node keeps
    try:
        return await first_minted_to(client, token, lo, hi)
    except ChainError:
        return None


async def _guarded(coro: Awaitable[T], fallback: T) -> T:
    """``coro``'s answer, or ``fallback`` when the chain could not give it (one part unknown)."""
    try:
        return await coro
    except ChainError:
        return fallback


async def _same(powers: tuple[OwnerPower, ...]) -> tuple[OwnerPower, ...]:
    return powers


def _simulate_rugs(
    selectors: frozenset[bytes], token: str, caller: str, code: str, after: RoundTripAfter
) -> dict[str, asyncio.Future[RoundTripResult | None]]:
    """The round trip after each rug ``selectors`` allow, from ``caller``, started beside the proofs
    (signature -> run): a power's effect then costs no round trip after its proof. Only the proven
    powers' runs are read."""
    return {
        r.signature: asyncio.ensure_future(after([rug_call(r, token, caller, code)]))
        for r in candidate_rugs(selectors)
        if r.simulate
    }


async def _with_effects(
    powers: tuple[OwnerPower, ...], rugs: dict[str, asyncio.Future[RoundTripResult | None]]
) -> tuple[OwnerPower, ...]:
    todo = [p for p in powers if p.proven and p.caller and p.signature in rugs]
    runs = await asyncio.gather(*(rugs[p.signature] for p in todo), return_exceptions=True)
    effects: dict[str, str] = {}
    for p, rt in zip(todo, runs, strict=True):
        if isinstance(rt, BaseException):
            if not isinstance(rt, Exception):
                raise rt
            effects[p.signature] = f"effect not known ({type(rt).__name__}: {rt})"
        elif rt is not None:
            effects[p.signature] = rug_effect(rt, rug_of(p))
    return tuple(replace(p, effect=effects.get(p.signature, p.effect)) for p in powers)


async def transfer_facts(client: RpcClient, token: str, pool: str | None, block: int) -> TransferTrace | None:
    """A transfer out of ``pool`` traced (None: no pool, or the node cannot trace)."""
    if pool is None:
        return None
    try:
        return await trace_transfer(
            client, token, sender=pool, recipient=STRANGER, amount=TRACE_AMOUNT, block=block
        )
    except ChainError:
        return None
