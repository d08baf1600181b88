"""Exact quoting on Uniswap V2/V3-style DEXes: integer pool math, QuoterV2 calls and route choice.

Every read is pinned to one block and goes through raw ``eth_call`` (see ``dexbot.chain.abi``), never
through web3's contract layer, because quoting sits on the engine's hot path.
"""

from dexbot.chain.dex.types import MULTICALL3, Dex, DexAddresses, Quote

__all__ = ["MULTICALL3", "Dex", "DexAddresses", "Quote"]
