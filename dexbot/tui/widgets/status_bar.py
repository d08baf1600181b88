"""The two header lines a trader reads first: paper or live (live cannot be missed), chain and block with
its age, RPC health, intel level and lane, engine state with the halt reason, and equity."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from dexbot.engine.api.snapshot import EngineSnapshot
from dexbot.tui import fmt

STALE_BLOCK_S = 30.0


def render_status(snap: EngineSnapshot, note: str = "") -> Text:
    t = Text(no_wrap=True, overflow="ellipsis")
    if snap.mode == "live":
        t.append(" LIVE ", style="bold white on red")
    else:
        t.append(" PAPER ", style="bold black on green")
    t.append(f" {snap.chain} ({snap.chain_id})  ", style="bold")
    t.append(f"block #{snap.block_number:,} ")
    t.append(
        fmt.age(snap.block_age_s) + " ago", style="bold red" if snap.block_age_s > STALE_BLOCK_S else "dim"
    )
    t.append("  ")
    t.append(
        " RPC ok " if snap.rpc_ok else " RPC DOWN ", style="green" if snap.rpc_ok else "bold white on red"
    )
    t.append("  intel ")
    t.append(f"L{snap.intel_level}", style="bold magenta")
    t.append(f" · {snap.lane.title()} Lane")
    t.append("\n")
    state = snap.state.lower()
    t.append(f" {state.upper()} ", style=fmt.STATE_STYLES.get(state, "bold"))
    if snap.state_reason:
        t.append(f" {snap.state_reason}", style="bold red" if state == "halted" else "")
    t.append("  equity ")
    t.append(f"{fmt.weth(snap.equity)} WETH", style="bold")
    dollars = fmt.usd(snap.equity, snap.eth_usd_e6)
    if dollars:
        t.append(f" ({dollars})")
    pnl = snap.realised_pnl + snap.unrealised_pnl
    t.append("  P&L ")
    t.append(f"{fmt.signed_weth(pnl)} WETH", style=fmt.pnl_style(pnl))
    t.append(f"  open {len(snap.positions)}")
    if note:
        t.append(f"  {note}", style="bold yellow")
    return t


class StatusBar(Static):
    text: Text = Text()

    def show(self, snap: EngineSnapshot, note: str = "") -> None:
        text = render_status(snap, note)
        if text != self.text:
            self.text = text
            self.update(text, layout=False)  # two lines, fixed height: no relayout of the screen
