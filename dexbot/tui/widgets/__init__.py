"""One pane per module; each takes engine views and renders them, no trading logic."""
