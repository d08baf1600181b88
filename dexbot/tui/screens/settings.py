"""The intel-level slider: pick 1–10 and read what that level does (size, positions, risk limit,
slippage, exits, gas, lane) before applying it. Dismisses with the chosen level, or None."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from dexbot.engine.intel import LEVELS, policy
from dexbot.tui.widgets.level_slider import LevelSlider


def levels_table(current: int, chosen: int) -> Table:
    table = Table(box=None, padding=(0, 1), header_style="bold")
    for name in ("Lvl", "Size", "Max pos", "Risk ≤", "Slip", "Min liq", "SL / TP / trail", "Gas", "Lane"):
        table.add_column(name, justify="right" if name not in ("Gas", "Lane") else "left")
    for n, p in LEVELS.items():
        style = "bold black on magenta" if n == chosen else "bold" if n == current else ""
        mark = "*" if n == current else " "
        table.add_row(
            f"{mark}{n}",
            f"{p.position_pct}%",
            str(p.max_positions),
            str(p.max_risk),
            f"{p.max_slippage_bps / 100:g}%",
            f"{p.min_liquidity_eth}",
            f"{p.stop_loss_pct}% / +{p.take_profit_pct}% / {p.trailing_pct}%",
            p.gas_urgency,
            p.lane,
            style=style,
        )
    return table


class SettingsScreen(ModalScreen[int | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "apply", "Apply level"),
        Binding("escape,q", "dismiss(None)", "Cancel"),
    ]

    def __init__(self, current: int) -> None:
        super().__init__(classes="dialog-screen")
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Static(f"Intel level — now L{self.current}", classes="dialog-title")
            yield LevelSlider(self.current, id="level-slider")
            yield Static(id="level-describe")
            yield Static(id="levels-table")
            yield Static("←/→ choose · enter apply (next decision) · escape cancel", classes="dim")

    def on_mount(self) -> None:
        self.query_one(LevelSlider).focus()
        self._describe(self.current)

    @on(LevelSlider.Changed)
    def _changed(self, event: LevelSlider.Changed) -> None:
        self._describe(event.level)

    def _describe(self, level: int) -> None:
        self.query_one("#level-describe", Static).update(policy(level).describe())
        self.query_one("#levels-table", Static).update(levels_table(self.current, level))

    def action_apply(self) -> None:
        level = self.query_one(LevelSlider).level
        self.dismiss(None if level == self.current else level)
