"""What the round-trip probe returned, and what it means: per-stage records, taxes in bps, limits, and
whether the verdict can be trusted at all.

Kept apart from the RPC call so the interpretation (the part most likely to be argued about: when is a
failed sell a honeypot and when is it our own measurement failing?) reads on its own.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from eth_abi import decode
from eth_utils import keccak

from dexbot.chain.reverts import revert_reason
from dexbot.chain.rpc_errors import ERROR_SELECTOR, PANIC_SELECTOR, decode_revert

StageStatus = Literal["not_run", "ok", "reverted", "no_gas", "no_funds"]
STATUSES: tuple[StageStatus, ...] = ("not_run", "ok", "reverted", "no_gas", "no_funds")
MAIN_STAGES = ("buy_quote", "buy", "transfer_out", "transfer_back", "pair_transfer", "sell_quote", "sell")
STAGE_TYPE = "(uint8,uint256,uint256,uint256,uint256,uint256,bytes,bytes)"
OUTPUT_TYPES = [f"{STAGE_TYPE}[]", f"{STAGE_TYPE}[]"]
# A failed stage that burned this share of its cap ran out of gas somewhere down its call tree; the
# innermost frame of a 3-deep call (router → pair → token) already gets only (63/64)² of the cap.
OUT_OF_GAS_PERCENT = 90
BPS = 10_000
# Direct-transfer diagnostics send tokens the probe may not hold: a balance complaint says nothing.
_BALANCE_ERRORS = (keccak(text="ERC20InsufficientBalance(address,uint256,uint256)")[:4],)
_PANIC_UNDERFLOW = PANIC_SELECTOR + (0x11).to_bytes(32, "big")
_BALANCE_WORDS = ("exceeds balance", "subtraction overflow", "insufficient balance")


@dataclass(frozen=True)
class Stage:
    """One step of the round trip. Amounts are balance differences measured by the probe in raw units:
    ``amount_in`` left the sender, ``amount_out`` reached the receiver (quotes: the quoted output),
    ``delivered`` reached or left the pair. ``revert_data`` is what the called contract (often the router)
    answered; ``token_revert_data`` what a rolled-back direct transfer of the same amount answered, which
    shows the token's own reason the router hides."""

    name: str
    status: StageStatus
    gas_used: int
    gas_cap: int
    amount_in: int
    amount_out: int
    delivered: int
    revert_data: bytes
    token_revert_data: bytes
    reason: str

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def failed(self) -> bool:
        """Reverted for a reason of the token's or the pool's, not because our budget ran out."""
        return self.status == "reverted" and not self.out_of_gas

    @property
    def out_of_gas(self) -> bool:
        if self.status == "no_gas":
            return True
        return (
            self.status == "reverted"
            and self.gas_cap > 0
            and self.gas_used * 100 >= self.gas_cap * OUT_OF_GAS_PERCENT
        )


