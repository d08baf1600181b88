"""Backtests: the same engine, paper fills and risk probe, driven block by block over a recorded chain."""
