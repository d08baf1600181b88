"""Read commands over the store: `dexbot positions`, `dexbot trades`, `dexbot thoughts`."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Annotated

import typer

from dexbot.cli.account_pick import AccountOpt, InstanceOpt, instance_of, pick_account
from dexbot.cli.context import out, print_json, state
from dexbot.cli.render import cols, table
from dexbot.core.instance import DEFAULT_INSTANCE
from dexbot.core.units import fmt_units, swap_amounts

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from dexbot.store.models import Thought

JsonOpt = Annotated[bool, typer.Option("--json", help="JSON output")]
NUMS = ("id", "size", "entry cost (ETH)", "realised P&L (ETH)", "in", "out", "block", "gas", "L1 fee")
LimitOpt = Annotated[int, typer.Option("--limit", "-n", min=1, max=10_000, help="rows to show")]


def _engine(ctx: typer.Context) -> Engine:
    from dexbot.store.db import open_database

    cfg = state(ctx).config()
    return open_database(cfg.database_url, busy_timeout_ms=cfg.store.busy_timeout_ms)


def positions(
    ctx: typer.Context,
    as_json: JsonOpt = False,
    closed: Annotated[bool, typer.Option("--closed", help="closed positions too")] = False,
    limit: LimitOpt = 200,
    account: AccountOpt = None,
    instance: InstanceOpt = None,
) -> None:
    """Open positions of the instance's account on the current chain (or --account N).

    Closed ones too with --closed."""
    from dexbot.store import repo

    cfg = state(ctx).config()
    name = instance_of(cfg, instance)
    db = _engine(ctx)
    acct = pick_account(cfg, db, account, name)
    status = None if closed else "open"
    rows = [] if acct is None else repo.list_positions(db, status=status, limit=limit, account_id=acct.id)
    if as_json:
        print_json([r.model_dump() for r in rows], "positions")
        return
    if not rows:
        out.print("no positions yet")
        return
    columns = cols(
        "id", "token", "status", "size", "entry cost (ETH)", "realised P&L (ETH)", "exit", right=NUMS
    )
    cells = [
        [
            str(p.id),
            p.symbol or p.token,
            p.status,
            fmt_units(p.size, p.decimals, 4),
            fmt_units(p.entry_cost, 18),
            _signed(p.realised_pnl),
            p.exit_reason,
        ]
        for p in rows
    ]
    out.print(table(out, "positions", columns, cells))


def trades(
    ctx: typer.Context,
    as_json: JsonOpt = False,
    limit: LimitOpt = 200,
    account: AccountOpt = None,
    instance: InstanceOpt = None,
) -> None:
    """Executed trades of the instance's account on the current chain (or --account N), newest first."""
    from dexbot.store import repo

    cfg = state(ctx).config()
    name = instance_of(cfg, instance)
    db = _engine(ctx)
    acct = pick_account(cfg, db, account, name)
    rows = [] if acct is None else repo.list_trades(db, limit=limit, account_id=acct.id)
    if as_json:
        print_json([r.model_dump(exclude={"undo"}) for r in rows], "trades")  # undo: internal
        return
    if not rows:
        out.print("no trades yet")
        return
    assert acct is not None
    held = {p.id: p for p in repo.list_positions(db, account_id=acct.id, limit=100_000)}
    columns = cols(
        "id", "time", "mode", "side", "token", "in", "out", "gas", "L1 fee", "block", "tx", right=NUMS
    )
    cells = []
    for t in rows:
        pos = held.get(t.position_id)
        symbol = pos.symbol if pos is not None and pos.symbol else t.token[:10]
        amounts = swap_amounts(t.side, t.amount_in, t.amount_out, symbol, pos.decimals if pos else 18)
        cells.append(
            [
                str(t.id),
                t.created_at.strftime("%H:%M:%S"),
                t.mode,
                t.side,
                symbol,
                *amounts,
                fmt_units(t.gas_cost, 18, 6),
                fmt_units(t.l1_fee, 18, 6),
                str(t.block_number),
                t.tx_hash[:12],
            ]
        )
    out.print(table(out, "trades", columns, cells))


