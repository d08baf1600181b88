"""Calldata from an artifact's ABI with eth_abi directly.

Deployment builds ~100 calls; eth_abi with cached selectors costs microseconds per call where web3's
contract layer costs a validation pass per call. Only what deployment needs: encode calls and
constructors, decode return data.
"""

from __future__ import annotations

import functools
from typing import Any

from eth_abi import decode, encode
from eth_typing import ABIFunction
from eth_utils.abi import function_abi_to_4byte_selector, get_abi_input_types, get_abi_output_types

from dexbot.chain.contracts import Artifact, load_own, load_uniswap
from dexbot.core.errors import DevnetError


class Codec:
    """Encodes calls to one contract by function name (overloads picked by argument count)."""

    def __init__(self, artifact: Artifact, also: Artifact | None = None) -> None:
        """``also``: a second ABI whose functions the contract answers too (a proxy's implementation)."""
        self.artifact = artifact
        self._fns: dict[tuple[str, int], tuple[bytes, list[str], list[str]]] = {}
        ctor_types: list[str] = []
        extra = [i for i in also.abi if i.get("type") == "function"] if also else []
        for item in [*extra, *artifact.abi]:
            if item.get("type") == "function":
                fn: ABIFunction = item  # type: ignore[assignment]
                key = (fn["name"], len(fn.get("inputs", [])))
                types = (
                    function_abi_to_4byte_selector(fn),
                    get_abi_input_types(fn),
                    get_abi_output_types(fn),
                )
                self._fns[key] = types
            elif item.get("type") == "constructor":
                ctor_types = get_abi_input_types(item)
        self._ctor_types = ctor_types

    def _fn(self, name: str, nargs: int) -> tuple[bytes, list[str], list[str]]:
        try:
            return self._fns[(name, nargs)]
        except KeyError:
            raise DevnetError(f"{self.artifact.name} has no function {name} with {nargs} arguments") from None

    def call(self, name: str, *args: Any) -> bytes:
        selector, types, _ = self._fn(name, len(args))
        return selector + encode(types, list(args))

    def deploy(self, *args: Any) -> bytes:
        """Creation code with the constructor arguments appended."""
        return self.artifact.bytecode + encode(self._ctor_types, list(args))

    def decode(self, name: str, nargs: int, data: bytes) -> tuple[Any, ...]:
        _, _, out = self._fn(name, nargs)
        return tuple(decode(out, data))


@functools.cache
def uniswap(name: str) -> Codec:
    return Codec(load_uniswap(name))


@functools.cache
def own(name: str, implementation: str | None = None) -> Codec:
    """Our contract ``name``; with ``implementation``, a proxy answering that contract's functions too."""
    return Codec(load_own(name), load_own(implementation) if implementation else None)
