"""The token-security flags public scanners answer (GoPlus token-security, honeypot.is), answered from the
chain: each flag says what dexbot found, how it decided (``how``: a simulation, a call proven from the
owner, a selector only, a storage slot, a trace, logs and balances), and the factor it feeds.

A flag never decides anything itself: the factors do (``factors.py``); the flags are the checklist a
trader compares with the scanners, and the README's table is built from FLAGS.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from dexbot.chain.bytecode import Privileges, privileged_selectors
from dexbot.chain.lp_holders import LpStats
from dexbot.chain.owner_powers import OwnerPower
from dexbot.chain.roundtrip import RoundTripResult
from dexbot.chain.tokens import HolderStats
from dexbot.chain.transfer_trace import TransferTrace

# A plain ERC20 transfer to a new wallet costs ~30k gas inside the probe (measured on PlainToken: 26.4k);
# four times that is no tax, limit or reflection bookkeeping any more but gas burnt on the trader's bill.
PLAIN_TRANSFER_GAS = 30_000
GAS_ABUSE_FACTOR = 4
SHARE_WARN_BPS = 500  # a creator or owner holding 5 % or more of supply

# name → (factor it feeds, how dexbot decides it): the README table.
FLAGS: dict[str, tuple[str, str]] = {
    "honeypot": ("round_trip", "the simulated sell (or a transfer after the buy) reverts"),
    "cannot_buy": ("round_trip", "the simulated buy (or the pool's quote of it) reverts"),
    "cannot_sell_all": ("round_trip", "selling the whole balance reverts while a small transfer in works"),
    "buy_tax": ("taxes", "tokens received against the router's pre-trade quote"),
    "sell_tax": ("taxes", "tokens the seller sent against what the pair was credited"),
    "transfer_tax": ("taxes", "wallet-to-wallet: sent against received"),
    "tax_modifiable": ("owner_privileges", "a fee setter called as a rug from the owner vs a stranger"),
    "personal_tax": ("owner_privileges", "a per-address fee setter called on one holder from the owner"),
    "max_tx_or_wallet": ("limits", "the ladder of larger simulated buys finds the first one refused"),
    "limits_modifiable": ("owner_privileges", "a max-tx/max-wallet setter called with 0 from the owner"),
    "cooldown": ("owner_privileges", "cooldown / transfer-delay switches in the dispatcher, called live"),
    "trading_switch": ("owner_privileges", "a trading on/off switch called from the owner"),
    "pausable": ("owner_privileges", "pause() called from the owner vs a stranger"),
    "blacklist": ("owner_privileges", "a blacklist / bot-list setter called on one holder from the owner"),
    "whitelist": ("owner_privileges", "a whitelist setter called from the owner"),
    "mintable": ("owner_privileges", "mint called from the owner vs a stranger"),
    "owner_can_change_balance": ("owner_privileges", "a balance setter called from the owner"),
    "hidden_owner": ("owner_privileges", "owner() is zero but a privileged call succeeds from the creator"),
    "ownership_reclaimable": ("owner_privileges", "unlock() / transferOwnership from the creator succeed"),
    "proxy": ("owner_privileges", "EIP-1967 / EIP-1822 / ZeppelinOS implementation or beacon slots"),
    "proxy_admin": ("owner_privileges", "EIP-1967 / ZeppelinOS admin slot; upgradeTo called from it"),
    "selfdestruct": ("code_hazards", "a SELFDESTRUCT opcode in the code (or the implementation's)"),
    "external_call": ("code_hazards", "debug_traceCall of a transfer: calls to other contracts"),
    "gas_abuse": ("code_hazards", f"wallet transfer gas above {GAS_ABUSE_FACTOR}x a plain ERC20's"),
    "holder_concentration": (
        "holder_concentration",
        "top 10 holders' balances (Transfer logs, then balanceOf)",
    ),
    "creator_share": ("holder_concentration", "balance of the first mint's recipient / supply"),
    "owner_share": ("holder_concentration", "balance of owner() / supply"),
    "lp_burned": ("lp_locked", "LP tokens at the zero/dead address (minus V2's minimum liquidity)"),
    "lp_locked": (
        "lp_locked",
        "LP held by a contract (not the pair/router/factory) whose unlock getter names a time still ahead",
    ),
    "lp_owner_share": ("lp_locked", "LP tokens held by owner() / LP supply"),
    "lp_holder_concentration": (
        "lp_locked",
        "largest LP share a holder can pull (pair's Transfer logs, then balanceOf; not burned or locked)",
    ),
}
# Which owner-power categories answer which flag.
POWER_FLAGS = {
    "tax_modifiable": ("fees",),
    "personal_tax": ("personal_fee",),
    "limits_modifiable": ("limits",),
    "cooldown": ("cooldown",),
    "trading_switch": ("trading_switch",),
    "pausable": ("pause",),
    "blacklist": ("blacklist",),
    "whitelist": ("whitelist",),
    "mintable": ("mint",),
    "owner_can_change_balance": ("balances",),
}


@dataclass(frozen=True)
class Flag:
    """One scanner question answered: ``value`` True/False, None when not known (the reason in
    ``detail``); ``how`` this answer was reached; ``factor`` the factor it feeds."""

    name: str
    value: bool | None
    detail: str
    how: str
    factor: str

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "value": self.value,
            "detail": self.detail,
            "how": self.how,
            "factor": self.factor,
        }


@dataclass(frozen=True)
class FlagFacts:
    """What the flags are read from; None where it was not gathered (the fast lane) or not available."""

    rt: RoundTripResult | None = None
    privileges: Privileges | None = None
    powers: tuple[OwnerPower, ...] = ()
    trace: TransferTrace | None = None
    holders: HolderStats | None = None
    lp: LpStats | None = None
    total_supply: int = 0
    creator: str | None = None
    creator_balance: int | None = None
    owner_balance: int | None = None


def _pct(bps: int) -> str:
    return f"{Decimal(bps) / 100:g}%"


def _flag(name: str, value: bool | None, detail: str, how: str | None = None) -> Flag:
    factor, default_how = FLAGS[name]
    return Flag(name, value, detail, how or default_how, factor)


def token_flags(f: FlagFacts) -> tuple[Flag, ...]:
    """Every flag of FLAGS, in its order."""
    flags = [*_trade_flags(f.rt), *_power_flags(f), *_code_flags(f), *_holding_flags(f)]
    by_name = {fl.name: fl for fl in flags}
    return tuple(by_name[name] for name in FLAGS)


def _trade_flags(rt: RoundTripResult | None) -> list[Flag]:
    names = (
        "honeypot",
        "cannot_buy",
        "cannot_sell_all",
        "buy_tax",
        "sell_tax",
        "transfer_tax",
        "max_tx_or_wallet",
    )
    if rt is None:
        return [_flag(n, None, "no pool to simulate a round trip through") for n in names]
    if rt.inconclusive:
        return [_flag(n, None, f"simulation inconclusive: {rt.inconclusive}") for n in names]
    blocked = next((rt.stage(n) for n in ("transfer_out", "transfer_back") if rt.stage(n).failed), None)
    sell, pair_in = rt.stage("sell"), rt.stage("pair_transfer")
    honeypot = rt.can_sell is False or blocked is not None
    why = (blocked or sell).reason if honeypot else "the simulated sell went through"
    flags = [
        _flag("honeypot", honeypot, why),
        _flag("cannot_buy", rt.can_buy is False, (rt.refused_quote or rt.stage("buy")).reason or "buy works"),
        _flag(
            "cannot_sell_all",
            None if rt.can_sell is None else (rt.can_sell is False and pair_in.ok),
            "the whole balance's sell reverts but a 1% transfer into the pair works"
            if rt.can_sell is False and pair_in.ok
            else "the whole balance was sold"
            if rt.can_sell
            else sell.reason or "the sell was not reached",
        ),
    ]
    for name, bps in (
        ("buy_tax", rt.buy_tax_bps),
        ("sell_tax", rt.sell_tax_bps),
        ("transfer_tax", rt.transfer_tax_bps),
    ):
        flags.append(
            _flag(name, None if bps is None else bps > 0, "not measured" if bps is None else _pct(bps))
        )
    if not rt.ladder:
        flags.append(_flag("max_tx_or_wallet", None, "no ladder of larger buys was simulated"))
    elif rt.limit_wei is None:
        flags.append(_flag("max_tx_or_wallet", False, "every ladder buy went through"))
    else:
        why = f"buys from {rt.limit_wei} wei fail ('{rt.limit_reason}')"
        flags.append(_flag("max_tx_or_wallet", True, why))
    return flags


def _power_flags(f: FlagFacts) -> list[Flag]:
    p = f.privileges
    names = (*POWER_FLAGS, "hidden_owner", "ownership_reclaimable", "proxy", "proxy_admin")
    if p is None:
        return [_flag(n, None, "owner privileges are not read in the fast lane") for n in names]
    flags = []
    table = privileged_selectors()
    for name, categories in POWER_FLAGS.items():
        mine = [w for w in f.powers if w.category in categories]
        proven = [w for w in mine if w.proven]
        named = [sig for h, sig in p.selectors if table[bytes.fromhex(h[2:])][1] in categories]
        if proven:
            detail = "; ".join(w.describe() for w in proven)
            flags.append(_flag(name, True, detail, f"proven by eth_call: {FLAGS[name][1]}"))
        elif mine or named:
            said = "; ".join(w.describe() for w in mine) or ", ".join(named)
            gone = not p.has_live_owner and not p.is_proxy
            detail = f"{said}{' — no live owner to use it' if gone else ''}"
            flags.append(_flag(name, not gone, detail, "selector only: the function exists, not proven"))
        else:
            flags.append(_flag(name, False, "no such function in the dispatcher", "bytecode dispatcher"))
    hidden = [w for w in f.powers if w.hidden and w.proven]
    flags.append(
        _flag(
            "hidden_owner",
            bool(hidden),
            "; ".join(w.describe() for w in hidden) or "no privileged call works for the creator",
        )
        if p.owner is None
        else _flag("hidden_owner", False, f"owner() is {p.owner}: not hidden")
    )
    reclaim = [w for w in hidden if w.category == "ownership"]
    flags.append(
        _flag(
            "ownership_reclaimable",
            bool(reclaim) if p.owner is None else False,
            "; ".join(w.describe() for w in reclaim)
            or ("renounced for good" if p.renounced else "not renounced: nothing to reclaim"),
        )
    )
    flags.append(
        _flag(
            "proxy",
            p.is_proxy,
            f"{p.proxy_kind} proxy, implementation {p.proxy_impl}" if p.is_proxy else "no proxy slot set",
        )
    )
    upgrade = [w for w in f.powers if w.category == "upgrade" and w.proven]
    admin = p.proxy_admin or (upgrade[0].caller if upgrade else None)
    flags.append(
        _flag(
            "proxy_admin",
            None if p.is_proxy and admin is None else admin is not None,
            f"admin {admin}" + (" (upgradeTo proven)" if upgrade else "") if admin else "no admin found",
        )
    )
    return flags


def _code_flags(f: FlagFacts) -> list[Flag]:
    p, t, rt = f.privileges, f.trace, f.rt
    flags = [
        _flag("selfdestruct", None, "code not read in the fast lane")
        if p is None
        else _flag("selfdestruct", p.selfdestruct, "SELFDESTRUCT in the code" if p.selfdestruct else "none")
    ]
    if t is None:
        flags.append(_flag("external_call", None, "no trace: the node has no debug_traceCall or no pool"))
    else:
        # a proxy's delegatecall to its own implementation is the token's code, not an outside call
        outside = [a for a in t.external if p is None or a != p.proxy_impl]
        flags.append(_flag("external_call", bool(outside), ", ".join(outside) or "no outside call"))
    gas = _transfer_gas(rt)
    if gas is None:
        flags.append(_flag("gas_abuse", None, "no successful wallet transfer to measure"))
    else:
        abuse = gas > GAS_ABUSE_FACTOR * PLAIN_TRANSFER_GAS
        flags.append(
            _flag("gas_abuse", abuse, f"a wallet transfer used {gas} gas (plain ~{PLAIN_TRANSFER_GAS})")
        )
    return flags


def _transfer_gas(rt: RoundTripResult | None) -> int | None:
    if rt is None or not rt.stages or not rt.stage("transfer_out").ok:
        return None
    return rt.stage("transfer_out").gas_used


def _holding_flags(f: FlagFacts) -> list[Flag]:
    h, lp, supply = f.holders, f.lp, f.total_supply
    flags = []
    if h is None:
        flags.append(_flag("holder_concentration", None, "holders are not read in the fast lane"))
    else:
        flags.append(_flag("holder_concentration", h.top10_bps >= 5_000, f"top 10 hold {_pct(h.top10_bps)}"))
    for name, who, balance in (
        ("creator_share", f.creator, f.creator_balance),
        ("owner_share", f.privileges.owner if f.privileges else None, f.owner_balance),
    ):
        if who is None or balance is None or supply <= 0:
            flags.append(_flag(name, None, "no such account found" if balance is None else "no supply"))
        else:
            bps = balance * 10_000 // supply
            flags.append(_flag(name, bps >= SHARE_WARN_BPS, f"{who} holds {_pct(bps)}"))
    lp_names = ("lp_burned", "lp_locked", "lp_owner_share", "lp_holder_concentration")
    if lp is None or lp.total_supply == 0:
        why = "no V2 pair (or no LP supply) to read" if f.holders is not None else "not read in the fast lane"
        flags += [_flag(n, None, why) for n in lp_names]
    else:
        flags.append(_flag("lp_burned", lp.burned_bps >= 9_500, f"{_pct(lp.burned_bps)} of LP burned"))
        locks = "; ".join(lock.describe() for lock in lp.locks)
        flags.append(_flag("lp_locked", bool(lp.locks), locks or "no LP held by a time-locked contract"))
        flags.append(
            _flag("lp_owner_share", lp.owner_bps >= 5_000, f"owner holds {_pct(lp.owner_bps)} of LP")
        )
        top = f"{lp.top[0][0]} can pull {_pct(lp.top_bps)} of LP" if lp.top else "no holder can pull any LP"
        partial = "" if lp.complete else " (from recent logs only)"
        flags.append(_flag("lp_holder_concentration", lp.top_bps >= 5_000, top + partial))
    return flags


def readme_table() -> str:
    """The README's flag table (a test keeps the README equal to it)."""
    rows = ["| flag | how dexbot decides it | factor it feeds |", "| --- | --- | --- |"]
    rows += [f"| `{name}` | {how} | `{factor}` |" for name, (factor, how) in FLAGS.items()]
    return "\n".join(rows) + "\n"
