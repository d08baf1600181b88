"""Exits: stop-loss, take-profit, trailing stop and max holding time — all judged on the net amount the
position would actually receive if sold now — and TWAP/VWAP schedules that respect a price-impact budget."""
