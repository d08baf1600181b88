"""Entries: where a buy goes (``venue_choice``). The entry desk itself (consider, size, enter) is still in
``engine/trader.py``."""
