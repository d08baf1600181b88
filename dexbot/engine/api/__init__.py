"""What the engine shows the outside, and the only part of it the TUI imports: the control surface
(``control``), the events it publishes (``events``), its read-only snapshots (``snapshot``) and the intel
levels an operator picks from (``intel``). It imports nothing else of the engine."""
