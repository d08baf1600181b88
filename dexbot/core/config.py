"""The configuration model. ``config.toml`` is validated by these pydantic models (unknown keys are
refused), then ``DEXBOT_<SECTION>__<KEY>`` environment variables override single values. The ``[chain]``
tables live in ``config_chain`` and the shared field types in ``config_fields``; this module re-exports
what callers use."""

from __future__ import annotations

import os
import re
import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, PrivateAttr, ValidationError, ValidationInfo, field_validator

from dexbot.core.config_chain import MULTICALL3 as MULTICALL3
from dexbot.core.config_chain import NETWORKS as NETWORKS
from dexbot.core.config_chain import OP_GAS_PRICE_ORACLE as OP_GAS_PRICE_ORACLE
from dexbot.core.config_chain import ChainConfig as ChainConfig
from dexbot.core.config_chain import CustomChainConfig as CustomChainConfig
from dexbot.core.config_chain import V3RouterKind as V3RouterKind
from dexbot.core.config_fields import KEY_ERROR, Address, EthAmount, Host, Section
from dexbot.core.config_sources import Origin, env_key, given
from dexbot.core.errors import ConfigError
from dexbot.core.instance import DEFAULT_INSTANCE, check_instance_name
from dexbot.core.units import WEI_PER_ETH
from dexbot.core.urls import redact_url

URL_FIELDS = ("chain.rpc_urls", "chain.send_url", "store.url")
_SECRET_NAME = re.compile(r"pass|secret|private|mnemonic|api_?key", re.IGNORECASE)

MIN_STATE_BLOCKS = 8  # dexbot reads states a block or two behind the head; drills reorg 2 blocks deep
Hardfork = Literal["cancun", "prague"]  # the devnet's EVM rules anvil is told (see DevnetConfig.hardfork)
DEVNET_HARDFORK: Hardfork = "cancun"
MIN_TX_BLOCKS = 64  # the watcher re-reads logs up to 64 blocks back after a reorg


class MarketConfig(Section):
    enabled: bool = True
    swaps_per_s: float = Field(default=2.0, ge=0, le=200)
    launch_every_s: float = Field(default=20.0, gt=0)
    hostile_share: float = Field(default=0.5, ge=0, le=1)
    rug_share: float = Field(default=0.15, ge=0, le=1)
    regime: Literal["calm", "trending", "crash", "cycle"] = "cycle"
    traders: int = Field(default=8, ge=1, le=50)


class DevnetConfig(Section):
    anvil_path: str = ""
    host: Literal["127.0.0.1"] = "127.0.0.1"
    port: int = Field(default=0, ge=0, le=65535)
    block_time_s: float = Field(default=2.0, ge=0, le=60)
    seed: int = Field(default=42, ge=0)
    accounts: int = Field(default=20, ge=10, le=200)
    tokens: int = Field(default=6, ge=0, le=200)
    # Anvil's memory: states and transactions of only the newest blocks are kept (0: keep them all).
    # Each kept state costs what the chain grows by (measured, market alone at 5x speed: ~1.4 MB per
    # 10 minutes per kept state; 64 MB per 10 minutes at 16, 47 at 4); dexbot reads states a few
    # blocks back, and logs and receipts 64 blocks back.
    history_blocks: int = Field(default=MIN_STATE_BLOCKS, ge=0, le=100_000)
    tx_history_blocks: int = Field(default=256, ge=0, le=100_000)
    # The EVM rules of the plain devnet. Cancun, not anvil 1.7.1's latest (Prague): Prague's block-hash
    # history contract (EIP-2935) gains a storage slot every block for 8,191 blocks, and this anvil
    # rebuilds the whole state trie every block and copies the whole state into each kept state, so each
    # block cost more than the last (measured: 0.7 ms at block 0, 14 ms at block 12,000; Cancun: 0.7 ms)
    # and memory grew with every block. An OP-stack devnet keeps anvil's own (Isthmus) rules.
    hardfork: Hardfork = DEVNET_HARDFORK
    # An OP-stack devnet (anvil --optimism with an L1Block and a GasPriceOracle): every transaction also
    # pays an L1 data fee, as on Base, and paper fills price it.
    op_stack: bool = False
    market: MarketConfig = MarketConfig()

    @property
    def log_blocks(self) -> int | None:
        """How many of the newest blocks' logs the devnet's anvil keeps; None: every block's."""
        return self.tx_history_blocks or None

    @field_validator("history_blocks", "tx_history_blocks")
    @classmethod
    def _cover_reads(cls, v: int, info: ValidationInfo) -> int:
        least = MIN_STATE_BLOCKS if info.field_name == "history_blocks" else MIN_TX_BLOCKS
        if 0 < v < least:
            raise ValueError(
                f"must be 0 (keep every block) or at least {least}: reorg handling, revert traces "
                "and the round-trip probe read recent blocks"
            )
        return v


