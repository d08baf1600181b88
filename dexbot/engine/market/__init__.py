"""The engine's market: what it sees of the pools (``view``), how it finds them (``discovery``) and how a pool
state becomes a price and a liquidity (``pricing``)."""
