"""The RPC client: several endpoints with ordered fallback, health scores, retry with backoff, a chain-id
check at connect, head-lag detection and a quorum mode for critical reads.

Hot paths (quotes, pool refreshes) call ``request``/``batch`` directly: raw JSON-RPC over one keep-alive
aiohttp session costs microseconds, web3's contract layer milliseconds."""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from dexbot.chain.rpc_coalesce import Coalescer, active_for, coalescing
from dexbot.chain.rpc_errors import RpcError, RpcQuorumError
from dexbot.chain.rpc_ws import WsClosed, WsTransport
from dexbot.core.errors import ChainIdMismatch, RpcUnavailable
from dexbot.core.urls import mask, url_credentials

Observer = Callable[[int, str, str, float], None]  # endpoint index, method class, status, seconds

_URL = re.compile(r"[a-z][a-z0-9+.-]*://[^\s'\"<>()]+", re.IGNORECASE)
RETRYABLE_HTTP = {408, 425, 429, 500, 502, 503, 504}


def method_class(method: str) -> str:
    """A bounded label for metrics: what kind of work the call is."""
    if method in ("eth_sendRawTransaction", "eth_sendTransaction"):
        return "send"
    if method in ("eth_call", "eth_simulateV1", "eth_estimateGas", "eth_createAccessList"):
        return "call"
    if method in ("eth_getLogs", "eth_getFilterChanges", "eth_newFilter"):
        return "logs"
    if method.startswith(("anvil_", "evm_", "hardhat_")):
        return "devnet"
    return "read"


