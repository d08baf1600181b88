"""A stand-in for an RPC provider that wants an API key, in front of a real node (a test helper until the
fault-injecting proxy lands): it takes the key in the path, in the query string or as basic auth, answers
401 echoing the request otherwise (as web frameworks do), and can be revoked or stopped mid-run."""

from __future__ import annotations

import base64
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PATH_KEY = "PathKeyOfTheRpcProvider7Q"
QUERY_KEY = "QueryKeyOfTheRpcProvider4Z"
BASIC_USER, BASIC_PASS = "rpcuser", "BasicPassOfTheRpcProvider9X"
BASIC_TOKEN = base64.b64encode(f"{BASIC_USER}:{BASIC_PASS}".encode()).decode()


class KeyProxy:
    """A stand-in RPC provider in front of anvil: it serves a request only with its API key (in the
    path ``/v2/KEY``, the query ``?apikey=KEY`` or basic auth), answers 401 otherwise or once the key
    is revoked, and can be stopped mid-run (the endpoint is gone)."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.revoked = False
        self.served: dict[str, int] = {}
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                variant = proxy.variant(self.path, self.headers.get("Authorization", ""))
                if proxy.revoked or variant is None:  # echoing the request, as web frameworks do
                    self._reply(401, f"invalid api key: cannot POST {self.path}".encode())
                    return
                proxy.served[variant] = proxy.served.get(variant, 0) + 1
                req = urllib.request.Request(
                    proxy.upstream, data=body, headers={"Content-Type": "application/json"}
                )
                with urllib.request.urlopen(req, timeout=30) as resp:
                    self._reply(200, resp.read())

            def _reply(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_port
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    @staticmethod
    def variant(path: str, authorization: str) -> str | None:
        """How the request carried the right key (None: it did not)."""
        parts = urlsplit(path)
        if parts.path == f"/v2/{PATH_KEY}":
            return "path"
        if parse_qs(parts.query).get("apikey") == [QUERY_KEY]:
            return "query"
        return "basic" if authorization == f"Basic {BASIC_TOKEN}" else None

    def urls(self) -> dict[str, str]:
        host = f"127.0.0.1:{self.port}"
        return {
            "path": f"http://{host}/v2/{PATH_KEY}",
            "query": f"http://{host}/?apikey={QUERY_KEY}",
            "bare query": f"http://{host}?apikey={QUERY_KEY}",
            "basic": f"http://{BASIC_USER}:{BASIC_PASS}@{host}",
        }

    def stop(self) -> None:
        if self._thread.is_alive():
            self.server.shutdown()
            self.server.server_close()
            self._thread.join(10)


@contextmanager
def key_proxy(upstream: str) -> Iterator[KeyProxy]:
    proxy = KeyProxy(upstream)
    try:
        yield proxy
    finally:
        proxy.stop()
