"""Screens: the main layout, detail views, dialogs."""