class ModeConfig(Section):
    trading: Literal["paper", "live"] = "paper"
    max_trade_eth: EthAmount = Decimal("0.5")

    @property
    def max_trade_wei(self) -> int:
        return int(self.max_trade_eth * WEI_PER_ETH)


class PaperConfig(Section):
    starting_balance_eth: EthAmount = Decimal("10")

    @property
    def starting_balance_wei(self) -> int:
        return int(self.starting_balance_eth * WEI_PER_ETH)


class IntelConfig(Section):
    level: int = Field(default=5, ge=1, le=10)
    lane: Literal["auto", "smart", "fast"] = "auto"


class RiskConfig(Section):
    # None: from the intel level (engine.intel.LEVEL_KEYS), as for every level-backed key.
    max_score: int | None = Field(default=None, ge=0, le=100)
    cache_ttl_s: float = Field(default=30.0, ge=0)
    max_cache_age_blocks: int = Field(default=5, ge=0)
    probe_buy_eth: EthAmount = Decimal("0.01")
    min_liquidity_eth: EthAmount | None = None
    max_tax_bps: int = Field(default=1000, ge=0, le=10000)


class BreakersConfig(Section):
    enabled: bool = True
    cooldown_s: float = Field(default=300.0, ge=0)
    daily_loss_pct: float = Field(default=10.0, gt=0, le=100)
    max_drawdown_pct: float = Field(default=20.0, gt=0, le=100)
    consecutive_losses: int = Field(default=5, ge=1)
    consecutive_failed_txs: int = Field(default=3, ge=1)
    max_position_pct: float = Field(default=25.0, gt=0, le=100)
    max_open_positions: int = Field(default=10, ge=1)  # hard cap over every intel level (L10 allows 10)
    max_exposure_pct: float = Field(default=80.0, gt=0, le=100)
    max_slippage_bps: int = Field(default=300, ge=0, le=10000)
    stuck_tx_blocks: int = Field(default=10, ge=1)
    trades_per_minute: int = Field(default=20, ge=1)
    base_fee_ceiling_gwei: EthAmount = Decimal("200")
    daily_gas_budget_eth: EthAmount = Decimal("0.5")
    rpc_error_rate_pct: float = Field(default=25.0, gt=0, le=100)
    block_stall_s: float = Field(default=60.0, gt=0)
    liquidity_drop_pct: float = Field(default=50.0, gt=0, le=100)
    volatility_spike_pct: float = Field(default=30.0, gt=0)
    hostile_tokens_per_hour: int = Field(default=20, ge=1)


