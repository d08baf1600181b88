"""How the round-trip probe (contracts/probe/RoundTripProbe.sol) is called: where its code is injected,
its calldata laid out by hand for V2 pairs (the hot path) and through eth_abi for V3 pools, whose router
calls carry a mark where the probe writes each stage's amount."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from eth_abi import encode
from eth_utils import keccak

from dexbot.chain.abi import address_word, checksum, selector
from dexbot.chain.contracts import load_own
from dexbot.chain.dex.types import V3RouterKind
from dexbot.chain.dex.uniswap_v3.swap import v3_swap_exact_in

# An address nobody holds a key for, the same on every chain: where the probe's code is injected.
PROBE_ADDRESS = checksum(keccak(text="dexbot.probe")[12:])
PROBE_SIGNATURE = "probe(address,address,address,address,uint256,uint256[],uint256)"
V3_ROUTE_TYPE = "(address,address,uint256,bytes,uint256,bytes,uint256)"
PROBE_V3_SIGNATURE = f"probeV3({V3_ROUTE_TYPE},address,address,address,uint256,uint256[],uint256)"
PROBE_STEP_SIGNATURE = "probeStep(uint8,bytes)"
# Written into the router calls where the probe puts each stage's amount (found by its bytes).
AMOUNT_MARK = int.from_bytes(keccak(text="dexbot.probe.amount"), "big")
FAR_DEADLINE = 2**64 - 1


@functools.cache
def probe_code() -> str:
    return "0x" + load_own("RoundTripProbe").deployed_bytecode.hex()


@dataclass(frozen=True)
class V3Route:
    """What a V3 round trip needs besides the router: QuoterV2, the pool's fee tier, the router kind."""

    quoter: str
    fee: int
    kind: V3RouterKind = "swap_router"


def probe_calldata(
    router: str, weth: str, token: str, pair: str, buy_wei: int, ladder_wei: Sequence[int], stage_gas: int
) -> bytes:
    """Laid out by hand (four address words, the buy, the ladder's offset, the stage gas, then the ladder):
    eth_abi's generic encoder was a twentieth of a token check's CPU."""
    head = b"".join(address_word(a) for a in (router, weth, token, pair))
    head += _uint(buy_wei) + _uint(7 * 32) + _uint(stage_gas)
    tail = _uint(len(ladder_wei)) + b"".join(_uint(w) for w in ladder_wei)
    return selector(PROBE_SIGNATURE) + head + tail


def _uint(value: int) -> bytes:
    if not 0 <= value < 2**256:
        raise ValueError(f"{value} does not fit a uint256")
    return value.to_bytes(32, "big")


def _amount_offset(data: bytes) -> int:
    mark = AMOUNT_MARK.to_bytes(32, "big")
    at = data.find(mark)
    if at < 0 or data.find(mark, at + 1) >= 0:
        raise ValueError("the router call must carry the amount exactly once")
    return at


def v3_router_calls(router: str, route: V3Route, weth: str, token: str) -> tuple[bytes, int, bytes, int]:
    """(buy call, offset of its amountIn, sell call, offset of its amountIn): the live trader's calls,
    ETH in and out, recipient the probe, no minimum out."""
    buy = v3_swap_exact_in(
        router,
        [weth, token],
        [route.fee],
        AMOUNT_MARK,
        0,
        PROBE_ADDRESS,
        FAR_DEADLINE,
        native_in=True,
        kind=route.kind,
    ).data
    sell = v3_swap_exact_in(
        router,
        [token, weth],
        [route.fee],
        AMOUNT_MARK,
        0,
        PROBE_ADDRESS,
        FAR_DEADLINE,
        native_out=True,
        kind=route.kind,
    ).data
    return buy, _amount_offset(buy), sell, _amount_offset(sell)


def probe_v3_calldata(
    router: str,
    route: V3Route,
    weth: str,
    token: str,
    pool: str,
    buy_wei: int,
    ladder_wei: Sequence[int],
    stage_gas: int,
) -> bytes:
    buy, buy_at, sell, sell_at = v3_router_calls(router, route, weth, token)
    tup = (router, route.quoter, route.fee, buy, buy_at, sell, sell_at)
    args = [tup, weth, token, pool, buy_wei, list(ladder_wei), stage_gas]
    types = [V3_ROUTE_TYPE, "address", "address", "address", "uint256", "uint256[]", "uint256"]
    return selector(PROBE_V3_SIGNATURE) + encode(types, args)


def step_calldata(step: int, probe_call: bytes) -> bytes:
    """``probeStep(step, probe_call)`` laid out by hand (uint8 word, offset, length, padded bytes): eth_abi's
    generic encoder costs more than the rest of a step's preparation, and a check prepares five."""
    pad = b"\0" * (-len(probe_call) % 32)
    head = step.to_bytes(32, "big") + (64).to_bytes(32, "big") + len(probe_call).to_bytes(32, "big")
    return selector(PROBE_STEP_SIGNATURE) + head + probe_call + pad
