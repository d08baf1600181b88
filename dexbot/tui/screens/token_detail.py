"""One token: the engine's verdict, the factors behind its risk score with their contributions, what the
round-trip simulation did stage by stage, and the recent price. Built from the newest thought about the
token (factors, evidence) and the market pane's pool view; the chart grows with market updates."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Static

from dexbot.engine.api.events import Event, MarketUpdate, ThoughtRecorded
from dexbot.engine.api.snapshot import EngineSnapshot, PoolView
from dexbot.tui import fmt
from dexbot.tui.screens.base import LiveScreen
from dexbot.tui.state import UiState
from dexbot.tui.widgets.chart import WeiChart
from dexbot.tui.widgets.factors import FactorsTable
from dexbot.tui.widgets.fit_table import Col, FitTable
from dexbot.tui.widgets.market import VERDICT_STYLES

SIM_KEYS = ("simulation", "round_trip", "roundtrip")
SIM_COLUMNS = (
    Col("Stage"),
    Col("Status"),
    Col("Detail", drop=1, flex=True, min_width=10),
    Col("Gas", drop=2),
)
STAGE_STYLES = {"ok": "green", "reverted": "bold red", "no_gas": "magenta", "no_funds": "magenta"}


def simulation_of(
    evidence: Mapping[str, Any], factors: Sequence[Mapping[str, Any]] = ()
) -> Mapping[str, Any] | None:
    """The round trip as recorded: the thought's evidence first, else the round_trip factor's own evidence,
    else that factor's verdict alone."""
    for key in SIM_KEYS:
        value = evidence.get(key)
        if isinstance(value, Mapping):
            return value
    if isinstance(evidence.get("stages"), (Mapping, list)):
        return {"stages": evidence["stages"]}
    for f in factors:
        if f.get("name") == "round_trip":
            own = f.get("evidence")
            if isinstance(own, Mapping) and own:
                return own
            return {"result": f.get("value", ""), "note": f.get("note", "")}
    return None


def simulation_rows(sim: Mapping[str, Any]) -> list[tuple[Text, ...]]:
    """Stages as rows (name, status, detail, gas) when the evidence has them; other keys as plain rows."""
    rows: list[tuple[Text, ...]] = []
    stages = sim.get("stages")
    items: Sequence[tuple[str, Any]] = ()
    if isinstance(stages, Mapping):
        items = list(stages.items())
    elif isinstance(stages, list):
        items = [(str(s.get("name", i)), s) for i, s in enumerate(stages) if isinstance(s, Mapping)]
    for name, st in items:
        st = st if isinstance(st, Mapping) else {"status": st}
        status = str(st.get("status", "?"))
        rows.append(
            (
                Text(name.replace("_", " ")),
                Text(status, style=STAGE_STYLES.get(status, "")),
                Text(str(st.get("reason", "") or ""), style="dim"),
                Text(str(st.get("gas", st.get("gas_used", ""))), justify="right"),
            )
        )
    for key, value in sim.items():
        if key != "stages":
            rows.append((Text(key.replace("_", " ")), Text(str(value)), Text(""), Text("")))
    return rows


def token_summary(symbol: str, token: str, pool: PoolView | None, thought: ThoughtRecorded | None) -> Text:
    t = Text()
    t.append(f" {symbol or '?'} ", style="bold reverse")
    t.append(f" {token}", style="dim")
    if pool is not None:
        t.append(f"\n{pool.dex} pool {pool.pool} · age {pool.age_blocks} blocks")
        t.append(
            f"\nprice {fmt.price(pool.price_wei, 6)} WETH · liquidity {fmt.weth(pool.liquidity_wei, 4)} WETH"
        )
        if pool.change_bps is not None:
            t.append(
                f" · {fmt.bps_pct(pool.change_bps, 2, signed=True)}", style=fmt.pnl_style(pool.change_bps)
            )
    score = pool.risk_score if pool is not None and pool.risk_score is not None else None
    verdict = pool.verdict if pool is not None else ""
    if thought is not None:
        score = thought.risk_score if thought.risk_score is not None else score
    t.append("\nrisk ")
    t.append("—" if score is None else f"{score}/100", style="bold")
    if verdict:
        t.append(f" · {verdict}", style=VERDICT_STYLES.get(verdict, ""))
    if thought is not None:
        t.append(f" · last decision {thought.decision.upper()} at block {thought.block_number}")
    return t


class TokenDetailScreen(LiveScreen):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "app.pop_screen", "Back")]

    def __init__(
        self,
        ui: UiState,
        token: str,
        *,
        symbol: str = "",
        pool: PoolView | None = None,
        thought: ThoughtRecorded | None = None,
    ) -> None:
        super().__init__()
        self.ui = ui
        self.token = token
        self.pool = pool
        self.thought = thought or ui.latest_thought_for(token)
        self.symbol = symbol or (pool.symbol if pool else "") or (self.thought.symbol if self.thought else "")

    def compose(self) -> ComposeResult:
        yield Static(id="token-summary")
        with Horizontal(id="token-body"):
            with Vertical(classes="pane", id="token-factors-pane") as factors:
                factors.border_title = "Risk factors"
                yield FactorsTable(id="token-factors")
            with Vertical(classes="pane", id="token-sim-pane") as sim:
                sim.border_title = "Round-trip simulation"
                yield FitTable(SIM_COLUMNS, id="token-sim", cursor_type="none")
        with Vertical(classes="pane", id="token-chart-pane") as chart:
            chart.border_title = "Price (WETH per token)"
            yield WeiChart(x_label="seconds", y_label="WETH", id="token-chart")
        yield Footer()

    def on_mount(self) -> None:
        self._show_summary()
        factors = self.thought.factors if self.thought else ()
        self.query_one(FactorsTable).show(factors)
        if not factors:
            self.query_one("#token-factors-pane").border_subtitle = "no assessment recorded yet"
        sim = simulation_of(self.thought.evidence, self.thought.factors) if self.thought else None
        self.query_one("#token-sim", FitTable).set_rows(
            [(str(i), row) for i, row in enumerate(simulation_rows(sim or {}))]
        )
        if sim is None:
            self.query_one("#token-sim-pane").border_subtitle = "no simulation recorded"
        self._show_chart()

    def _show_summary(self) -> None:
        self.query_one("#token-summary", Static).update(
            token_summary(self.symbol, self.token, self.pool, self.thought)
        )

    def _show_chart(self) -> None:
        if self.pool is not None:
            self.query_one(WeiChart).show(self.ui.prices.series(self.pool.pool))

    def show_snapshot(self, snap: EngineSnapshot, note: str = "") -> None:
        if self.pool is None:
            return
        fresh = next((p for p in snap.pools if p.pool == self.pool.pool), None)
        if fresh is not None and fresh != self.pool:
            self.pool = fresh
            self._show_summary()

    def show_events(self, events: Sequence[Event]) -> None:
        if self.pool is not None and any(
            isinstance(e, MarketUpdate) and e.pool.lower() == self.pool.pool.lower() for e in events
        ):
            self._show_chart()