class ExitsConfig(Section):
    # Percent of the position's cost; None: from the intel level. A stop-loss is a loss, so negative.
    stop_loss_pct: float | None = None
    take_profit_pct: float | None = None
    trailing_pct: float | None = None
    max_hold_s: float | None = Field(default=3600.0, gt=0, allow_inf_nan=False)
    method: Literal["impact", "twap", "vwap"] = "impact"  # how non-urgent exits are sliced
    twap_slices: int = Field(default=4, ge=1, le=100)
    twap_over_s: float = Field(default=60.0, gt=0)
    vwap_participation_bps: int = Field(default=1000, ge=1, le=10000)  # share of observed sell volume
    slice_impact_bps: int = Field(default=100, ge=1, le=10000)

    @field_validator("stop_loss_pct")
    @classmethod
    def _stop_loss(cls, v: float | None) -> float | None:
        if v is not None and not -100 <= v < 0:
            raise ValueError("must be negative, between -100 and 0: percent below cost, e.g. -5")
        return v

    @field_validator("take_profit_pct")
    @classmethod
    def _take_profit(cls, v: float | None) -> float | None:
        if v is not None and not 0 < v <= 10_000:
            raise ValueError("must be positive, at most 10000: percent above cost, e.g. 20")
        return v

    @field_validator("trailing_pct")
    @classmethod
    def _trailing(cls, v: float | None) -> float | None:
        if v is not None and not 0 < v < 100:
            raise ValueError("must be between 0 and 100: percent given back from the peak, e.g. 8")
        return v


class GasConfig(Section):
    urgency: Literal["slow", "normal", "fast", "fast-lane"] | None = None
    max_fee_gwei: EthAmount = Decimal("200")
    max_priority_fee_gwei: EthAmount = Decimal("5")


class StoreConfig(Section):
    data_dir: str = "data"
    url: str = ""
    busy_timeout_ms: int = Field(default=5000, ge=0, le=3_600_000)

    @field_validator("url")
    @classmethod
    def _url_scheme(cls, v: str) -> str:
        if v and not v.startswith(("sqlite:", "postgresql:", "postgresql+psycopg:")):
            raise ValueError("must be a sqlite:/// or postgresql:// URL (or empty for the default file)")
        if v:
            from sqlalchemy.engine import make_url
            from sqlalchemy.exc import ArgumentError

            try:
                port = make_url(v).port
            except (ArgumentError, ValueError) as err:
                raise ValueError(f"is not a database URL ({err})") from None
            if port is not None and not 0 < port < 65536:
                raise ValueError(f"port {port} is not 1-65535")
        return v


class MetricsConfig(Section):
    enabled: bool = True
    host: Host = "127.0.0.1"
    port: int = Field(default=9464, ge=0, le=65535)


