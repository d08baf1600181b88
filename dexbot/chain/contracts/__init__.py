"""Contract artifacts: the project's own compiled contracts and the official Uniswap builds."""

from dexbot.chain.contracts.artifacts import Artifact, load_own, load_uniswap, own_names

__all__ = ["Artifact", "load_own", "load_uniswap", "own_names"]
