"""Every key, generated from the bindings themselves so the list cannot drift from what the keys do."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

GENERAL_KEYS: tuple[tuple[str, str], ...] = (
    ("tab / shift+tab", "move between panes"),
    ("↑ ↓ pgup pgdn", "move the cursor in the focused table"),
    ("enter", "open the highlighted thought (Thoughts) or token (Market)"),
    ("escape", "close a dialog or go back"),
    ("ctrl+p", "command palette: every action by name"),
    ("ctrl+q", "quit cleanly (same as q)"),
)


def key_table(bindings: Sequence[Binding]) -> Table:
    table = Table(box=None, padding=(0, 2), show_header=True, header_style="bold")
    table.add_column("Key", style="bold magenta", no_wrap=True)
    table.add_column("What it does")
    for b in bindings:
        table.add_row(b.key_display or b.key, b.tooltip or b.description)
    for key, what in GENERAL_KEYS:
        table.add_row(key, what)
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,question_mark,q", "app.pop_screen", "Close")]

    def __init__(self, bindings: Sequence[Binding]) -> None:
        super().__init__(classes="dialog-screen")
        self._keys = bindings

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog wide"):
            yield Static("dexbot — keys", classes="dialog-title")
            yield Static(key_table(self._keys), id="help-keys")
            yield Static("escape closes this help", classes="dim")
