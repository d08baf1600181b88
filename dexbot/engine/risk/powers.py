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
) -> OwnerFacts:
    """Powers (proven from the owner, or the creator when renounced) with each simulatable rug's effect
    (``after`` runs a round trip after given calls; None: no pool, effects not simulated)."""
    top = created_block or block
    code = priv.proxy_impl or token
    creator_t = asyncio.ensure_future(_creator(client, token, max(0, top - CREATOR_WINDOW), top))
    try:
        # the creator is only a caller when there is no owner: otherwise both reads run at once
        creator = None if priv.owner is not None else await creator_t
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
    finally:
        creator_t.cancel()
    accounts = [a for a in (creator, priv.owner) if a]
    held_t = _guarded(balances(client, token, accounts, block, multicall=multicall), {})
    effects_t = _with_effects(proofs, token, code, after) if after is not None else _same(proofs)
    powers, held = await asyncio.gather(effects_t, held_t)
    return OwnerFacts(
        powers=powers,
        creator=creator,
        creator_balance=held.get(creator) if creator else None,
        owner_balance=held.get(priv.owner) if priv.owner else None,
    )


async def _creator(client: RpcClient, token: str, lo: int, hi: int) -> str | None:
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


async def _with_effects(
    powers: tuple[OwnerPower, ...], token: str, code: str, after: RoundTripAfter
) -> tuple[OwnerPower, ...]:
    todo = [p for p in powers if p.proven and p.caller and rug_of(p).simulate]
    runs = await asyncio.gather(
        *(after([rug_call(rug_of(p), token, p.caller or STRANGER, code)]) for p in todo),
        return_exceptions=True,
    )
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
