"""JSON-RPC over WebSocket for ``ws://`` / ``wss://`` endpoints: one socket per endpoint, opened on first
use and again after it drops, answers matched to requests by id, so calls from many tasks share it.

Request and answer only (no subscriptions): the engine reads blocks by polling whichever transport an
endpoint speaks. A socket that closes fails every request waiting on it at once (the client then falls
back to the next endpoint, and the next request here reconnects); a request unanswered within the
timeout fails alone."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp


class WsClosed(Exception):
    """The socket is gone (closed, dropped, or never opened): the request was not answered."""


class _Socket:
    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.waiting: dict[Any, asyncio.Future[Any]] = {}  # request id (first of a batch) -> its answer
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for msg in self.ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    continue
                try:
                    body = json.loads(msg.data)
                except ValueError:
                    body = msg.data  # not JSON: whoever waits longest gets it as a malformed answer
                key = _key(body)
                fut = self.waiting.pop(key, None) if key is not None else None
                if fut is None and self.waiting and key is None:
                    fut = self.waiting.pop(next(iter(self.waiting)))
                if fut is not None and not fut.done():
                    fut.set_result(body)
        finally:
            for fut in self.waiting.values():
                if not fut.done():
                    fut.set_exception(WsClosed("the WebSocket closed before answering"))
            self.waiting.clear()

    @property
    def open(self) -> bool:
        return not self.ws.closed and not self.reader.done()

    async def close(self) -> None:
        await self.ws.close()
        await asyncio.gather(self.reader, return_exceptions=True)


def _key(body: Any) -> Any:
    """The id an answer is filed under: its own, or a batch's first item's."""
    if isinstance(body, dict):
        return body.get("id")
    if isinstance(body, list) and body and isinstance(body[0], dict):
        ids = [item["id"] for item in body if isinstance(item, dict) and isinstance(item.get("id"), int)]
        return min(ids, default=None)
    return None


class WsTransport:
    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self._session: aiohttp.ClientSession | None = None
        self._sockets: dict[str, _Socket] = {}
        self._opening: dict[str, asyncio.Lock] = {}

    async def _socket(self, url: str) -> _Socket:
        lock = self._opening.setdefault(url, asyncio.Lock())
        async with lock:
            sock = self._sockets.get(url)
            if sock is not None and sock.open:
                return sock
            if self._session is None:
                self._session = aiohttp.ClientSession()
            ws = await self._session.ws_connect(url, max_msg_size=64 * 1024**2)
            self._sockets[url] = sock = _Socket(ws)
            return sock

    async def post(self, url: str, payload: Any) -> Any:
        """Send ``payload`` (a request or a batch, with numeric ids) and return its answer."""
        async with asyncio.timeout(self.timeout_s):
            sock = await self._socket(url)
            key = _key(payload)
            fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            sock.waiting[key] = fut
            try:
                await sock.ws.send_str(json.dumps(payload))
            except (ConnectionError, RuntimeError) as err:
                sock.waiting.pop(key, None)
                raise WsClosed(str(err) or "the WebSocket closed") from None
            try:
                return await fut
            finally:
                sock.waiting.pop(key, None)

    async def close(self) -> None:
        for sock in list(self._sockets.values()):
            await sock.close()
        self._sockets.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None