@dataclass
class Endpoint:
    index: int
    url: str
    healthy: bool = True
    score: float = 1.0  # EWMA of success, 0..1
    failures: int = 0  # consecutive
    cooldown_until: float = 0.0
    last_error: str = ""
    latency_s: float = 0.0
    head: int = 0
    lag_blocks: int = 0
    requests: int = 0
    errors: int = 0
    wrong_chain: int = 0  # the chain id it served at the last check, when not ours: never used then
    credentials: tuple[str, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.credentials = url_credentials(self.url)

    def clean(self, text: str) -> str:
        """Text this endpoint answered, or an error about it, without its URL or credentials: providers
        echo the request (``Cannot POST /v2/KEY``) and aiohttp names the whole URL in some errors."""
        return mask(_safe_urls(text), self.credentials)

    def error_answer(self, error: Any) -> dict[str, Any]:
        """A JSON-RPC error object as this endpoint sent it, its message cleaned (see ``clean``)."""
        if not isinstance(error, dict):
            return {"code": -1, "message": self.clean(str(error))}
        return {**error, "message": self.clean(str(error.get("message", "")))}

    def record(self, ok: bool, seconds: float, error: str = "") -> None:
        self.requests += 1
        self.score = 0.8 * self.score + (0.2 if ok else 0.0)
        self.latency_s = seconds if self.latency_s == 0 else 0.8 * self.latency_s + 0.2 * seconds
        if ok:
            self.failures = 0
            self.healthy = True
            return
        self.errors += 1
        self.failures += 1
        self.last_error = error
        self.healthy = False
        self.cooldown_until = time.monotonic() + min(30.0, 0.5 * 2 ** min(self.failures, 6))


@dataclass
class RpcStats:
    """In-memory counters; the metrics layer exports them through the observer hook."""

    by_key: dict[tuple[int, str, str], int] = field(default_factory=dict)

    def add(self, index: int, cls: str, status: str) -> None:
        key = (index, cls, status)
        self.by_key[key] = self.by_key.get(key, 0) + 1


class _Transport(Exception):
    """An endpoint-level failure (network, timeout, HTTP error, garbage): try the next endpoint."""


# Never coalesced: on the devnet's anvil, these two inside a batch were followed by flaky transaction
# nonces in later tests (3 failing runs of 13; none in 9 with them sent alone); they go out on their own.
UNBATCHED = ("debug_traceCall", "eth_simulateV1")


class RpcClient:
    """Use ``await RpcClient.connect(urls, chain_id=...)``; close with ``await client.close()``."""

    def __init__(
        self,
        urls: Sequence[str],
        *,
        timeout_s: float = 10.0,
        retries: int = 2,
        send_url: str | None = None,
        max_lag_blocks: int = 3,
    ) -> None:
        if not urls:
            raise RpcUnavailable("chain.rpc_urls: no RPC endpoint configured")
        self.endpoints = [Endpoint(i, u) for i, u in enumerate(urls)]
        self.send_endpoint = Endpoint(len(urls), send_url) if send_url else None
        self.timeout_s = timeout_s
        self.retries = retries
        self.max_lag_blocks = max_lag_blocks
        self.chain_id = 0
        self.stats = RpcStats()
        self.observers: list[Observer] = []
        self._ids = itertools.count(1)
        self._session: aiohttp.ClientSession | None = None
        self._ws: WsTransport | None = None  # for ws:// and wss:// endpoints
        self._turn = 0  # the healthy endpoints' order is rotated by this much (``asking_another``)

    @classmethod
    async def connect(
        cls,
        urls: Sequence[str],
        *,
        chain_id: int | None = None,
        timeout_s: float = 10.0,
        retries: int = 2,
        send_url: str | None = None,
    ) -> RpcClient:
        """Connect and verify every reachable endpoint serves the expected chain; refuse otherwise."""
        client = cls(urls, timeout_s=timeout_s, retries=retries, send_url=send_url)
        try:
            await client._verify_chain(chain_id)
        except BaseException:
            await client.close()
            raise
        return client

    async def _verify_chain(self, expected: int | None) -> None:
        results = await asyncio.gather(
            *(self._one(ep, "eth_chainId", []) for ep in self.endpoints), return_exceptions=True
        )
        seen: dict[int, list[str]] = {}
        for ep, res in zip(self.endpoints, results, strict=True):
            if isinstance(res, BaseException):
                ep.record(False, 0.0, str(res))
                continue
            seen.setdefault(int(res, 16), []).append(ep.url)
        if not seen:
            raise RpcUnavailable(f"no RPC endpoint answered eth_chainId: {self.describe_errors()}")
        want = expected if expected is not None else next(iter(seen))
        wrong = {cid: eps for cid, eps in seen.items() if cid != want}
        if wrong:
            cid, eps = next(iter(wrong.items()))
            raise ChainIdMismatch(
                f"chain.chain_id: endpoint {_safe_url(eps[0])} serves chain {cid}, expected {want}; "
                "refusing to connect (check chain.network / chain.rpc_urls)"
            )
        self.chain_id = want

    # -- transport ---------------------------------------------------------------------------------

    async def _post(self, ep: Endpoint, payload: Any) -> Any:
        if ep.url.startswith(("ws://", "wss://")):
            if self._ws is None:
                self._ws = WsTransport(self.timeout_s)
            try:
                return await self._ws.post(ep.url, payload)
            except (WsClosed, aiohttp.ClientError, OSError, TimeoutError) as err:
                raise _Transport(ep.clean(f"{type(err).__name__}: {err}".rstrip(": "))) from None
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout_s),
                connector=aiohttp.TCPConnector(limit=32, keepalive_timeout=30),
            )
        try:
            async with self._session.post(ep.url, json=payload) as resp:
                if resp.status != 200:
                    text = ep.clean(await resp.text())[:200]
                    raise _Transport(f"HTTP {resp.status}: {text.strip()}")
                return await resp.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as err:
            raise _Transport(ep.clean(f"{type(err).__name__}: {err}".rstrip(": "))) from None

    async def _one(self, ep: Endpoint, method: str, params: Sequence[Any]) -> Any:
        """One request to one endpoint. JSON-RPC errors are answers (RpcError), not endpoint faults."""
        payload = {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": list(params)}
        started = time.perf_counter()
        cls = method_class(method)
        try:
            body = await self._post(ep, payload)
            if not isinstance(body, dict) or ("result" not in body and "error" not in body):
                raise _Transport(f"malformed JSON-RPC answer: {ep.clean(str(body))[:120]}")
        except _Transport as err:
            self._observe(ep, cls, "transport_error", started, ok=False, error=str(err))
            raise
        if "error" in body and body["error"] is not None:
            error = ep.error_answer(body["error"])
            self._observe(ep, cls, "rpc_error", started, ok=True)
            if _is_endpoint_fault(error):
                ep.record(False, 0.0, str(error.get("message")))
                raise _Transport(str(error.get("message")))
            raise RpcError(method, error)
        self._observe(ep, cls, "ok", started, ok=True)
        return body["result"]

    def _observe(
        self, ep: Endpoint, cls: str, status: str, started: float, *, ok: bool, error: str = ""
    ) -> None:
        seconds = time.perf_counter() - started
        ep.record(ok, seconds, error)
        self.stats.add(ep.index, cls, status)
        for obs in self.observers:
            obs(ep.index, cls, status, seconds)

    def ordered(self) -> list[Endpoint]:
        """Configured order, but endpoints cooling down after failures or lagging behind go last, and
        one found serving another chain is left out (a transaction sent there could land on it)."""
        now = time.monotonic()

        def key(ep: Endpoint) -> tuple[int, int, int]:
            cooling = 1 if ep.cooldown_until > now else 0
            lagging = 1 if ep.lag_blocks > self.max_lag_blocks else 0
            return (cooling, lagging, ep.index)

        eps = sorted((ep for ep in self.endpoints if not ep.wrong_chain), key=key)
        good = [ep for ep in eps if key(ep)[:2] == (0, 0)]
        if self._turn and len(good) > 1:
            k = self._turn % len(good)
            eps = good[k:] + good[:k] + eps[len(good) :]
        return eps

    @contextmanager
    def asking_another(self, turn: int) -> Iterator[None]:
        """Within the block, the healthy endpoints are asked in an order rotated by ``turn``: a second
        read of an answer that contradicted the chain's logs goes to another node first, when there is
        one (turn 1: the next, turn 2: the one after, ...)."""
        saved, self._turn = self._turn, turn
        try:
            yield
        finally:
            self._turn = saved

    # -- public API ----------------------------------------------------------------------------------

    def coalescing(self) -> AbstractContextManager[Coalescer]:
        """Within the block, calls made in one loop turn go out as one batch (see rpc_coalesce)."""
        return coalescing(self, self._batch_now)

    async def request(self, method: str, params: Sequence[Any] = (), *, alone: bool = False) -> Any:
        """A JSON-RPC call with fallback across endpoints and retry with backoff. ``alone``: never in a
        coalesced batch (a batch is answered when its slowest call is: a slow call held there would
        hold back the quick ones' answers)."""
        coalescer = active_for(self)
        if coalescer is not None and method not in UNBATCHED and not alone:
            return await coalescer.request(method, params)
        for attempt in range(self.retries + 1):
            for ep in self.ordered():
                try:
                    return await self._one(ep, method, params)
                except _Transport:
                    continue
            if attempt < self.retries:
                await asyncio.sleep(0.1 * 2**attempt)
        raise RpcUnavailable(f"{method}: every RPC endpoint failed: {self.describe_errors()}")

    async def batch(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[Any]:
        """Several calls in ONE HTTP JSON-RPC batch to one endpoint (falling back as a whole).
        Each item of the result is the call's result, or an RpcError instance for a call that failed."""
        coalescer = active_for(self)
        if coalescer is not None:
            return await coalescer.batch(calls)
        return await self._batch_now(calls)

    async def _batch_now(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[Any]:
        if not calls:
            return []
        base = next(self._ids)
        payload = [
            {"jsonrpc": "2.0", "id": base + i, "method": m, "params": list(p)}
            for i, (m, p) in enumerate(calls)
        ]
        for _ in range(len(calls)):
            next(self._ids)
        for attempt in range(self.retries + 1):
            for ep in self.ordered():
                started = time.perf_counter()
                try:
                    body = await self._post(ep, payload)
                    if not isinstance(body, list) or len(body) != len(calls):
                        raise _Transport(f"malformed batch answer ({type(body).__name__})")
                except _Transport as err:
                    self._observe(ep, "batch", "transport_error", started, ok=False, error=str(err))
                    continue
                self._observe(ep, "batch", "ok", started, ok=True)
                by_id = {item.get("id"): item for item in body if isinstance(item, dict)}
                out: list[Any] = []
                for i, (m, _) in enumerate(calls):
                    item = by_id.get(base + i)
                    if item is None:
                        out.append(RpcError(m, {"code": -32603, "message": "missing from batch answer"}))
                    elif item.get("error") is not None:
                        out.append(RpcError(m, ep.error_answer(item["error"])))
                    else:
                        out.append(item.get("result"))
                return out
            if attempt < self.retries:
                await asyncio.sleep(0.1 * 2**attempt)
        raise RpcUnavailable(f"batch of {len(calls)}: every RPC endpoint failed: {self.describe_errors()}")

    async def quorum_request(self, method: str, params: Sequence[Any], *, quorum: int = 2) -> Any:
        """A critical read answered identically by ``quorum`` endpoints; pin a block number in ``params``
        (not "latest") so honest endpoints can agree. Refuses when they disagree or too few answer."""
        if quorum <= 1:
            return await self.request(method, params)
        eps = [ep for ep in self.ordered()][: max(quorum, len(self.endpoints))]
        results = await asyncio.gather(*(self._one(ep, method, params) for ep in eps), return_exceptions=True)
        answers = [(ep, r) for ep, r in zip(eps, results, strict=True) if not isinstance(r, BaseException)]
        if len(answers) < quorum:
            raise RpcQuorumError(
                f"{method}: only {len(answers)} of {quorum} endpoints answered; refusing to proceed"
            )
        values = {repr(r) for _, r in answers}
        if len(values) > 1:
            detail = ", ".join(f"#{ep.index}={str(r)[:24]}" for ep, r in answers)
            raise RpcQuorumError(f"{method}: RPC endpoints disagree ({detail}); refusing to proceed")
        return answers[0][1]

    async def send_raw(self, raw_tx: str) -> str:
        """Broadcast a signed transaction: through the private/MEV-protected send URL when configured."""
        if self.send_endpoint is not None:
            try:
                return str(await self._one(self.send_endpoint, "eth_sendRawTransaction", [raw_tx]))
            except _Transport:
                pass  # the public endpoints still get it
        return str(await self.request("eth_sendRawTransaction", [raw_tx]))

    async def check_heads(self) -> dict[int, int]:
        """Each endpoint's head block; marks endpoints lagging behind the best one."""
        results = await asyncio.gather(
            *(self._one(ep, "eth_blockNumber", []) for ep in self.endpoints), return_exceptions=True
        )
        heads: dict[int, int] = {}
        for ep, res in zip(self.endpoints, results, strict=True):
            if not isinstance(res, BaseException):
                ep.head = int(res, 16)
                heads[ep.index] = ep.head
        best = max(heads.values(), default=0)
        for ep in self.endpoints:
            ep.lag_blocks = best - ep.head if ep.index in heads else best
        return heads

    async def check_endpoints(self) -> list[str]:
        """Ask every endpoint, in parallel, for its chain id and head: mark lagging ones (``ordered``
        puts them last) and take out those serving another chain until they serve ours again. Returns
        one line per endpoint that changed between right and wrong chain."""
        calls: list[tuple[str, list[Any]]] = [("eth_chainId", []), ("eth_blockNumber", [])]
        results = await asyncio.gather(*(self._pair(ep, calls) for ep in self.endpoints))
        heads = {ep.index: head for ep, (cid, head) in zip(self.endpoints, results, strict=True) if head >= 0}
        best = max(heads.values(), default=0)
        changes = []
        for ep, (cid, head) in zip(self.endpoints, results, strict=True):
            if head >= 0:
                ep.head = head
            ep.lag_blocks = best - ep.head if ep.index in heads else best
            if cid <= 0 or not self.chain_id:
                continue
            wrong = cid if cid != self.chain_id else 0
            if wrong != ep.wrong_chain:
                what = (
                    f"serves chain {wrong}, expected {self.chain_id}: taken out of rotation"
                    if wrong
                    else (f"serves chain {cid} again: back in rotation")
                )
                changes.append(f"RPC endpoint #{ep.index} {_safe_url(ep.url)} {what}")
                if wrong:
                    ep.last_error = f"serves chain {wrong}, expected {self.chain_id}"
            ep.wrong_chain = wrong
        return changes

    def observed_chain_id(self) -> int:
        """Our chain id while any endpoint serves it; else the id the endpoints serve instead."""
        wrong = [ep.wrong_chain for ep in self.endpoints if ep.wrong_chain]
        return self.chain_id if len(wrong) < len(self.endpoints) else wrong[0]

    async def _pair(self, ep: Endpoint, calls: list[tuple[str, list[Any]]]) -> tuple[int, int]:
        """(chain id, head) of one endpoint from one batch; -1 for what it did not answer."""
        payload = [{"jsonrpc": "2.0", "id": i, "method": m, "params": p} for i, (m, p) in enumerate(calls)]
        started = time.perf_counter()
        try:
            body = await self._post(ep, payload)
        except _Transport as err:
            self._observe(ep, "batch", "transport_error", started, ok=False, error=str(err))
            return -1, -1
        self._observe(ep, "batch", "ok", started, ok=True)
        got = (
            {item.get("id"): item.get("result") for item in body if isinstance(item, dict)}
            if isinstance(body, list)
            else {}
        )
        return _hex_int(got.get(0)), _hex_int(got.get(1))

    async def block_number(self) -> int:
        return int(await self.request("eth_blockNumber", []), 16)

    def describe_errors(self) -> str:
        return "; ".join(f"#{ep.index} {_safe_url(ep.url)}: {ep.last_error or 'ok'}" for ep in self.endpoints)

    async def __aenter__(self) -> RpcClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._ws is not None:
            await self._ws.close()
            self._ws = None


def _hex_int(value: Any) -> int:
    try:
        return int(value, 16) if isinstance(value, str) else -1
    except ValueError:
        return -1


def _is_endpoint_fault(error: dict[str, Any]) -> bool:
    """Provider-side errors (rate limits, overload) mean try elsewhere; execution errors are answers."""
    code = error.get("code")
    msg = str(error.get("message", "")).lower()
    return code in (-32005, 429) or "rate limit" in msg or "too many requests" in msg or "overloaded" in msg


def _safe_urls(text: str) -> str:
    """``text`` with every URL in it cut down to scheme and host (see ``_safe_url``)."""
    return _URL.sub(lambda m: _safe_url(m[0]), text)


def _safe_url(url: str) -> str:
    """Endpoint URLs often carry API keys in the path: show scheme and host only."""
    scheme, sep, rest = url.partition("://")
    host = re.split(r"[/?#]", rest, maxsplit=1)[0].rsplit("@", 1)[-1]
    return f"{scheme}{sep}{host}" if sep else url
