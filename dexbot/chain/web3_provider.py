"""An AsyncWeb3 provider that routes every request through our RpcClient, so code that uses web3's
contract layer (deployment, wallet, occasional reads) gets fallback, retries and metrics too."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from web3 import AsyncWeb3
from web3.middleware import ExtraDataToPOAMiddleware
from web3.providers.async_base import AsyncBaseProvider
from web3.types import RPCEndpoint, RPCResponse

from dexbot.chain.rpc_errors import RpcError

if TYPE_CHECKING:
    from dexbot.chain.rpc import RpcClient


class ClientProvider(AsyncBaseProvider):
    def __init__(self, client: RpcClient) -> None:
        super().__init__()
        self.client = client

    async def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        try:
            result = await self.client.request(str(method), list(params or []))
        except RpcError as err:
            error: dict[str, Any] = {"code": err.code, "message": err.message}
            if err.data:
                error["data"] = "0x" + err.data.hex()
            return {"jsonrpc": "2.0", "id": 0, "error": error}  # type: ignore[typeddict-item]
        return {"jsonrpc": "2.0", "id": 0, "result": result}

    async def make_batch_request(self, requests: list[tuple[RPCEndpoint, Any]]) -> list[RPCResponse]:
        results = await self.client.batch([(str(m), list(p or [])) for m, p in requests])
        out: list[RPCResponse] = []
        for res in results:
            if isinstance(res, RpcError):
                out.append({"jsonrpc": "2.0", "id": 0, "error": {"code": res.code, "message": res.message}})
            else:
                out.append({"jsonrpc": "2.0", "id": 0, "result": res})
        return out

    async def is_connected(self, show_traceback: bool = False) -> bool:
        try:
            await self.client.request("eth_chainId", [])
        except Exception:
            if show_traceback:
                raise
            return False
        return True


def make_web3(client: RpcClient, *, poa: bool = False) -> AsyncWeb3[Any]:
    w3: AsyncWeb3[Any] = AsyncWeb3(ClientProvider(client))
    if poa:
        w3.middleware_onion.inject(ExtraDataToPOAMiddleware, layer=0)
    return w3
