"""One engine per wallet and chain: before an engine writes anything it takes a lock named by (chain id,
genesis, wallet address or ``paper:<instance>``), held for its whole run and released by the system
when the process dies, however it dies.

On PostgreSQL it is a session advisory lock (``pg_try_advisory_lock``) on a connection kept out of the
pool; the server drops it with the session, so a killed engine frees it at once. The connection's
application name (``dexbot:<instance>:<pid>``) is how a refused engine names the holder. Advisory locks
are per database: engines on two databases of one server do not see each other. On SQLite it is an
exclusive ``flock`` on a file in ``<db>.locks/`` beside the database file (the kernel drops it with
the process), holding the holder's name and pid. Read commands never take it."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from dexbot.core.errors import StoreError

APP_PREFIX = "dexbot"
HOLDER_SQL = text(
    "SELECT a.application_name, a.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
    "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
    "AND l.classid::bigint = :hi AND l.objid::bigint = :lo"
)


@dataclass(frozen=True)
class LockHolder:
    """Who holds a lock, as far as can be known (an old or foreign holder may leave ``instance`` "")."""

    instance: str
    pid: int

    def describe(self) -> str:
        return f"instance {self.instance!r} (pid {self.pid})" if self.instance else f"pid {self.pid}"


class LockBusy(StoreError):
    """Another engine holds the lock; ``holder`` when it could be read."""

    def __init__(self, key: str, holder: LockHolder | None) -> None:
        super().__init__(f"lock {key} is held by {holder.describe() if holder else 'another process'}")
        self.key = key
        self.holder = holder


def lock_id(key: str) -> int:
    """The key as PostgreSQL's signed 64-bit advisory lock id (stable across processes and versions)."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


class EngineLock:
    """A held lock; ``release`` is safe to call twice."""

    def __init__(self, key: str, *, conn: Connection | None = None, fd: int | None = None) -> None:
        self.key = key
        self._conn = conn
        self._fd = fd

    def release(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            with contextlib.suppress(Exception):
                conn.invalidate()  # closes the session: the server drops the lock with it
            with contextlib.suppress(Exception):
                conn.close()
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)  # the flock goes with the last descriptor


def acquire(db: Engine, key: str, instance: str) -> EngineLock:
    """Take the lock for ``key`` or raise LockBusy naming the holder. An in-memory SQLite database has
    no file to lock beside and is never shared: it gets a lock that holds nothing."""
    if db.dialect.name == "postgresql":
        return _acquire_pg(db, key, instance)
    path = db.url.database
    if db.dialect.name == "sqlite" and path and path != ":memory:":
        return _acquire_file(Path(path), key, instance)
    return EngineLock(key)


def _acquire_pg(db: Engine, key: str, instance: str) -> EngineLock:
    ident = lock_id(key)
    conn = db.connect()
    try:
        conn.execute(
            text("SELECT set_config('application_name', :name, false)"),
            {"name": f"{APP_PREFIX}:{instance}:{os.getpid()}"},
        )
        got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:id)"), {"id": ident}).scalar())
        holder = None if got else _pg_holder(conn, ident)
        conn.commit()  # the lock is the session's: it outlives this transaction
    except BaseException:
        conn.invalidate()
        conn.close()
        raise
    if not got:
        conn.invalidate()  # it carries our application name: never back into the pool
        conn.close()
        raise LockBusy(key, holder)
    return EngineLock(key, conn=conn)


def _pg_holder(conn: Connection, ident: int) -> LockHolder | None:
    unsigned = ident & 0xFFFF_FFFF_FFFF_FFFF
    row = conn.execute(HOLDER_SQL, {"hi": unsigned >> 32, "lo": unsigned & 0xFFFF_FFFF}).first()
    if row is None:
        return None
    prefix, _, rest = str(row[0] or "").partition(":")
    name, _, pid = rest.rpartition(":")
    if prefix == APP_PREFIX and name and pid.isdigit():
        return LockHolder(name, int(pid))
    return LockHolder("", int(row[1]))  # not a dexbot session: its server pid is all there is


def _acquire_file(db_file: Path, key: str, instance: str) -> EngineLock:
    folder = db_file.parent / f"{db_file.name}.locks"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{lock_id(key) & 0xFFFF_FFFF_FFFF_FFFF:016x}.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _file_holder(fd)
        os.close(fd)
        raise LockBusy(key, holder) from None
    except BaseException:
        os.close(fd)
        raise
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps({"instance": instance, "pid": os.getpid(), "key": key}).encode(), 0)
    return EngineLock(key, fd=fd)


def _file_holder(fd: int) -> LockHolder | None:
    """What the holder wrote when it took the lock (nothing yet if it is taking it right now)."""
    try:
        data = json.loads(os.pread(fd, 4096, 0) or b"null")
        return LockHolder(str(data["instance"]), int(data["pid"]))
    except (ValueError, TypeError, KeyError):
        return None
