"""The side-port HTTP server: ``/metrics`` in the Prometheus text format (OpenMetrics when the scraper
asks for it) and ``/healthz`` as JSON, 503 when not healthy.

It runs in its own thread, so a scrape never waits on the trading loop, and a trading loop that
stopped reporting shows up in ``/healthz`` instead of hanging the probe. Bound to 127.0.0.1 by default:
the numbers describe a wallet's trading, which is nobody else's business.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder

from dexbot.core.errors import ConfigError
from dexbot.metrics.health import Health

log = logging.getLogger("dexbot.metrics")

HealthSource = Callable[[], Health]
INDEX = b"dexbot metrics: /metrics (Prometheus), /healthz (JSON)\n"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    registry: CollectorRegistry
    health: HealthSource


class _Server6(_Server):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    server: _Server  # HTTP/1.0: one request per connection, so no keep-alive thread outlives stop()

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/metrics":
            encoder, content_type = choose_encoder(self.headers.get("Accept", ""))
            self._send(200, content_type, encoder(self.server.registry))
        elif path == "/healthz":
            now = time.monotonic()
            try:
                health = self.server.health().at(now)
            except Exception as err:  # a broken health source is itself unhealthy, never a hung probe
                log.exception("health report failed")
                body = {"status": "unhealthy", "problems": [f"health report failed: {err}"]}
                self._send(503, "application/json", json.dumps(body).encode())
                return
            body_bytes = json.dumps(health.to_json(now)).encode()
            self._send(200 if health.ok else 503, "application/json", body_bytes)
        elif path == "/":
            self._send(200, "text/plain; charset=utf-8", INDEX)
        else:
            self._send(404, "text/plain; charset=utf-8", b"not found: try /metrics or /healthz\n")

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s %s", self.address_string(), format % args)


class MetricsServer:
    """``start()`` binds and serves in a daemon thread; ``stop()`` shuts it down. ``port`` is the bound
    port (useful with port 0, which picks a free one)."""

    def __init__(
        self, registry: CollectorRegistry, health: HealthSource, *, host: str = "127.0.0.1", port: int = 9464
    ) -> None:
        self.registry = registry
        self.health = health
        self.host = host
        self.requested_port = port
        self._server: _Server | None = None
        self._port = 0
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> MetricsServer:
        server_cls = _Server6 if ":" in self.host else _Server
        try:
            server = server_cls((self.host, self.requested_port), _Handler)
        except OSError as err:
            raise ConfigError(
                f"metrics.port {self.requested_port} on {self.host}: cannot listen ({err.strerror or err}); "
                "set metrics.port to a free port, or metrics.enabled = false"
            ) from None
        server.registry = self.registry
        server.health = self.health
        self._server = server
        self._port = int(server.server_address[1])
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.2}, name="dexbot-metrics", daemon=True
        )
        self._thread.start()
        log.info("metrics on %s/metrics, health on %s/healthz", self.url, self.url)
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
