"""Turning a decision into a fill: the shared types (``Market``, ``Fill``, the ``Executor`` protocol), exact
quotes, the paper executor and the live one (``live/``). Paper and live take the same calls and return the
same ``Fill``, so the desks above never know which one they drive."""
