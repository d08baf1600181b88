"""A 1–10 slider for the intel level: left/right (or -/+) move it, and it announces every change so the
settings screen can show what the level means before the user applies it."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

MIN_LEVEL = 1
MAX_LEVEL = 10


class LevelSlider(Widget, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left,minus", "move(-1)", "Lower", show=False),
        Binding("right,plus", "move(1)", "Higher", show=False),
        Binding("home", "set(1)", "Level 1", show=False),
        Binding("end", "set(10)", "Level 10", show=False),
    ]

    level: reactive[int] = reactive(5)

    class Changed(Message):
        def __init__(self, level: int) -> None:
            super().__init__()
            self.level = level

    def __init__(self, level: int, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.set_reactive(LevelSlider.level, self.validate_level(level))

    def validate_level(self, level: int) -> int:
        return max(MIN_LEVEL, min(MAX_LEVEL, level))

    def watch_level(self, level: int) -> None:
        self.post_message(self.Changed(level))

    def action_move(self, step: int) -> None:
        self.level += step

    def action_set(self, level: int) -> None:
        self.level = level

    def render(self) -> Text:
        t = Text("cautious ", style="dim")
        for n in range(MIN_LEVEL, MAX_LEVEL + 1):
            if n == self.level:
                t.append(f"[{n}]", style="bold black on magenta")
            else:
                t.append(f" {n} ", style="magenta" if n < self.level else "dim")
        t.append(" aggressive", style="dim")
        return t
