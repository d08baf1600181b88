"""Round-trip simulation of a token in ONE non-mutating request: buy, transfer to a second wallet and
back, a rolled-back direct transfer to the pool, sell everything, and a ladder of larger buys, all run
by our own probe contract (contracts/probe/RoundTripProbe.sol) injected through a state override.
Nothing is sent and nothing persists; a token check costs one RPC round trip.

Real holders buy in one block and transfer or sell in later ones, and many launch templates only let a
wallet receive once per block. So where the node has ``eth_simulateV1`` the round trip runs as three calls
in three consecutive simulated blocks (buy; transfer out; transfer back and sell — a sell into a pair meets
no once-per-block rule), the ladder beside them in a plain call; where it lacks it, all of
it runs in one ``eth_call`` and the result says so (``one_block``): a once-per-block rule then reads as
a blocked transfer.

    result = await simulate_round_trip(client, router=..., weth=..., token=..., pair=...,
                                       buy_wei=10**16, ladder_wei=default_ladder(weth_reserve), block=n)
    result.can_sell, result.buy_tax_bps, result.sell_tax_bps, result.limit_reason, result.inconclusive

A V2 pair trades through Router02's fee-on-transfer functions. A V3 pool (``v3=V3Route(...)``, ``pair``
= the pool, ``router`` = the chain's V3 router) trades through the same router calls the live trader
sends (``dexbot.chain.dex.uniswap_v3.swap``, either router generation) and is quoted by QuoterV2; the
probe writes each stage's amount into those calls. The hazards show the same way on both: a honeypot's
sell reverts with the token's reason, a blacklist's transfer after the buy reverts, a buy tax shows as
fewer tokens than quoted. A V3 pool refuses to be paid less than a swap owes, so a fee-on-transfer
token's sell into one reverts ('IIA'): on V3 such a token really cannot be sold.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Any

from dexbot.chain.abi import checksum
from dexbot.chain.reverts import revert_reason
from dexbot.chain.roundtrip_decode import (
    MAIN_STAGES,
    RoundTripResult,
    Stage,
    decode_probe_output,
    failed_call,
    merge_steps,
    needs_token_reason,
    relabel,
)
from dexbot.chain.roundtrip_probe import (
    PROBE_ADDRESS,
    V3Route,
    probe_calldata,
    probe_code,
    probe_v3_calldata,
    step_calldata,
)
from dexbot.chain.roundtrip_trace import buy_reasons
from dexbot.chain.rpc import RpcClient
from dexbot.chain.rpc_coalesce import batch_sent
from dexbot.chain.rpc_errors import RpcError
from dexbot.core.errors import ChainError, InputError

__all__ = [
    "DEFAULT_CALL_GAS",
    "DEFAULT_STAGE_GAS",
    "LADDER_BPS",
    "MAIN_STAGES",
    "PROBE_ADDRESS",
    "RoundTripResult",
    "Stage",
    "StateOverrideUnsupported",
    "V3Route",
    "default_ladder",
    "send_steps",
    "simulate_round_trip",
]

STEPS = ("buy", "transfer out", "transfer back and sell")  # the probe's steps 1..3, one block each
LADDER_STEP = 5  # the probe's ladder alone: a plain eth_call beside the simulated blocks
ONE_CALL = "the node has no eth_simulateV1: buy, transfers and sell ran in one block"
_NO_SIMULATE_WORDS = ("not found", "does not exist", "not available", "not supported", "unsupported")
# Clients whose node refused eth_simulateV1 once: asking again every round trip would only add latency.
_NO_SIMULATE: weakref.WeakKeyDictionary[RpcClient, str] = weakref.WeakKeyDictionary()
DEFAULT_CALL_GAS = 3_000_000
MIN_CALL_GAS = 1_000_000
# A V2 swap of a fee-on-transfer token costs ~100–200k; tokens that swap their tax on sells need more.
DEFAULT_STAGE_GAS = 500_000
MIN_STAGE_GAS = 30_000
# Ladder rungs as shares of the pool's WETH reserve: 0.1 %, 0.5 %, 1 %, 2 %.
LADDER_BPS = (10, 50, 100, 200)
UNSUPPORTED = "RPC endpoint does not support eth_call state overrides: round-trip simulation unavailable"
_OVERRIDE_REFUSALS = (
    "unsupported",
    "not supported",
    "invalid params",
    "too many",
    "unknown field",
    "override",
)


class StateOverrideUnsupported(ChainError):
    """The endpoint ignored or rejected the state-override parameter of eth_call."""


def default_ladder(weth_reserve: int, bps: Sequence[int] = LADDER_BPS) -> tuple[int, ...]:
    """Ladder buy sizes in wei for a pool holding ``weth_reserve`` wei of WETH (zero-sized rungs dropped)."""
    return tuple(w for w in (weth_reserve * b // 10_000 for b in bps) if w > 0)


async def simulate_round_trip(
    client: RpcClient,
    *,
    router: str,
    weth: str,
    token: str,
    pair: str,
    buy_wei: int,
    ladder_wei: Sequence[int] = (),
    block: int | str = "latest",
    call_gas: int = DEFAULT_CALL_GAS,
    stage_gas: int = DEFAULT_STAGE_GAS,
    v3: V3Route | None = None,
    across_blocks: bool = True,
    prelude: Sequence[dict[str, str]] = (),
    sent: Awaitable[Any] | None = None,
) -> RoundTripResult:
    """Simulate buying ``buy_wei`` of ``token`` through the V2 ``router`` and selling it all again, at
    ``block``, in one eth_call (with ``v3``: through the V3 ``router`` on the V3 pool ``pair``). Never
    raises for a hostile token: reverts are data in the result. Raises StateOverrideUnsupported when the
    endpoint cannot inject the probe, InputError for unusable sizes, ChainError when the node cannot run
    the call at all (e.g. an unknown block). ``prelude``: calls (eth_call objects, any ``from``) run in a
    simulated block of their own before the buy, e.g. an owner's rug; needs eth_simulateV1. ``sent``: the
    answer of ``send_steps`` for the same token, pool and buy (its blocks already on their way)."""
    _check_inputs(buy_wei, ladder_wei, call_gas, stage_gas)
    router_a, weth_a = _address("router", router), _address("weth", weth)
    token_a, pair_a = _address("token", token), _address("pair", pair)
    if v3 is None:
        data = probe_calldata(router_a, weth_a, token_a, pair_a, buy_wei, ladder_wei, stage_gas)
    else:
        route = V3Route(_address("quoter", v3.quoter), v3.fee, v3.kind)
        data = probe_v3_calldata(router_a, route, weth_a, token_a, pair_a, buy_wei, ladder_wei, stage_gas)
    call = _probe_call(data, call_gas)
    funds = buy_wei + max(ladder_wei, default=0)
    override = {PROBE_ADDRESS: {"code": probe_code(), "balance": hex(funds)}}
    tag = hex(block) if isinstance(block, int) else block
    if (across_blocks or prelude) and client not in _NO_SIMULATE:
        early = None if prelude else sent
        stepped = await _simulate_steps(
            client, call, override, tag, token_a, block, ladder_wei, prelude, early
        )
        if stepped is not None:
            return await _token_reasons(client, stepped, call, override, tag, token_a, prelude)
    if prelude:
        why = f"the calls before the round trip need eth_simulateV1 ({_NO_SIMULATE.get(client, '')})"
        return failed_call(token_a, block, ladder_wei, why)
    why_one = _NO_SIMULATE.get(client, "") if across_blocks else ""
    one_block = f"{ONE_CALL} ({why_one})" if why_one else "asked for one block"
    try:
        raw = await _probe_alone(client, [call, tag, override])
    except RpcError as err:
        message = err.message.lower()
        if not err.is_revert and any(word in message for word in _OVERRIDE_REFUSALS):
            raise StateOverrideUnsupported(f"{UNSUPPORTED} ({err.message})") from None
        if err.is_revert or "gas" in message:
            why = f"the simulation call failed as a whole ({err.message}); raise call_gas (now {call_gas})"
            return failed_call(token_a, block, ladder_wei, why)
        raise ChainError(f"round-trip simulation of {token_a} at block {block}: {err.message}") from None
    output = bytes.fromhex(str(raw).removeprefix("0x"))
    if not output:
        # No code ran at the probe address: the override was silently dropped.
        raise StateOverrideUnsupported(UNSUPPORTED)
    result = replace(_decode(token_a, block, output, ladder_wei), one_block=one_block)
    return await _token_reasons(client, result, call, override, tag, token_a, prelude)


async def _token_reasons(
    client: RpcClient,
    result: RoundTripResult,
    call: dict[str, str],
    override: dict[str, Any],
    tag: str,
    token: str,
    prelude: Sequence[dict[str, str]],
) -> RoundTripResult:
    """Failed buys labelled by the router's wrapper get the token's innermost reason from a trace of the
    buy (not after a prelude: a trace runs one call on the block's state)."""
    if prelude or not needs_token_reason(result):
        return result
    return relabel(result, await buy_reasons(client, call, override, tag, token, PROBE_ADDRESS))


def _decode(token: str, block: int | str, output: bytes, ladder_wei: Sequence[int]) -> RoundTripResult:
    try:
        return decode_probe_output(token, block, output, ladder_wei)
    except Exception as err:  # eth_abi raises several unrelated types for malformed data
        raise ChainError(
            f"round-trip probe returned undecodable data ({err}); is the probe code current?"
        ) from err


async def _simulate_steps(
    client: RpcClient,
    call: dict[str, str],
    override: dict[str, Any],
    tag: str,
    token: str,
    block: int | str,
    ladder_wei: Sequence[int],
    prelude: Sequence[dict[str, str]] = (),
    sent: Awaitable[Any] | None = None,
) -> RoundTripResult | None:
    """The round trip as three probe steps in three simulated blocks on top of ``tag`` (after a block of
    ``prelude`` calls, if any), and the ladder in an eth_call of its own at the same time (its rungs run
    on the untouched pool: no later block changes them, and a plain call is cheaper than a simulated
    block); None when the node has no eth_simulateV1 (remembered for this client). ``sent``: the steps'
    answer from ``send_steps`` (asked with placeholder ladder sizes, which the steps never run)."""
    probe_call = bytes.fromhex(call["data"].removeprefix("0x"))
    ladder_call = call | {"data": "0x" + step_calldata(LADDER_STEP, probe_call).hex()}
    outcomes: tuple[Any, ...] = await asyncio.gather(
        sent if sent is not None else _request_steps(client, call, override, tag, prelude),
        _probe_alone(client, [ladder_call, tag, override]) if ladder_wei else _nothing(),
        return_exceptions=True,
    )
    simulated, laddered = outcomes
    for outcome in outcomes:
        if isinstance(outcome, BaseException) and not isinstance(outcome, RpcError):
            raise outcome
    try:
        if isinstance(simulated, RpcError):
            raise simulated
        answer = simulated
    except RpcError as err:
        message = err.message.lower()
        if err.code == -32601 or (
            not err.is_revert and "simulate" in message and any(w in message for w in _NO_SIMULATE_WORDS)
        ):
            _NO_SIMULATE[client] = err.message
            return None
        if err.is_revert or "gas" in message:
            why = f"the multi-block simulation failed as a whole ({err.message})"
            return failed_call(token, block, ladder_wei, why)
        raise ChainError(f"round-trip simulation of {token} at block {block}: {err.message}") from None
    answer = list(answer or ())
    if prelude:
        for result in (answer.pop(0) if answer else {}).get("calls") or [{}]:
            if int(str(result.get("status", "0x0")), 16) != 1:
                why = f"the call before the round trip failed ({_said(result)})"
                return failed_call(token, block, ladder_wei, why)
    parts = []
    for name, sim_block in zip(STEPS, answer, strict=False):
        (result,) = sim_block.get("calls") or [{}]
        if int(str(result.get("status", "0x0")), 16) != 1:
            error = (result.get("error") or {}).get("message", "no error given")
            why = f"the simulation's {name} step failed as a whole ({error}); raise call_gas"
            return failed_call(token, block, ladder_wei, why)
        output = bytes.fromhex(str(result.get("returnData", "0x")).removeprefix("0x"))
        if not output:
            raise StateOverrideUnsupported(UNSUPPORTED)
        parts.append(_decode(token, block, output, ladder_wei))
    if len(parts) != len(STEPS):
        raise ChainError(f"eth_simulateV1 answered {len(parts)} blocks for the {len(STEPS)} asked")
    merged = merge_steps(parts)
    if not ladder_wei:
        return merged
    if isinstance(laddered, RpcError):
        return failed_call(
            token, block, ladder_wei, f"the ladder call failed as a whole ({laddered.message})"
        )
    ladder = _decode(token, block, bytes.fromhex(str(laddered).removeprefix("0x")), ladder_wei).ladder
    return replace(merged, ladder=ladder)


def _request_steps(
    client: RpcClient,
    call: dict[str, str],
    override: dict[str, Any],
    tag: str,
    prelude: Sequence[dict[str, str]] = (),
) -> Awaitable[Any]:
    """The eth_simulateV1 request of the probe's steps (``call`` is its ``probe`` call), one block each
    after a block of ``prelude`` calls, if any."""
    probe_call = bytes.fromhex(call["data"].removeprefix("0x"))
    step_calls = [
        call | {"data": "0x" + step_calldata(i, probe_call).hex()} for i in range(1, len(STEPS) + 1)
    ]
    first: list[dict[str, Any]] = [{"calls": list(prelude)}] if prelude else []
    blocks = [*first, *({"calls": [c]} for c in step_calls)]
    blocks[0] = blocks[0] | {"stateOverrides": override}
    return client.request("eth_simulateV1", [{"blockStateCalls": blocks, "validation": False}, tag])


def send_steps(
    client: RpcClient,
    *,
    router: str,
    weth: str,
    token: str,
    pair: str,
    buy_wei: int,
    rungs: int,
    block: int,
    after: Callable[[], Awaitable[None]] | None = None,
) -> asyncio.Task[Any] | None:
    """The V2 round trip's simulated blocks sent now, before the pool is measured: pass the task to
    ``simulate_round_trip(sent=...)`` for the same token, pair and buy, with a ladder of ``rungs`` buys.
    The ladder's sizes need the pool's reserve and the steps never run it, but its length shapes the
    probe's memory and so, by a gas unit or two, the stages' gas: the sizes sent here are placeholders,
    the count must be the real one. Its answer is the node's (an RpcError when it refused); None where the
    steps cannot be sent (no eth_simulateV1, bad input). ``after``: what to wait for before sending."""
    if client in _NO_SIMULATE or buy_wei <= 0:
        return None
    try:
        router_a, weth_a = _address("router", router), _address("weth", weth)
        token_a, pair_a = _address("token", token), _address("pair", pair)
        ladder = (buy_wei,) * rungs
        data = probe_calldata(router_a, weth_a, token_a, pair_a, buy_wei, ladder, DEFAULT_STAGE_GAS)
    except (InputError, ValueError):
        return None
    call = _probe_call(data, DEFAULT_CALL_GAS)
    override = {PROBE_ADDRESS: {"code": probe_code(), "balance": hex(buy_wei)}}
    return asyncio.ensure_future(_answer(client, call, override, hex(block), after))


def _probe_call(data: bytes, gas: int) -> dict[str, str]:
    return {"from": PROBE_ADDRESS, "to": PROBE_ADDRESS, "data": "0x" + data.hex(), "gas": hex(gas)}


async def _answer(
    client: RpcClient,
    call: dict[str, str],
    override: dict[str, Any],
    tag: str,
    after: Callable[[], Awaitable[None]] | None,
) -> Any:
    """The steps' answer, or the RpcError it raised as the answer (nobody may ever await it)."""
    if after is not None:
        await after()
    try:
        return await _request_steps(client, call, override, tag)
    except RpcError as err:
        return err


async def _probe_alone(client: RpcClient, params: list[Any]) -> Any:
    """An eth_call of the probe (its ladder: five buys), the slowest call of its turn: sent on its own,
    after the batch of the same turn (logs, proofs) is on its way, so their answers do not wait on it."""
    await batch_sent(client)
    return await client.request("eth_call", params, alone=True)


async def _nothing() -> None:
    return None


def _said(result: dict[str, Any]) -> str:
    """What a failed simulated call answered: its revert data decoded, else the node's message."""
    data = str(result.get("returnData") or "0x").removeprefix("0x")
    try:
        raw = bytes.fromhex(data)
    except ValueError:
        raw = b""
    return revert_reason(raw) if raw else (result.get("error") or {}).get("message", "no error given")


def _check_inputs(buy_wei: int, ladder_wei: Sequence[int], call_gas: int, stage_gas: int) -> None:
    if buy_wei <= 0:
        raise InputError(f"buy_wei = {buy_wei}: the round-trip buy must spend a positive amount of wei")
    if any(w <= 0 for w in ladder_wei):
        raise InputError(
            f"ladder_wei = {list(ladder_wei)}: every ladder buy must be a positive amount of wei"
        )
    if call_gas < MIN_CALL_GAS:
        raise InputError(
            f"call_gas = {call_gas}: below {MIN_CALL_GAS} the simulation itself runs out of gas; "
            f"use the default {DEFAULT_CALL_GAS}"
        )
    if not MIN_STAGE_GAS <= stage_gas < call_gas:
        raise InputError(
            f"stage_gas = {stage_gas}: must be at least {MIN_STAGE_GAS} and below call_gas ({call_gas})"
        )


def _address(name: str, value: str) -> str:
    try:
        return checksum(value)
    except (ValueError, TypeError):
        raise InputError(f"{name} = {value!r} is not an address (expected 0x + 40 hex digits)") from None
