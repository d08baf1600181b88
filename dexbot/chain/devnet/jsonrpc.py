"""A minimal async JSON-RPC client for talking to the local anvil.

Deployment sends ~100 transactions and anvil cheat-codes; going through AsyncWeb3 would cost a round
trip and a middleware stack per call. Plain JSON-RPC *batches* over one keep-alive connection let the
whole devnet deploy in a handful of round trips, which is what keeps cold start under the 5 s goal.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from types import TracebackType
from typing import Any

import aiohttp

from dexbot.core.errors import DevnetError

Call = tuple[str, Sequence[Any]]


class RpcCallError(DevnetError):
    """A JSON-RPC call answered with an error object (e.g. a rejected transaction)."""

    def __init__(self, method: str, error: dict[str, Any]) -> None:
        self.method = method
        self.code = int(error.get("code", 0))
        self.data = error.get("data")
        super().__init__(f"{method} failed: {error.get('message', error)}")


class DevRpc:
    """JSON-RPC over HTTP with batch support; use as ``async with DevRpc(url) as rpc``."""

    def __init__(self, url: str, timeout_s: float = 30.0) -> None:
        self.url = url
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None
        self._ids = itertools.count(1)

    async def __aenter__(self) -> DevRpc:
        self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _post(self, payload: Any) -> Any:
        if self._session is None:
            raise DevnetError("DevRpc used outside its 'async with' block")
        try:
            async with self._session.post(self.url, json=payload) as resp:
                if resp.status != 200:
                    text = (await resp.text())[:200]
                    raise DevnetError(f"devnet RPC {self.url} answered HTTP {resp.status}: {text}")
                return await resp.json(content_type=None)
        except aiohttp.ClientError as err:
            raise DevnetError(f"devnet RPC {self.url} unreachable: {err}") from None

    async def call(self, method: str, *params: Any) -> Any:
        """One call; raises RpcCallError if the node answers with an error."""
        reply = await self._post(
            {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": params}
        )
        if "error" in reply:
            raise RpcCallError(method, reply["error"])
        return reply.get("result")

    async def batch(self, calls: Sequence[Call], *, check: bool = True) -> list[Any]:
        """Many calls in one HTTP request; results in call order.

        With ``check`` the first error raises; otherwise errors come back as RpcCallError values.
        """
        if not calls:
            return []
        first = next(self._ids)
        payload = [
            {"jsonrpc": "2.0", "id": first + i, "method": m, "params": list(p)}
            for i, (m, p) in enumerate(calls)
        ]
        self._ids = itertools.count(first + len(calls))
        replies = await self._post(payload)
        if not isinstance(replies, list):
            raise DevnetError(f"devnet RPC batch failed: {replies.get('error', replies)}")
        by_id = {r.get("id"): r for r in replies}
        out: list[Any] = []
        for i, (method, _) in enumerate(calls):
            reply = by_id.get(first + i, {"error": {"message": "no reply in batch"}})
            if "error" in reply:
                err = RpcCallError(method, reply["error"])
                if check:
                    raise err
                out.append(err)
            else:
                out.append(reply.get("result"))
        return out
