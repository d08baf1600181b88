"""Owner powers proven live. A selector in the dispatcher only says a function of that name exists; here
each privileged function the bytecode shows is called the way a rug would call it (``setMaxTxPercent(0)``,
``setFee(0,0,20,100)``, ``blockBots([holder])``, ``pause()`` …) with ``eth_call`` — nothing is sent — once
from the owner and once from a stranger. Succeeding for the owner and reverting for the stranger proves the
power; reverting for the owner leaves it a name ("selector only"), e.g. a capped fee setter.

Where ownership reads as renounced, the same calls go out from the token's creator (the first mint's
recipient): any that succeeds is a hidden owner (SafeMoon's ``lock``/``unlock`` gives ownership back).

All proofs cost one batch. Proven powers whose effect on trading matters are then simulated
(``simulate_round_trip`` with the owner's call in a block before the buy) to say what the rug would do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from eth_abi import encode
from eth_utils import keccak

from dexbot.chain.abi import ZERO_ADDRESS, checksum, hex_to_bytes, selector, topic
from dexbot.chain.reverts import revert_reason
from dexbot.chain.roundtrip import PROBE_ADDRESS, RoundTripResult
from dexbot.chain.rpc import RpcClient
from dexbot.chain.rpc_errors import RpcError

# An address nobody holds a key for: "anyone" when a privileged call is tried from outside.
STRANGER = checksum(keccak(text="dexbot.stranger")[12:])
PROOF_GAS = 3_000_000
TRANSFER_TOPIC = topic("Transfer(address,address,uint256)")
# Placeholders in a rug's arguments, filled per token.
VICTIM, CALLER, CODE = "<victim>", "<caller>", "<code>"

Status = Literal["proven", "anyone", "selector only"]


@dataclass(frozen=True)
class Rug:
    """How a rug uses one privileged function: ``power`` says it in words, ``simulate`` whether its
    effect on a round trip is worth a simulation (a fee, a limit, a list, a pause); ``category`` as in
    bytecode.py."""

    signature: str
    category: str
    power: str
    args: tuple[Any, ...] = ()
    simulate: bool = True


_MAX_TX_ZERO = "set the max transaction to 0"
_SELL_TAX = "raise the sell tax to 100 %"
_BLOCK = "block a chosen holder (bot list / blacklist)"
RUGS: tuple[Rug, ...] = (
    Rug("setMaxTxPercent(uint256)", "limits", _MAX_TX_ZERO, (0,)),
    Rug("setMaxTxAmount(uint256)", "limits", _MAX_TX_ZERO, (0,)),
    Rug("setMaxTxnAmount(uint256)", "limits", _MAX_TX_ZERO, (0,)),
    Rug("updateMaxTxnAmount(uint256)", "limits", _MAX_TX_ZERO, (0,)),
    Rug("setLimits(uint256,uint256)", "limits", "set max tx and max wallet to 1 unit", (1, 1)),
    Rug("setMaxWalletSize(uint256)", "limits", "set the max wallet to 0", (0,)),
    Rug("setMaxWallet(uint256)", "limits", "set the max wallet to 0", (0,)),
    Rug("updateMaxWalletAmount(uint256)", "limits", "set the max wallet to 0", (0,)),
    Rug("setFee(uint256,uint256,uint256,uint256)", "fees", "set the fees to (0,0,20,100)", (0, 0, 20, 100)),
    Rug("setTaxes(uint16,uint16)", "fees", _SELL_TAX, (0, 10_000)),
    Rug("setTaxes(uint256,uint256)", "fees", _SELL_TAX, (0, 10_000)),
    Rug("setTax(uint256,uint256)", "fees", _SELL_TAX, (0, 10_000)),
    Rug("setFee(uint256,uint256)", "fees", _SELL_TAX, (0, 10_000)),
    Rug("setFees(uint256,uint256)", "fees", _SELL_TAX, (0, 10_000)),
    Rug("updateFees(uint256,uint256)", "fees", _SELL_TAX, (0, 10_000)),
    Rug("setFees(uint256,uint256,uint256)", "fees", _SELL_TAX, (0, 0, 10_000)),
    Rug("updateSellFees(uint256,uint256,uint256)", "fees", _SELL_TAX, (10_000, 0, 0)),
    Rug("setSellTax(uint256)", "fees", _SELL_TAX, (10_000,)),
    Rug("setFee(uint256)", "fees", _SELL_TAX, (10_000,)),
    Rug("setTaxFee(uint256)", "fees", _SELL_TAX, (10_000,)),
    Rug("setTaxFeePercent(uint256)", "fees", _SELL_TAX, (10_000,)),
    Rug("setPersonalFee(address,uint256)", "personal_fee", "put a 100 % fee on one holder", (VICTIM, 100)),
    Rug("setTaxFor(address,uint256)", "personal_fee", "put a 100 % fee on one holder", (VICTIM, 10_000)),
    Rug("blockBots(address[])", "blacklist", _BLOCK, ([VICTIM],)),
    Rug("setBots(address[])", "blacklist", _BLOCK, ([VICTIM],)),
    Rug("addBots(address[])", "blacklist", _BLOCK, ([VICTIM],)),
    Rug("addBot(address)", "blacklist", _BLOCK, (VICTIM,)),
    Rug("setBot(address,bool)", "blacklist", _BLOCK, (VICTIM, True)),
    Rug("setBlacklisted(address,bool)", "blacklist", _BLOCK, (VICTIM, True)),
    Rug("blacklist(address)", "blacklist", _BLOCK, (VICTIM,)),
    Rug("blacklistAddress(address,bool)", "blacklist", _BLOCK, (VICTIM, True)),
    Rug("setBlacklist(address,bool)", "blacklist", _BLOCK, (VICTIM, True)),
    Rug("pause()", "pause", "pause every transfer"),
    Rug("setPaused(bool)", "pause", "pause every transfer", (True,)),
    Rug("setTradingEnabled(bool)", "trading_switch", "switch trading off", (False,)),
    Rug("setTrading(bool)", "trading_switch", "switch trading off", (False,)),
    Rug("enableTrading()", "trading_switch", "open trading when it likes", simulate=False),
    Rug("openTrading()", "trading_switch", "open trading when it likes", simulate=False),
    Rug("setCooldownEnabled(bool)", "cooldown", "switch a trading cooldown on", (True,)),
    Rug("setTransferDelay(bool)", "cooldown", "switch a once-per-block rule on", (True,)),
    Rug("mint(address,uint256)", "mint", "mint new tokens", (CALLER, 10**27), simulate=False),
    Rug("mintTo(address,uint256)", "mint", "mint new tokens", (CALLER, 10**27), simulate=False),
    Rug("mint(uint256)", "mint", "mint new tokens", (10**27,), simulate=False),
    Rug("setBalance(address,uint256)", "balances", "set any holder's balance", (VICTIM, 0), simulate=False),
    Rug("setWhitelisted(address,bool)", "whitelist", "choose who may trade", (VICTIM, True), simulate=False),
    Rug("setWhitelist(address,bool)", "whitelist", "choose who may trade", (VICTIM, True), simulate=False),
    Rug("upgradeTo(address)", "upgrade", "replace the token's code", (CODE,), simulate=False),
    Rug("upgradeToAndCall(address,bytes)", "upgrade", "replace the token's code", (CODE, b""), False),
)
# Tried from the creator only when ownership reads as renounced: do they give it back?
RECLAIMS: tuple[Rug, ...] = (
    Rug("unlock()", "ownership", "take ownership back (unlock)", simulate=False),
    Rug("transferOwnership(address)", "ownership", "hand ownership on", (STRANGER,), simulate=False),
)
_BY_SELECTOR = {selector(r.signature): r for r in RUGS + RECLAIMS}


@dataclass(frozen=True)
class OwnerPower:
    """One privileged function tried live. ``caller`` is who succeeded (or was tried); ``status``:
    'proven' (the caller can, a stranger cannot), 'anyone' (a stranger can too), 'selector only' (the
    call failed for the caller as well, ``detail`` says why, or there was nobody to try it from).
    ``effect`` is what the simulated rug did to a round trip, when simulated."""

    signature: str
    category: str
    power: str
    status: Status
    caller: str | None
    detail: str = ""
    effect: str | None = None
    hidden: bool = False  # proven from the creator while owner() reads as renounced

    @property
    def proven(self) -> bool:
        return self.status in ("proven", "anyone")

    def describe(self) -> str:
        who = "anyone" if self.status == "anyone" else "the creator" if self.hidden else "the owner"
        if not self.proven:
            why = f": {self.detail}" if self.detail else ""
            return f"{self.signature} (selector only{why})"
        said = f"{who} can {self.power} (proven)"
        return f"{said}: {self.effect}" if self.effect else said

    def to_json(self) -> dict[str, object]:
        return {
            "signature": self.signature,
            "category": self.category,
            "power": self.power,
            "status": self.status,
            "caller": self.caller,
            "detail": self.detail,
            "effect": self.effect,
            "hidden": self.hidden,
        }


def rug_call(rug: Rug, token: str, caller: str, code: str) -> dict[str, str]:
    """The eth_call object of ``rug`` on ``token`` from ``caller`` (placeholders filled)."""
    fill = {VICTIM: PROBE_ADDRESS, CALLER: caller, CODE: code}
    args = [[fill.get(a, a) for a in x] if isinstance(x, list) else fill.get(x, x) for x in rug.args]
    types = [t for t in rug.signature.partition("(")[2].rstrip(")").split(",") if t]
    data = selector(rug.signature) + encode(types, args)
    return {"from": caller, "to": token, "data": "0x" + data.hex(), "gas": hex(PROOF_GAS)}


def candidate_rugs(selectors: frozenset[bytes] | set[bytes]) -> tuple[Rug, ...]:
    """The rugs whose function the dispatcher answers to, in table order."""
    return tuple(r for r in RUGS if selector(r.signature) in selectors)


async def prove_powers(
    client: RpcClient,
    token: str,
    selectors: frozenset[bytes] | set[bytes],
    *,
    owner: str | None,
    admin: str | None,
    creator: str | None,
    code: str,
    block: int | str,
) -> tuple[OwnerPower, ...]:
    """Every rug ``selectors`` allow, tried from its caller and from a stranger in one batch. The caller is
    ``owner`` (``admin`` for an upgrade); with no owner, ``creator`` — and RECLAIMS are tried too."""
    tag = hex(block) if isinstance(block, int) else block
    rugs = list(candidate_rugs(selectors))
    if owner is None:
        rugs += [r for r in RECLAIMS if selector(r.signature) in selectors]
    tried: list[tuple[Rug, str]] = []
    powers: list[OwnerPower] = []
    for rug in rugs:
        caller = (admin or owner or creator) if rug.category == "upgrade" else (owner or creator)
        if caller is None:
            why = "ownership renounced and no creator found to try it from"
            powers.append(OwnerPower(rug.signature, rug.category, rug.power, "selector only", None, why))
        else:
            tried.append((rug, caller))
    calls: list[tuple[str, Sequence[Any]]] = []
    for rug, caller in tried:
        calls.append(("eth_call", [rug_call(rug, token, caller, code), tag]))
        calls.append(("eth_call", [rug_call(rug, token, STRANGER, code), tag]))
    answers = await client.batch(calls) if calls else []
    for i, (rug, caller) in enumerate(tried):
        mine, theirs = answers[2 * i], answers[2 * i + 1]
        hidden = owner is None and caller == creator
        if isinstance(mine, RpcError):
            detail = f"reverts for its {'creator' if hidden else 'owner'}: {_why(mine)}"
            powers.append(OwnerPower(rug.signature, rug.category, rug.power, "selector only", caller, detail))
            continue
        status: Status = "proven" if isinstance(theirs, RpcError) else "anyone"
        powers.append(OwnerPower(rug.signature, rug.category, rug.power, status, caller, hidden=hidden))
    return tuple(powers)


def rug_of(power: OwnerPower) -> Rug:
    return next(r for r in RUGS + RECLAIMS if r.signature == power.signature)


def _why(err: RpcError) -> str:
    return revert_reason(err.data) if err.data else err.message or "reverted without a reason"


async def first_minted_to(client: RpcClient, token: str, from_block: int, block: int) -> str | None:
    """The recipient of the token's first mint (a Transfer from the zero address) in the range: its
    creator, for a launch token; None when the range holds no mint or cannot be read."""
    zero_word = "0x" + "00" * 32
    try:
        logs = await client.request(
            "eth_getLogs",
            [
                {
                    "address": token,
                    "topics": [TRANSFER_TOPIC, zero_word],
                    "fromBlock": hex(from_block),
                    "toBlock": hex(block),
                }
            ],
        )
    except RpcError:
        return None
    for log in logs or ():
        topics = log.get("topics") or []
        if len(topics) >= 3:
            to = checksum(hex_to_bytes(topics[2])[-20:])
            if to != ZERO_ADDRESS:
                return to
    return None


def rug_effect(rt: RoundTripResult, rug: Rug) -> str:
    """What a round trip simulated after ``rug`` shows, in words ("every sell reverts")."""
    chosen = any(VICTIM in (a if isinstance(a, list) else [a]) for a in rug.args)
    whom = "the chosen holder's" if chosen else "every"
    if rt.inconclusive:
        return f"effect not known ({rt.inconclusive})"
    if rt.can_buy is False:
        return f"{whom} buy reverts ('{_failed_reason(rt, 'buy')}')"
    for name in ("transfer_out", "transfer_back"):
        if rt.stage(name).failed:
            return f"{whom} wallet-to-wallet transfer reverts ('{rt.stage(name).reason}')"
    if rt.can_sell is False:
        return f"{whom} sell reverts ('{_failed_reason(rt, 'sell')}')"
    taxes = [
        (rt.buy_tax_bps or 0, "buy"),
        (rt.sell_tax_bps or 0, "sell"),
        (rt.transfer_tax_bps or 0, "transfer"),
    ]
    worst, side = max(taxes)
    if worst >= 1_000:
        return f"{whom} {side} loses {worst / 100:g} % to tax"
    return "no effect on a round trip"


def _failed_reason(rt: RoundTripResult, name: str) -> str:
    refused = rt.refused_quote if name == "buy" else None
    stage = refused or rt.stage(name)
    if name == "sell" and rt.stage("pair_transfer").failed and rt.stage("pair_transfer").reason:
        return rt.stage("pair_transfer").reason
    return stage.reason