def thoughts(
    ctx: typer.Context,
    as_json: JsonOpt = False,
    limit: LimitOpt = 50,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="keep printing new thoughts")] = False,
    instance: InstanceOpt = None,
) -> None:
    """The bot's decision log (of the instance): why every decision was taken."""
    from dexbot.store import repo

    name = instance_of(state(ctx).config(), instance)
    engine = _engine(ctx)
    rows = list(reversed(repo.list_thoughts(engine, limit=limit, instance=name)))
    last = rows[-1].id or 0 if rows else 0
    _emit_thoughts(rows, as_json and not follow, as_json)
    while follow:
        time.sleep(0.5)
        new = repo.list_thoughts(engine, after_id=last, limit=500, instance=name)
        if new:
            last = new[-1].id or last
            _emit_thoughts(new, False, as_json)


def _emit_thoughts(rows: list[Thought], as_array: bool, as_json: bool) -> None:
    if as_array:
        print_json([r.model_dump() for r in rows], "thoughts")
        return
    for t in rows:
        if as_json:
            print_json(t.model_dump(), "thoughts", line=True)
        else:
            score = "" if t.risk_score is None else f" risk {t.risk_score}"
            again = f" [yellow](×{t.count}, last #{t.last_block})[/]" if t.count > 1 else ""
            out.print(
                f"[dim]{t.at:%H:%M:%S} #{t.block_number}[/] [bold]{t.decision}[/] "
                f"{t.symbol or t.token[:10]} L{t.intel_level} {t.lane}{score}: {t.reasoning}{again}"
            )


def _owner(instance: str) -> str:
    return "" if instance == DEFAULT_INSTANCE else f"{instance}: "


def _win_rate(bps: int, wins: int, losses: int) -> str:
    """A dash until a position has closed: 0 % of none is no rate (as the TUI shows it)."""
    closed = wins + losses
    return f"{bps / 100:.1f}% ({wins}/{closed})" if closed else "— (0/0)"


def _signed(raw: int) -> str:
    text = fmt_units(abs(raw), 18)
    return f"-{text}" if raw < 0 else f"+{text}"


def pnl(
    ctx: typer.Context,
    as_json: JsonOpt = False,
    account: AccountOpt = None,
    every: Annotated[
        bool, typer.Option("--all", help="every account on every chain (of every instance, or --instance)")
    ] = False,
    instance: InstanceOpt = None,
) -> None:
    """P&L of the instance's account on the current chain (or --account N, or --all).

    Realised from the trades; unrealised from the engine's latest marks."""
    from dexbot.chain.identity import short_genesis
    from dexbot.cli.reports import pnl_reports

    cfg = state(ctx).config()
    name = instance_of(cfg, instance)
    db = _engine(ctx)
    everything = pnl_reports(db, instance if every else None)
    reports = everything
    if not every:
        acct = pick_account(cfg, db, account, name)
        reports = [r for r in everything if acct is not None and r.account_id == acct.id]
    if as_json:
        print_json([r.to_json() for r in reports], "pnl")
        return
    if not reports:
        if not everything:  # else pick_account said why none is shown
            out.print("no accounts yet: run the bot first (make run, or dexbot run --no-ui)")
        return
    headers = (
        "account",
        "equity",
        "return",
        "realised",
        "unrealised",
        "cash",
        "open",
        "trades",
        "win rate",
        "gas",
        "of it L1",
    )
    cells = [
        [
            f"{_owner(r.instance)}{r.kind} #{r.account_id} (chain {r.chain_id}, genesis "
            f"{short_genesis(r.genesis_hash)})",
            fmt_units(r.equity, 18, 6),
            f"{r.return_bps / 100:+.2f}%",
            _signed(r.realised_pnl),
            _signed(r.unrealised_pnl) + (f" @#{r.marked_block}" if r.marked_block else ""),
            fmt_units(r.cash, 18, 6),
            str(r.open_positions),
            str(r.trades),
            _win_rate(r.win_rate_bps, r.wins, r.losses),
            fmt_units(r.gas_spent, 18, 6),
            fmt_units(r.l1_fees, 18, 6),
        ]
        for r in reports
    ]
    out.print(table(out, "profit and loss (WETH)", cols(*headers, right=headers[1:]), cells))
