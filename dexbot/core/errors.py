"""The error hierarchy. Every user-facing failure is one of these, with a message that names the
field or value at fault and, where there is one, the fix. The CLI maps them to exit codes."""

from __future__ import annotations


class DexbotError(Exception):
    """Base class for every error dexbot raises on purpose."""

    exit_code = 1


class ConfigError(DexbotError):
    """Configuration or command-line usage is wrong: exit code 2."""

    exit_code = 2


class NotBuiltYet(DexbotError):
    """A command whose feature has not landed yet; says so plainly instead of pretending."""

    exit_code = 3


class StoreError(DexbotError):
    """The database could not be opened, migrated or written."""


class ChainError(DexbotError):
    """Something went wrong talking to, or on, the chain."""


class UntrustedState(ChainError):
    """The node's answers about a pool's state at a block disagreed with the chain's logs on every read:
    nothing is priced from it there (not a pool that cannot take a trade: the next block asks again)."""


class RpcUnavailable(ChainError):
    """No configured RPC endpoint answered."""


class ChainIdMismatch(ChainError):
    """The endpoint serves a different chain than the configuration names."""


class DevnetError(ChainError):
    """The embedded devnet (anvil, deployment, market) could not start or run."""


class SimulationRevert(ChainError):
    """An eth_call simulation reverted; `reason` holds the decoded revert reason."""

    def __init__(self, message: str, reason: str | None = None, data: bytes = b"") -> None:
        super().__init__(message)
        self.reason = reason
        self.data = data


class BreakerOpen(DexbotError):
    """A circuit breaker is open and blocks the requested action."""


class InputError(DexbotError):
    """A user-supplied value (address, amount, token) is malformed: exit code 2."""

    exit_code = 2


class ChainIdentityMismatch(ConfigError):
    """Live state in the database belongs to another chain under the same chain id (another genesis):
    exit code 2, nothing started."""


class InstanceLocked(ConfigError):
    """Another engine already trades this wallet (or this paper instance) on this chain: exit code 2,
    nothing started, nothing written."""
