"""Every dexbot metric, defined once, in a registry owned by one engine.

Names are ``dexbot_*`` with the unit in the name (``_seconds``, ``_wei``, ``_weth``, ``_usd``, ``_bps``,
``_blocks``). Labels take values from small fixed sets (mode, side, status, urgency, breaker name, RPC
endpoint index, method class): never a token address or a transaction hash, so the series count stays
bounded however many tokens the engine sees.

Money is exported as floats in WETH or USD (Prometheus stores float64); wei-denominated values keep
``_wei`` in the name. A dedicated ``CollectorRegistry`` per ``Metrics`` (not the process-wide default)
lets tests and benchmarks run several engines in one process.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info, disable_created_metrics

LATENCY_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
RPC_S = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
DB_S = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)
SLIPPAGE_BPS = (1, 5, 10, 25, 50, 100, 200, 300, 500, 1000, 2000, 5000)
TAX_BPS = (0, 100, 200, 300, 500, 1000, 2000, 3000, 5000, 10_000)
RISK_SCORE = (10, 20, 30, 40, 50, 60, 70, 80, 90, 100)
FILL_ERROR_WEI = tuple(10.0**e for e in range(3, 19))

BREAKER_STATE_VALUE = {"closed": 0, "half_open": 1, "open": 2}


class Metrics:
    """The engine's metrics. Attributes are the prometheus_client objects; the engine's telemetry
    bridge is the only writer."""

    def __init__(self) -> None:
        # The *_created series double the exposition and no dashboard uses them. This switch is
        # process-wide in prometheus_client; dexbot exports no other metrics that would want them.
        disable_created_metrics()
        self.registry = CollectorRegistry(auto_describe=True)
        self.schema: dict[str, tuple[str, tuple[str, ...]]] = {}  # family name -> (type, label names)

        # -- engine ------------------------------------------------------------------------------------
        self.engine = Info(
            "dexbot_engine",
            "The running engine: version, trading mode, chain, and the instance whose rows it keeps (one "
            "database serves many; join on it to tell their series apart).",
            registry=self.registry,
        )
        self.schema["dexbot_engine"] = ("info", ("version", "mode", "chain", "instance_name"))
        self.engine_up = self._gauge(
            "dexbot_engine_up", "1 while the engine loop runs (running, paused or halted)."
        )
        self.engine_paused = self._gauge("dexbot_engine_paused", "1 while paused by the operator.")
        self.engine_halted = self._gauge("dexbot_engine_halted", "1 while a critical breaker halts trading.")
        self.healthy = self._gauge("dexbot_healthy", "1 when /healthz answers 200, else 0.")
        self.intel_level = self._gauge("dexbot_intel_level", "The intel level (1..10) decisions use.")
        self.engine_errors = self._counter(
            "dexbot_engine_errors_total",
            "Errors the engine survived, by where they arose: watcher, store, start, engine (one event), "
            "token_assess / token_trade / token_exit (one token, skipped or held), token_discovery (a new "
            "pool whose token is no readable ERC20, not tracked).",
            ("where",),
        )
        self.events_dropped = self._counter(
            "dexbot_events_dropped_total", "Engine events dropped by slow subscribers."
        )

        # -- trading -----------------------------------------------------------------------------------
        self.trades = self._counter(
            "dexbot_trades_total", "Trades by mode, side and outcome.", ("mode", "side", "status")
        )
        self.trade_volume = self._counter(
            "dexbot_trade_volume_weth_total",
            "WETH paid for buys and received for sells.",
            ("mode", "side"),
        )
        self.decision_latency = self._histogram(
            "dexbot_decision_duration_seconds",
            "Time to judge one candidate (assessment included) and act on it.",
            buckets=LATENCY_S,
        )
        self.trade_latency = self._histogram(
            "dexbot_trade_latency_seconds",
            "From seeing the block that triggered a trade to its fill.",
            ("mode", "side"),
            buckets=LATENCY_S,
        )
        self.slippage = self._histogram(
            "dexbot_slippage_bps",
            "Price impact of fills where the engine measured it, in basis points.",
            ("side",),
            buckets=SLIPPAGE_BPS,
        )
        self.fill_error = self._histogram(
            "dexbot_fill_error_wei",
            "Absolute difference between a paper fill and the on-chain fill of the same trade, in wei.",
            ("side",),
            buckets=FILL_ERROR_WEI,
        )
        self.token_tax = self._histogram(
            "dexbot_token_tax_bps",
            "Buy and sell taxes measured on assessed tokens, in basis points.",
            ("side",),
            buckets=TAX_BPS,
        )
        self.risk_score = self._histogram(
            "dexbot_risk_score", "Risk scores (0 safe .. 100 hostile) of judged tokens.", buckets=RISK_SCORE
        )
        self.thoughts = self._counter(
            "dexbot_thoughts_total", "Recorded decisions by kind and lane.", ("decision", "lane")
        )
        self.positions_closed = self._counter(
            "dexbot_positions_closed_total", "Closed positions by outcome (win or loss).", ("outcome",)
        )

        # -- portfolio ---------------------------------------------------------------------------------
        self.open_positions = self._gauge("dexbot_open_positions", "Open positions.")
        self.cash = self._gauge("dexbot_cash_weth", "Uninvested WETH.")
        self.equity = self._gauge(
            "dexbot_equity_weth", "Cash plus the net sell value of open positions, in WETH."
        )
        self.peak_equity = self._gauge("dexbot_peak_equity_weth", "Highest equity so far, in WETH.")
        self.realised_pnl = self._gauge("dexbot_realised_pnl_weth", "Realised profit and loss, in WETH.")
        self.unrealised_pnl = self._gauge(
            "dexbot_unrealised_pnl_weth", "Unrealised profit and loss of open positions, in WETH."
        )
        self.equity_usd = self._gauge(
            "dexbot_equity_usd", "Equity in USD at the WETH/stable pool price (NaN without one)."
        )
        self.realised_pnl_usd = self._gauge("dexbot_realised_pnl_usd", "Realised profit and loss, in USD.")
        self.unrealised_pnl_usd = self._gauge(
            "dexbot_unrealised_pnl_usd", "Unrealised profit and loss, in USD."
        )
        self.weth_price = self._gauge(
            "dexbot_weth_price_usd", "USD per WETH from the WETH/stable pool (NaN without one)."
        )

        # -- gas ---------------------------------------------------------------------------------------
        self.gas_spent = self._counter(
            "dexbot_gas_spent_wei_total", "Gas paid for trades, in wei.", ("mode",)
        )
        self.l1_fee_spent = self._counter(
            "dexbot_l1_fee_spent_wei_total",
            "The OP-stack L1 data fee paid for trades, in wei (also counted in dexbot_gas_spent_wei_total).",
            ("mode",),
        )
        self.gas_price = self._gauge("dexbot_gas_price_wei", "Fee per gas the engine prices its trades at.")
        self.base_fee = self._gauge("dexbot_gas_base_fee_wei", "Projected base fee of the next block.")
        self.fee_suggestion = self._gauge(
            "dexbot_gas_fee_suggestion_wei",
            "EIP-1559 suggestion per urgency: max fee and priority fee per gas.",
            ("urgency", "field"),
        )

        # -- RPC and chain -----------------------------------------------------------------------------
        self.rpc_requests = self._counter(
            "dexbot_rpc_requests_total",
            "JSON-RPC requests by endpoint index, method class and status.",
            ("endpoint", "method_class", "status"),
        )
        self.rpc_latency = self._histogram(
            "dexbot_rpc_request_duration_seconds",
            "JSON-RPC round trips by endpoint index and method class.",
            ("endpoint", "method_class"),
            buckets=RPC_S,
        )
        self.rpc_endpoint_up = self._gauge(
            "dexbot_rpc_endpoint_up", "1 when the endpoint's last request succeeded.", ("endpoint",)
        )
        self.rpc_endpoint_lag = self._gauge(
            "dexbot_rpc_endpoint_lag_blocks",
            "Blocks the endpoint's head is behind the best one.",
            ("endpoint",),
        )
        self.head_block = self._gauge(
            "dexbot_chain_head_block", "Number of the last block the engine processed."
        )
        self.block_age = self._gauge(
            "dexbot_chain_block_age_seconds", "Wall-clock age of the last processed block's timestamp."
        )
        self.reorgs = self._counter(
            "dexbot_chain_reorgs_total", "Chain reorganisations the watcher detected."
        )
        self.rpc_state_disagreed = self._counter(
            "dexbot_rpc_state_disagreed_total",
            "Pool state answers the chain's own Sync/Swap logs contradicted (each read again).",
        )

        # -- breakers ----------------------------------------------------------------------------------
        self.breaker_state = self._gauge(
            "dexbot_breaker_state", "Circuit breaker state: 0 closed, 1 half-open, 2 open.", ("name",)
        )
        self.breaker_trips = self._counter(
            "dexbot_breaker_trips_total", "Times a circuit breaker opened.", ("name",)
        )

        # -- caches and store --------------------------------------------------------------------------
        self.cache_hits = self._counter("dexbot_cache_hits_total", "Cache hits by cache.", ("cache",))
        self.cache_misses = self._counter("dexbot_cache_misses_total", "Cache misses by cache.", ("cache",))
        self.db_write_latency = self._histogram(
            "dexbot_db_write_duration_seconds",
            "Database write statements (insert, update, delete) by kind.",
            ("statement",),
            buckets=DB_S,
        )
        self.db_up = self._gauge("dexbot_db_up", "1 when the database answered the last probe.")

    def _counter(self, name: str, doc: str, labels: tuple[str, ...] = ()) -> Counter:
        self.schema[name.removesuffix("_total")] = ("counter", labels)
        return Counter(name, doc, labels, registry=self.registry)

    def _gauge(self, name: str, doc: str, labels: tuple[str, ...] = ()) -> Gauge:
        self.schema[name] = ("gauge", labels)
        return Gauge(name, doc, labels, registry=self.registry)

    def _histogram(
        self, name: str, doc: str, labels: tuple[str, ...] = (), *, buckets: tuple[float, ...]
    ) -> Histogram:
        self.schema[name] = ("histogram", labels)
        return Histogram(name, doc, labels, buckets=buckets, registry=self.registry)

    def sample_names(self) -> dict[str, tuple[str, ...]]:
        """Every sample name the exposition can contain (``_total``, ``_bucket``, ``_count``… included)
        with the labels its series carry: what a dashboard query may name."""
        out: dict[str, tuple[str, ...]] = {}
        for family, (kind, labels) in self.schema.items():
            if kind == "counter":
                out[family + "_total"] = labels
            elif kind == "histogram":
                out[family + "_bucket"] = (*labels, "le")
                out[family + "_count"] = out[family + "_sum"] = labels
            elif kind == "info":
                out[family + "_info"] = labels
            else:
                out[family] = labels
        return out
