"""The session devnet described as a remote chain (``chain.network = "custom"``): the ``[chain.custom]`` table
of its contract addresses, shared by every test that runs dexbot against a chain known only by config."""

from __future__ import annotations

from typing import Any

from dexbot.chain.devnet.deployment import Deployment


def custom_table(dep: Deployment, **overrides: Any) -> dict[str, Any]:
    """The devnet's addresses as ``[chain.custom]`` keys; an override of ``None`` leaves that key out."""
    table = {
        "name": "localnet",
        "weth": dep.weth,
        "usdc": dep.usdc,
        "v2_factory": dep.v2_factory,
        "v2_router": dep.v2_router,
        "v3_factory": dep.v3_factory,
        "v3_router": dep.v3_swap_router,
        "v3_router_kind": "swap_router",
        "v3_quoter": dep.v3_quoter,
        "v3_position_manager": dep.v3_position_manager,
        "multicall3": dep.multicall3,
    } | overrides
    return {k: v for k, v in table.items() if v is not None}


def custom_toml(
    dep: Deployment, rpc_urls: list[str], *, chain_id: int = 31337, chain_keys: str = "", **overrides: Any
) -> str:
    """``[chain]`` (with ``chain_keys``, TOML lines) and ``[chain.custom]`` as config.toml text; callers
    append their other sections."""
    rpc = ", ".join(f'"{u}"' for u in rpc_urls)
    lines = "".join(f'{k} = "{v}"\n' for k, v in custom_table(dep, **overrides).items())
    head = f'[chain]\nnetwork = "custom"\nchain_id = {chain_id}\nrpc_urls = [{rpc}]\n{chain_keys}'
    return f"{head}[chain.custom]\n{lines}"
