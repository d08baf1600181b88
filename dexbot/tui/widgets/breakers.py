"""Every circuit breaker with its state; tripped ones sort to the top so a halt is visible without
scrolling. The highlighted row is what `r` resets; a fresh trip moves the highlight to itself."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical

from dexbot.engine.api.snapshot import BreakerView
from dexbot.tui import fmt
from dexbot.tui.widgets.fit_table import Col, FitTable, Row

COLUMNS = (Col("Breaker"), Col("Sev", drop=1), Col("State"), Col("Last trip reason", drop=2, flex=True))
STATE_ORDER = {"open": 0, "half_open": 1}


def breaker_row(b: BreakerView) -> Row:
    state = Text(b.state.replace("_", "-"), style=fmt.BREAKER_STATE_STYLES.get(b.state, ""))
    if b.cooldown_left_s > 0:
        state.append(f" {fmt.age(b.cooldown_left_s)}", style="yellow")
    sev = Text(
        "CRIT" if b.severity == "critical" else "warn", style="red" if b.severity == "critical" else ""
    )
    return (
        b.name,
        (Text(b.name), sev, state, Text(b.reason or "—", style="dim")),
    )


def ordered(breakers: Sequence[BreakerView]) -> list[BreakerView]:
    return sorted(breakers, key=lambda b: STATE_ORDER.get(b.state, 2))


class BreakersPane(Vertical):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="pane")
        self.border_title = "Breakers"
        self._by_name: dict[str, BreakerView] = {}
        self._tripped: set[str] = set()

    def compose(self) -> ComposeResult:
        yield FitTable(COLUMNS, id="breakers-table")

    def show(self, breakers: Sequence[BreakerView]) -> None:
        self._by_name = {b.name: b for b in breakers}
        tripped = sum(1 for b in breakers if b.state != "closed")
        self.border_title = f"Breakers · {tripped} tripped / {len(breakers)}"
        self.set_class(tripped > 0, "alert")
        first = next((b for b in ordered(breakers) if b.state != "closed"), None)
        self.border_subtitle = f"{first.name}: {first.reason}" if first and first.reason else ""
        rows = [breaker_row(b) for b in ordered(breakers)]
        table = self.query_one(FitTable)
        table.set_rows(rows)
        now_tripped = {b.name for b in breakers if b.state != "closed"}
        fresh = now_tripped - self._tripped
        self._tripped = now_tripped
        if fresh:  # a new trip takes the cursor, so `r` acts on what just happened
            table.move_cursor(row=next(i for i, (key, _) in enumerate(rows) if key in fresh), animate=False)

    def selected(self) -> BreakerView | None:
        key = self.query_one(FitTable).selected_key()
        return None if key is None else self._by_name.get(key)