@dataclass(frozen=True)
class RoundTripResult:
    """The round trip of ``token`` at ``block``: ``stages`` in the order of MAIN_STAGES, ``ladder`` one
    stage per requested buy size (``ladder_wei``), each on the untouched pool. ``failure`` is set when
    the simulation call as a whole failed. Taxes are in basis points, rounded to the nearest."""

    token: str
    block: int | str
    stages: tuple[Stage, ...]
    ladder: tuple[Stage, ...]
    ladder_wei: tuple[int, ...]
    failure: str | None = None
    one_block: str | None = None  # why every stage ran in one block; None: each step in its own block

    def _main(self, name: str) -> Stage | None:
        return self.stage(name) if self.stages else None

    def stage(self, name: str) -> Stage:
        for s in (*self.stages, *self.ladder):
            if s.name == name:
                return s
        raise KeyError(f"no stage named {name!r} (known: {', '.join(MAIN_STAGES)}, ladder[i])")

    @property
    def refused_quote(self) -> Stage | None:
        """The buy quote, when the token itself failed it: a V3 quote runs the pool's real swap, so a
        paused token or a max-tx limit fails the quote before any buy (its reason from a direct transfer)."""
        quote = self._main("buy_quote")
        if (
            quote is not None
            and quote.failed
            and quote.token_revert_data
            and informative(quote.token_revert_data)
        ):
            return quote
        return None

    @property
    def can_buy(self) -> bool | None:
        if self.refused_quote is not None:
            return False
        buy = self._main("buy")
        if buy is None or buy.out_of_gas or buy.status in ("not_run", "no_funds"):
            return None
        return buy.ok

    @property
    def can_sell(self) -> bool | None:
        """False only when the sell really reverted (a revert that did not burn its gas cap is the token's
        answer, whatever else went wrong); None when it was not tried or ran out of gas."""
        sell = self._main("sell")
        if sell is None:
            return None
        if sell.ok:
            return True
        return False if sell.failed else None

    @property
    def buy_tax_bps(self) -> int | None:
        """Tokens received against the router's pre-trade quote; more than quoted is no tax (0)."""
        quote, buy = self._main("buy_quote"), self._main("buy")
        if quote is None or buy is None or not (quote.ok and buy.ok) or quote.amount_out == 0:
            return None
        return _tax_bps(quote.amount_out - buy.amount_out, quote.amount_out)

    @property
    def sell_tax_bps(self) -> int | None:
        """What the seller loses in tokens: what left the probe against what the pair credited to the
        seller (on a V2 pair the probe measures that credit apart from any tokens the token contract sells
        into the pair during the same transfer), never a quote taken after the trade (which would hide the
        tax in the moved price). Never negative: tokens arriving from elsewhere are not the seller's gain."""
        sell = self._main("sell")
        if sell is None or not sell.ok or sell.amount_in == 0:
            return None
        return _tax_bps(sell.amount_in - sell.delivered, sell.amount_in)

    @property
    def sell_eth_shortfall_bps(self) -> int | None:
        """What the seller loses in WETH: received against the untaxed pre-trade quote for the same amount
        (the tax, its price effect, and any sale the token contract makes first); never negative."""
        quote, sell = self._main("sell_quote"), self._main("sell")
        if quote is None or sell is None or not (quote.ok and sell.ok) or quote.amount_out == 0:
            return None
        return _tax_bps(quote.amount_out - sell.amount_out, quote.amount_out)

    @property
    def transfer_tax_bps(self) -> int | None:
        """Wallet to wallet: what reached the second wallet against what left the probe."""
        out = self._main("transfer_out")
        if out is None or not out.ok or out.amount_in == 0:
            return None
        return _tax_bps(out.amount_in - out.amount_out, out.amount_in)

    @property
    def max_buy_wei(self) -> int | None:
        """The largest ladder buy that went through."""
        done = [wei for wei, s in zip(self.ladder_wei, self.ladder, strict=True) if s.ok]
        return max(done) if done else None

    @property
    def limit_wei(self) -> int | None:
        """The smallest ladder buy that the token refused: a max-tx or max-wallet limit lies below it."""
        refused = [wei for wei, s in zip(self.ladder_wei, self.ladder, strict=True) if s.failed]
        return min(refused) if refused else None

    @property
    def limit_reason(self) -> str | None:
        for _, s in sorted(zip(self.ladder_wei, self.ladder, strict=True), key=lambda p: p[0]):
            if s.failed:
                return s.reason
        return None

    @property
    def inconclusive(self) -> str | None:
        """Why the result cannot be trusted as a verdict, or None. A stage starved of gas, a probe without
        ETH or a pool without a quote look exactly like an untradable token; they are not one."""
        if self.failure is not None:
            return self.failure
        everything = (*self.stages, *self.ladder)
        for s in everything:
            if s.status == "no_funds":
                return f"stage {s.name}: the probe had no ETH (the endpoint ignored the balance override)"
        for s in everything:
            if s.status == "no_gas":
                return f"stage {s.name} was skipped: the call ran out of gas before it (raise call_gas)"
        for s in everything:
            if s.out_of_gas:
                return (
                    f"stage {s.name} used {s.gas_used} of its {s.gas_cap} gas cap and reverted: "
                    "it ran out of gas (raise stage_gas)"
                )
        quote = self._main("buy_quote")
        if quote is not None and not quote.ok and self.refused_quote is None:
            return f"the router could not quote the buy ({quote.reason}): no liquid V2 pool for this token?"
        return None


def decode_probe_output(
    token: str, block: int | str, data: bytes, ladder_wei: Sequence[int]
) -> RoundTripResult:
    """Decode ``probe(...)``'s return data into a RoundTripResult."""
    main, ladder = _decode_fast(data)
    if len(main) != len(MAIN_STAGES) or len(ladder) != len(ladder_wei):
        raise ValueError(f"probe returned {len(main)} stages and {len(ladder)} ladder rungs")
    stages = tuple(_stage(name, tuple(raw)) for name, raw in zip(MAIN_STAGES, main, strict=True))
    rungs = tuple(_stage(f"ladder[{i}]", tuple(raw)) for i, raw in enumerate(ladder))
    return RoundTripResult(token, block, stages, rungs, tuple(ladder_wei))


WORD = 32
STAGE_WORDS = 8  # status, gas used, gas cap, amount in, amount out, delivered, 2 bytes offsets


