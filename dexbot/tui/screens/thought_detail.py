"""One decision in full: the reasoning paragraph, every factor with its contribution, and the evidence
the engine recorded (reserves, simulation, quote, tx hash)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Pretty, Static

from dexbot.engine.api.events import ThoughtRecorded
from dexbot.tui import fmt
from dexbot.tui.widgets.factors import FactorsTable


def headline(t: ThoughtRecorded) -> Text:
    text = Text()
    text.append(f" {t.decision.upper()} ", style=fmt.DECISION_STYLES.get(t.decision, "bold") + " reverse")
    text.append(f"  {t.symbol or '—'} ", style="bold")
    if t.token:
        text.append(t.token, style="dim")
    text.append(f"\nthought #{t.thought_id} · block {t.block_number} · {t.at:%Y-%m-%d %H:%M:%S} UTC")
    text.append(f" · {t.lane or '—'} lane · intel L{t.intel_level}")
    risk = "—" if t.risk_score is None else f"{t.risk_score}/100"
    text.append(f" · risk {risk} · confidence {t.confidence:.0%}")
    return text


class ThoughtDetailScreen(ModalScreen[str | None]):
    """Dismisses with the token address when the user asks to open the token detail screen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "dismiss(None)", "Close"),
        Binding("o", "open_token", "Token detail"),
    ]

    def __init__(self, thought: ThoughtRecorded) -> None:
        super().__init__(classes="dialog-screen")
        self.thought = thought

    def compose(self) -> ComposeResult:
        t = self.thought
        with VerticalScroll(classes="dialog wide", id="thought-detail"):
            yield Static(headline(t), classes="dialog-title")
            yield Static(t.reasoning or "(no reasoning recorded)", id="thought-reasoning")
            if t.factors:
                yield Static("Factors", classes="section")
                yield FactorsTable(id="thought-factors")
            yield Static("Evidence", classes="section")
            yield Pretty(t.evidence or {}, id="thought-evidence")
        yield Footer()

    def on_mount(self) -> None:
        if self.thought.factors:
            self.query_one(FactorsTable).show(self.thought.factors)

    def action_open_token(self) -> None:
        if self.thought.token:
            self.dismiss(self.thought.token)
        else:
            self.notify("This thought is not about a token.", severity="warning")
