"""Factor builders: pure functions from measured facts to named, weighted, explained factors.

Weights say how much a factor moves the score; hard blocks veto a token at every level whatever its
score: a sell or transfer that reverts, a tax above the configured maximum, liquidity below the level's
minimum. Every note is a sentence a trader can read in the thought log."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from dexbot.chain.bytecode import Privileges
from dexbot.chain.lp_holders import LpStats
from dexbot.chain.owner_powers import OwnerPower
from dexbot.chain.roundtrip import RoundTripResult
from dexbot.chain.tokens import HolderStats
from dexbot.core.units import fmt_units
from dexbot.engine.risk.flags import Flag
from dexbot.engine.risk.score import Factor

V3_UNDERPAID = "IIA"  # UniswapV3Pool: the input balance did not grow by what the swap owes


def _pct(bps: int) -> str:
    return f"{Decimal(bps) / 100:g}%"


def _eth(wei: int) -> str:
    return f"{fmt_units(wei, 18, 4)} WETH"


def round_trip(rt: RoundTripResult) -> Factor:
    ev: dict[str, object] = {
        "stages": {s.name: {"status": s.status, "reason": s.reason, "gas": s.gas_used} for s in rt.stages},
        "one_block": rt.one_block,
    }
    if rt.inconclusive:
        return Factor(
            "round_trip", "inconclusive", 50, 3.0, f"simulation inconclusive: {rt.inconclusive}", False, ev
        )
    buy, sell = rt.stage("buy"), rt.stage("sell")
    refused = rt.refused_quote
    if refused is not None or not buy.ok:
        why = (refused or buy).reason
        return Factor("round_trip", "buy reverted", 100, 3.0, f"buy reverted: '{why}'", True, ev)
    for name in ("transfer_out", "transfer_back"):
        st = rt.stage(name)
        if st.failed:
            note = f"a wallet-to-wallet transfer after buying reverted: '{st.reason}' (blacklist or block)"
            if rt.one_block:  # a once-per-block rule looks exactly like this when everything ran in one block
                note += (
                    f"; simulated in one block only ({rt.one_block}): a once-per-block rule reads the same"
                )
            return Factor("round_trip", "transfer blocked", 100, 3.0, note, True, ev)
    if rt.can_sell is False:
        why = sell.reason
        direct = rt.stage("pair_transfer")
        if direct.failed and direct.reason:
            why = direct.reason
        if why == V3_UNDERPAID:
            note = (
                f"sell reverted: '{why}' — the V3 pool was paid less than the swap owes: a fee-on-transfer "
                "token cannot be sold there, so here it is a honeypot"
            )
        else:
            note = f"sell reverted: '{why}' — a honeypot"
        return Factor("round_trip", "sell reverted", 100, 3.0, note, True, ev)
    return Factor(
        "round_trip", "buy, transfer and sell work", 0, 3.0, "the simulated round trip works", False, ev
    )


def taxes(rt: RoundTripResult, max_tax_bps: int) -> Factor:
    buy, sell = rt.buy_tax_bps, rt.sell_tax_bps
    if buy is None or sell is None:
        return Factor("taxes", "unknown", 40, 2.0, "taxes could not be measured")
    # Taxes are losses (the round trip never reports a gain as one); clamped again here because one odd
    # measurement must give an odd factor, not an exception that ends the assessment.
    buy, sell = max(0, buy), max(0, sell)
    shortfall = rt.sell_eth_shortfall_bps
    ev = {"buy_tax_bps": buy, "sell_tax_bps": sell, "sell_eth_shortfall_bps": shortfall}
    value = f"buy {_pct(buy)} / sell {_pct(sell)}"
    worst = max(buy, sell)
    if worst > max_tax_bps:
        note = f"tax {_pct(worst)} is above the allowed {_pct(max_tax_bps)}"
        return Factor("taxes", value, 100, 2.0, note, True, ev)
    risk = max(0, min(100, (buy + sell) * 100 // 2000))
    note = "no transfer tax" if buy + sell == 0 else f"pays {_pct(buy + sell)} in taxes on a round trip"
    if shortfall is not None and shortfall > sell:
        note += f"; the sell returned {_pct(shortfall)} less WETH than its untaxed quote"
    return Factor("taxes", value, risk, 2.0, note, False, ev)


def limits(rt: RoundTripResult, size_wei: int) -> Factor:
    limit, reason = rt.limit_wei, rt.limit_reason
    if limit is None:
        return Factor(
            "limits", "none seen", 0, 1.0, "no max-tx / max-wallet limit up to the ladder's top rung"
        )
    value = f"buys fail from {_eth(limit)}"
    if size_wei >= limit:
        return Factor("limits", value, 100, 1.0, f"our size hits a max-tx/wallet limit ('{reason}')", True)
    return Factor("limits", value, 40, 1.0, f"a max-tx/wallet limit exists ('{reason}'), above our size")


def liquidity(weth_reserve: int, min_liquidity_wei: int, measured: str = "WETH reserve") -> Factor:
    """``measured`` says what the figure is (a V2 reserve, a V3 pool's depth within the level's impact)."""
    value = _eth(weth_reserve)
    if weth_reserve < min_liquidity_wei:
        return Factor(
            "liquidity",
            value,
            100,
            2.0,
            f"liquidity {value} is below this level's minimum {_eth(min_liquidity_wei)} ({measured})",
            True,
        )
    ratio = weth_reserve * 100 // max(1, min_liquidity_wei)  # 100 = exactly the minimum
    risk = max(0, min(75, 100 - ratio // 4))
    return Factor("liquidity", value, risk, 2.0, f"{value} of WETH liquidity ({measured})")


PRIVILEGE_RISK = {
    "mint": 45,
    "blacklist": 35,
    "pause": 30,
    "fees": 30,
    "personal_fee": 30,
    "balances": 45,
    "whitelist": 25,
    "trading_switch": 25,
    "limits": 15,
    "cooldown": 10,
    "upgrade": 40,
}
# A proven rug whose simulation shows every buy, sell or transfer reverting (or a fee of most of it).
RUG_RISK = 90


def privileges(p: Privileges, powers: Sequence[OwnerPower] = ()) -> Factor:
    """Bytecode names count half; a power proven live counts fully, and one whose simulated rug stops
    every trade sets the risk to at least RUG_RISK. A power working for the creator of a 'renounced'
    token (a hidden owner) is as good as a live owner."""
    names = [sig.split("(")[0] for _, sig in p.selectors]
    shown = ", ".join(names[:5]) + ("…" if len(names) > 5 else "")
    ev = {
        "owner": p.owner,
        "proxy": p.proxy_impl,
        "proxy_admin": p.proxy_admin,
        "selectors": [s for s, _ in p.selectors],
        "powers": [w.to_json() for w in powers],
    }
    proven = [w for w in powers if w.proven]
    hidden = [w for w in proven if w.hidden]
    if p.renounced and not p.is_proxy and not hidden:
        return Factor("owner_privileges", "renounced", 0, 1.5, "ownership renounced", False, ev)
    proven_cats = {w.category for w in proven}
    risk = 10
    for cat, add in PRIVILEGE_RISK.items():
        if cat in proven_cats:
            risk += add
        elif cat in p.categories:
            risk += add // 2 if powers else add
    if p.is_proxy:
        risk += 30
    if hidden:
        risk += 40
    rugs = [w for w in proven if w.effect and (" reverts" in w.effect or " loses " in w.effect)]
    if rugs:
        risk = max(risk, RUG_RISK)
    risk = min(100, risk)
    if not p.has_live_owner and not p.is_proxy and not hidden:
        risk = min(risk, 20)
    value = shown or "none found"
    owner = f"owner {p.owner[:10]}…" if p.owner else "no owner()"
    if not powers:
        note = f"{owner}; privileged functions (hints from bytecode, not proof): {value}"
        return Factor("owner_privileges", value, risk, 1.5, note, False, ev)
    said = [w.describe() for w in (*rugs, *(w for w in proven if w not in rugs))]
    if hidden:
        owner = f"owner() is zero but the creator {hidden[0].caller} still holds powers"
    note = f"{owner}; " + ("; ".join(said[:4]) if said else f"no power proven live (selectors: {value})")
    value = f"{len(proven)} proven" + (f", rug: {rugs[0].effect}" if rugs else "")
    return Factor("owner_privileges", value, risk, 1.5, note, False, ev)


def code_hazards(flags: Sequence[Flag]) -> Factor:
    """SELFDESTRUCT in the code, calls out of the token during a transfer, gas far above a plain ERC20."""
    risks = {"selfdestruct": 40, "external_call": 30, "gas_abuse": 40}
    hit = [f for f in flags if f.name in risks and f.value]
    unknown = [f.name for f in flags if f.name in risks and f.value is None]
    risk = min(100, sum(risks[f.name] for f in hit))
    value = ", ".join(f.name for f in hit) or "none seen"
    note = "; ".join(f"{f.name}: {f.detail}" for f in hit) or "no selfdestruct, outside call or gas abuse"
    if unknown:
        note += f" (not known: {', '.join(unknown)})"
    ev = {f.name: f.value for f in flags if f.name in risks}
    return Factor("code_hazards", value, risk, 1.0, note, False, ev)


def holders(h: HolderStats, creator_bps: int | None = None) -> Factor:
    """Top-10 concentration; a creator still holding a large share (``creator_bps``) counts at least as
    much as its share."""
    value = f"top 10 hold {_pct(h.top10_bps)}"
    risk = min(100, h.top10_bps // 100)
    partial = "" if h.complete else " (from recent logs only)"
    note = f"{value} of supply across {h.holders} holders{partial}"
    if creator_bps is not None:
        note += f"; the creator holds {_pct(creator_bps)}"
        risk = min(100, max(risk, creator_bps // 100))
    return Factor("holder_concentration", value, risk, 1.0, note)


LOCK_MIN_S = 7 * 86_400  # a lock ending sooner than this protects a sniper's exit no more than none


def lp(s: LpStats, block_time_s: float = 0.0) -> Factor:
    """The share of LP nobody can pull soon (burned, or locked for at least LOCK_MIN_S) is the safe part;
    the rest is risk. ``block_time_s`` turns a lock's remaining blocks into time (0: blocks not counted)."""
    if s.total_supply == 0:
        return Factor("lp_locked", "no LP supply", 80, 1.5, "the pair has no LP supply")
    lasting = [
        lock
        for lock in s.locks
        if (lock.remaining if lock.unit == "time" else lock.remaining * block_time_s) >= LOCK_MIN_S
    ]
    safe = min(10_000, s.burned_bps + sum(lock.bps for lock in lasting))
    risk = max(0, min(100, (10_000 - safe) // 100))
    value = f"{_pct(s.burned_bps)} burned, {_pct(s.locked_bps)} locked, top holder {_pct(s.top_bps)}"
    notes = [f"LP {_pct(s.burned_bps)} burned"]
    notes += [lock.describe() + ("" if lock in lasting else " (ends within a week)") for lock in s.locks]
    if s.top_bps >= 5_000:
        who = "the owner" if s.owner_bps == s.top_bps else s.top[0][0]
        notes.append(f"{who} holds {_pct(s.top_bps)} of LP unlocked and can pull the liquidity")
    elif s.owner_bps >= 5_000:
        notes.append(f"the owner holds {_pct(s.owner_bps)} of LP and can pull the liquidity")
    return Factor("lp_locked", value, risk, 1.5, "; ".join(notes))


def age(blocks: int | None, block_time_s: float, *, at_least: bool = False) -> Factor:
    """``blocks`` since the first pool's creation; ``at_least``: a lower bound (the pool predates the
    window searched); None: unknown — never a made-up age."""
    if blocks is None:
        note = "the pool's creation block could not be found: its age is unknown"
        return Factor("token_age", "unknown", 35, 0.5, note)
    minutes = blocks * block_time_s / 60
    value = f"{'over ' if at_least else ''}{blocks} blocks (~{minutes:.0f} min)"
    risk = 60 if blocks < 10 else 35 if blocks < 100 else 15 if blocks < 1000 else 5
    return Factor("token_age", value, risk, 0.5, f"the pool is {value} old")


def volatility(vol_bps: int) -> Factor:
    value = f"{_pct(vol_bps)} per block"
    return Factor("volatility", value, min(100, vol_bps // 10), 1.0, f"recent moves average {value}")


def gas_cost(cost_wei: int, size_wei: int) -> Factor:
    ratio = cost_wei * 10_000 // size_wei if size_wei else 10_000
    value = f"{_eth(cost_wei)} ({_pct(ratio)} of size)"
    note = f"a buy, an approval and a sell cost {value} in gas"
    return Factor("gas_cost", value, min(100, ratio // 10), 1.0, note)