def _decode_fast(data: bytes) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The probe's two Stage arrays read straight from the ABI layout (eth_abi's generic decoder costs
    about a millisecond per answer, and a check decodes four); anything off the expected layout goes to
    eth_abi, which raises for malformed data."""
    try:
        return _stages_at(data, _word(data, 0)), _stages_at(data, _word(data, WORD))
    except (IndexError, ValueError):
        main, ladder = decode(OUTPUT_TYPES, data)
        return list(main), list(ladder)


def _stages_at(data: bytes, at: int) -> list[tuple[Any, ...]]:
    count = _word(data, at)
    base = at + WORD
    if count > len(data) // WORD:
        raise ValueError("stage count beyond the data")
    stages = []
    size = len(data)
    for i in range(count):
        start = base + _word(data, base + i * WORD)
        if start < 0 or start + STAGE_WORDS * WORD > size:
            raise IndexError("stage beyond the data")
        words = [
            int.from_bytes(data[k : k + WORD], "big") for k in range(start, start + STAGE_WORDS * WORD, WORD)
        ]
        if words[0] > 255:
            raise ValueError("status is a uint8")
        revert, token = (_bytes_at(data, start + words[k]) for k in (6, 7))
        stages.append((*words[:6], revert, token))
    return stages


def _word(data: bytes, at: int) -> int:
    if at < 0 or at + WORD > len(data):
        raise IndexError("word beyond the data")
    return int.from_bytes(data[at : at + WORD], "big")


def _bytes_at(data: bytes, at: int) -> bytes:
    length = _word(data, at)
    if at + WORD + length > len(data):
        raise ValueError("bytes beyond the data")
    return data[at + WORD : at + WORD + length]


def merge_steps(parts: Sequence[RoundTripResult]) -> RoundTripResult:
    """One result from the probe's steps (each ran its own stages; the rest came back not_run)."""
    first = parts[0]
    stages = tuple(
        next((p.stages[i] for p in parts if p.stages[i].status != "not_run"), first.stages[i])
        for i in range(len(MAIN_STAGES))
    )
    return replace(first, stages=stages)


def needs_token_reason(result: RoundTripResult) -> bool:
    """A buy or ladder rung failed and only the router's wrapper or a balance complaint says why."""
    buys = [s for s in result.stages if s.name == "buy"] + list(result.ladder)
    return any(s.failed and not (s.token_revert_data and informative(s.token_revert_data)) for s in buys)


def relabel(result: RoundTripResult, reasons: dict[str, str]) -> RoundTripResult:
    """``result`` with the named stages' reasons replaced by the token's own (from a trace)."""
    if not reasons:
        return result

    def fix(s: Stage) -> Stage:
        return replace(s, reason=reasons[s.name]) if s.failed and s.name in reasons else s

    return replace(result, stages=tuple(map(fix, result.stages)), ladder=tuple(map(fix, result.ladder)))


def failed_call(token: str, block: int | str, ladder_wei: Sequence[int], why: str) -> RoundTripResult:
    """The result of a simulation whose call as a whole failed: no stages, inconclusive."""
    return RoundTripResult(token, block, (), (), tuple(ladder_wei), failure=why)


@functools.lru_cache(maxsize=1024)  # a multi-block probe answers mostly not-run stages: the same each time
def _stage(name: str, raw: tuple[Any, ...]) -> Stage:
    status_code, gas_used, gas_cap, amount_in, amount_out, delivered, revert_data, token_revert = raw
    status: StageStatus = STATUSES[status_code] if status_code < len(STATUSES) else "reverted"
    stage = Stage(
        name=name,
        status=status,
        gas_used=int(gas_used),
        gas_cap=int(gas_cap),
        amount_in=int(amount_in),
        amount_out=int(amount_out),
        delivered=int(delivered),
        revert_data=bytes(revert_data),
        token_revert_data=bytes(token_revert),
        reason="",
    )
    reason = _reason(stage)
    return replace(stage, reason=reason) if reason else stage


def _reason(stage: Stage) -> str:
    if stage.status == "ok":
        return ""
    if stage.status == "not_run":
        return "not run: an earlier stage failed"
    if stage.status == "no_gas":
        return "skipped: not enough call gas left for the stage cap"
    if stage.status == "no_funds":
        return "skipped: the probe had no ETH"
    if stage.out_of_gas:
        return f"out of gas: used {stage.gas_used} of its {stage.gas_cap} cap"
    if stage.token_revert_data and informative(stage.token_revert_data):
        return revert_reason(stage.token_revert_data)
    return revert_reason(stage.revert_data)


def informative(data: bytes) -> bool:
    """False for diagnostics that only complain the probe lacked the tokens it tried to send."""
    if data[:4] in _BALANCE_ERRORS or data == _PANIC_UNDERFLOW:
        return False
    if data[:4] == ERROR_SELECTOR:
        text = decode_revert(data).lower()
        # SafeMath-era tokens say "subtraction overflow" for a balance short of the amount
        return not any(words in text for words in _BALANCE_WORDS)
    return True


def _tax_bps(lost: int, base: int) -> int:
    """A tax in bps of ``base``: what was lost, 0 where more arrived than was sent."""
    return max(0, _bps(lost, base))


def _bps(lost: int, base: int) -> int:
    """``lost / base`` in basis points, rounded half away from zero (negative: more arrived than sent)."""
    magnitude = (abs(lost) * BPS + base // 2) // base
    return magnitude if lost >= 0 else -magnitude
