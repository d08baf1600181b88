"""dexbot: a terminal auto-trading bot for Uniswap V2/V3-style DEXes."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("dexbot")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