class LogConfig(Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["text", "json"] = "text"
    file: bool = True


class InstanceConfig(Section):
    name: str = DEFAULT_INSTANCE

    @field_validator("name")
    @classmethod
    def _slug(cls, v: str) -> str:
        return check_instance_name(v)


class StrategyConfig(Section):
    name: Literal["launch", "momentum", "mean_reversion"] = "launch"
    watchlist: list[Address] = Field(default_factory=list)


class Config(Section):
    instance: InstanceConfig = InstanceConfig()
    chain: ChainConfig = ChainConfig()
    devnet: DevnetConfig = DevnetConfig()
    mode: ModeConfig = ModeConfig()
    paper: PaperConfig = PaperConfig()
    intel: IntelConfig = IntelConfig()
    risk: RiskConfig = RiskConfig()
    breakers: BreakersConfig = BreakersConfig()
    exits: ExitsConfig = ExitsConfig()
    gas: GasConfig = GasConfig()
    store: StoreConfig = StoreConfig()
    metrics: MetricsConfig = MetricsConfig()
    log: LogConfig = LogConfig()
    strategy: StrategyConfig = StrategyConfig()

    # Where the file was read from; relative paths (data_dir) resolve against its folder.
    source: str = Field(default="", exclude=True)
    # Dotted key → where the user gave it (file or environment), filled by load_config.
    _given: dict[str, Origin] = PrivateAttr(default_factory=dict)

    @property
    def given(self) -> dict[str, Origin]:
        return self._given

    @property
    def base_dir(self) -> Path:
        return Path(self.source).resolve().parent if self.source else Path.cwd()

    @property
    def data_path(self) -> Path:
        p = Path(self.store.data_dir).expanduser()
        return p if p.is_absolute() else self.base_dir / p

    @property
    def database_url(self) -> str:
        return self.store.url or f"sqlite:///{self.data_path / 'dexbot.db'}"

    def redacted(self) -> dict[str, Any]:
        """The effective configuration as plain JSON-able data, with credentials in URLs hidden."""
        data = self.model_dump(mode="json")
        data["chain"]["rpc_urls"] = [redact_url(u) for u in data["chain"]["rpc_urls"]]
        if data["chain"]["send_url"]:
            data["chain"]["send_url"] = redact_url(data["chain"]["send_url"])
        if data["store"]["url"]:
            data["store"]["url"] = redact_url(data["store"]["url"])
        return data


def _format_error(err: ValidationError, origin: str) -> str:
    first = err.errors()[0]
    loc = [str(p) for p in first["loc"]]
    bad = first.get("input")
    if first["type"] == KEY_ERROR:
        ctx = first.get("ctx") or {}
        loc.append(str(ctx["key"]))
        bad = ctx.get("value")
    path = ".".join(loc) or "(top level)"
    msg = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        msg = "unknown key (check spelling; see config.toml for the allowed keys)"
    shown = _shown(path, bad)
    more = len(err.errors()) - 1
    extra = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    return f"config error in {origin}: {path}{shown}: {msg}{extra}"


def _shown(path: str, bad: Any) -> str:
    """The offending value as an error line may show it: never a credential. A URL keeps its scheme and
    host (a typo'd scheme is the usual mistake), a key named like a secret shows no value at all."""
    # TOML has no null: a None input is a key left unset, so there is no value to show.
    if bad is None or isinstance(bad, dict) or _SECRET_NAME.search(path.rsplit(".", 1)[-1]):
        return ""
    url_field = path.startswith(URL_FIELDS)

    def hide(value: Any) -> Any:
        return redact_url(value) if isinstance(value, str) and (url_field or "://" in value) else value

    return f" = {[hide(v) for v in bad] if isinstance(bad, list) else hide(bad)!r}"


def _parse_env_value(raw: str) -> Any:
    if raw.strip().lower().startswith("0x"):
        return raw  # an address (or a malformed one), which TOML would read as a hex integer
    try:
        return tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        return raw


def env_overrides(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """``DEXBOT_INTEL__LEVEL=7`` → ``{"intel": {"level": 7}}``; values parse as TOML literals, else text
    (``0x…`` is always text: config values written that way are addresses)."""
    env = os.environ if environ is None else environ
    out: dict[str, Any] = {}
    for name, raw in env.items():
        parts = env_key(name)
        if parts is None:
            continue
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"config error in environment: {name} conflicts with another variable")
        node[parts[-1]] = _parse_env_value(raw)
    return out


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def parse_config(data: dict[str, Any], origin: str = "config", source: str = "") -> Config:
    try:
        return Config.model_validate({**data, "source": source})
    except ValidationError as err:
        raise ConfigError(_format_error(err, origin)) from None


def load_config(path: str | Path | None = None, *, use_env: bool = True) -> Config:
    """Read and validate a config file (default ./config.toml, else built-in defaults), then env overrides."""
    explicit = path is not None
    file = Path(path) if path is not None else Path("config.toml")
    data: dict[str, Any] = {}
    try:
        exists = file.exists()
        if exists:
            if file.is_dir():
                raise ConfigError(f"config error: {file} is a directory, not a TOML file")
            text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"config error in {file}: not UTF-8 text") from None
    except (OSError, ValueError) as err:  # unreadable, name too long, a NUL in the path
        raise ConfigError(
            f"config error: cannot read {file}: {getattr(err, 'strerror', None) or err}"
        ) from None
    if exists:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as err:
            raise ConfigError(f"config error in {file}: not valid TOML: {err}") from None
    elif explicit:
        raise ConfigError(f"config error: file {file} does not exist")
    origin = str(file)
    env = {name: raw for name, raw in os.environ.items() if use_env and env_key(name) is not None}
    from_file = data
    if env:
        data = _merge(data, env_overrides(env))
        origin = f"{file} + DEXBOT_* environment"
    cfg = parse_config(data, origin, str(file) if exists else "")
    parsed_env = {name: _parse_env_value(raw) for name, raw in env.items()}
    cfg._given = given(from_file, str(file.resolve()), parsed_env)
    return cfg
