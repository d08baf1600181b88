"""The intel-level slider: pick 1–10 and read what that level does (size, positions, risk limit,
slippage, exits, gas, lane) before applying it, with the config's own values in place of the level's
where the user set them (what the engine will really do). Dismisses with the chosen level, or None."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from dexbot.core.config import Config
from dexbot.engine.api.intel import LEVELS, IntelPolicy, effective_policy
from dexbot.tui.widgets.level_slider import LevelSlider


def levels_table(current: int, chosen: int, config: Config | None = None) -> Table:
    table = Table(box=None, padding=(0, 1), pad_edge=False, header_style="bold")
    for name in ("Lvl", "Size", "Pos ≤", "Risk ≤", "Slip", "Liq ≥", "SL / TP / trail", "Gas", "Lane"):
        table.add_column(name, justify="right" if name not in ("Gas", "Lane") else "left", no_wrap=True)
    for n in LEVELS:
        p = _policy(n, config)
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


def _policy(level: int, config: Config | None) -> IntelPolicy:
    return effective_policy(config or Config(), level)


class SettingsScreen(ModalScreen[int | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "apply", "Apply level"),
        Binding("escape,q", "dismiss(None)", "Cancel"),
    ]

    def __init__(self, current: int, config: Config | None = None) -> None:
        super().__init__(classes="dialog-screen")
        self.current = current
        self.config = config

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
        self.query_one("#level-describe", Static).update(_policy(level, self.config).describe())
        self.query_one("#levels-table", Static).update(levels_table(self.current, level, self.config))

    def action_apply(self) -> None:
        level = self.query_one(LevelSlider).level
        self.dismiss(None if level == self.current else level)
