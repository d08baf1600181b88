"""Why a quote could not be made. ChainError subclasses, so callers that only care "chain failed" can."""

from __future__ import annotations

from dexbot.core.errors import ChainError


class QuoteError(ChainError):
    """No quote for this swap (no pool, empty pool, a reverting quoter call)."""


class InsufficientLiquidity(QuoteError):
    """A pool is empty, or holds less of the output token than the swap asks for."""


class NoRoute(QuoteError):
    """No pool on any supported DEX connects the two tokens."""
