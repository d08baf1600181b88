"""Logging: rich lines in the terminal or JSON lines (``--log-format json``), plus a rotating UTF-8 log
file in the data dir. Secrets never reach a handler: every known secret (keystore password, private
key, RPC URLs with API keys) is registered and replaced by ``***`` in every record, and credentials
in any URL are masked."""

from __future__ import annotations

import json
import logging
import logging.handlers
import re
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

_SECRETS: set[str] = set()
_LOCK = threading.Lock()
_URL_CREDENTIALS = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/\s:@]+:[^/\s@]+@", re.IGNORECASE)
LOG_FILE = "dexbot.log"
PLAIN_FORMAT = "%(asctime)s %(levelname)-7s %(message)s"


def register_secret(value: str | None) -> None:
    """Never log this value (a password, a private key, an RPC URL carrying an API key)."""
    if value and len(value) >= 6:
        with _LOCK:
            _SECRETS.add(value)
            if value.startswith("0x"):
                _SECRETS.add(value[2:])


def scrub(text: str) -> str:
    text = _URL_CREDENTIALS.sub(lambda m: f"{m.group('scheme')}***@", text)
    with _LOCK:
        secrets = sorted(_SECRETS, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, "***")
    return text


class ScrubFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = scrub(record.getMessage())
        record.args = ()
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if record.exc_text:
            data["exc"] = record.exc_text
        return json.dumps(data, ensure_ascii=False)


def setup_logging(level: str, fmt: str, data_dir: Path | None, *, file: bool = True) -> None:
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    root.setLevel(logging.DEBUG)
    scrubber = ScrubFilter()
    console: logging.Handler
    if fmt == "json":
        console = logging.StreamHandler(sys.stdout)
        console.setFormatter(JsonFormatter())
    elif sys.stdout.isatty():
        from rich.logging import RichHandler

        console = RichHandler(
            show_path=False, markup=False, rich_tracebacks=False, log_time_format="%H:%M:%S"
        )
    else:  # a file, a pipe, journald: one line per record (rich wraps at 80 columns there), grep-able
        console = logging.StreamHandler(sys.stdout)
        console.setFormatter(logging.Formatter(PLAIN_FORMAT, datefmt="%H:%M:%S"))
    console.setLevel(level)
    console.addFilter(scrubber)
    root.addHandler(console)
    if file and data_dir is not None:
        data_dir.mkdir(parents=True, exist_ok=True)
        fh = logging.handlers.RotatingFileHandler(
            data_dir / LOG_FILE, maxBytes=5_000_000, backupCount=3, encoding="utf-8"
        )
        fh.setFormatter(JsonFormatter())
        fh.setLevel(logging.DEBUG if level == "DEBUG" else logging.INFO)
        fh.addFilter(scrubber)
        root.addHandler(fh)
    for noisy in ("web3", "urllib3", "aiohttp", "asyncio", "sqlalchemy", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
