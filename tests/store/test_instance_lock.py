"""The engine lock (dexbot.store.instance_lock) on the real PostgreSQL and on an SQLite file: a second
taker is refused and told the holder's instance and pid; another key is free; release frees it; and a
holder killed with SIGKILL frees it too, with nothing of it left to clean up."""

from __future__ import annotations

import os
import select
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from dexbot.store.db import open_database
from dexbot.store.instance_lock import LockBusy, LockHolder, acquire, lock_id

KEY = "31337:0xgenesis:0x70997970c51812dc3a010c7d01b50e0d17dc79c8"
HOLD = """
import sys
from dexbot.store.db import open_database
from dexbot.store.instance_lock import acquire
lock = acquire(open_database(sys.argv[1]), sys.argv[2], "alpha")
print("held", flush=True)
sys.stdin.read()
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'dexbot.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    engine = open_database(url)
    try:
        yield engine
    finally:
        engine.dispose()


def _exited(pid: int) -> bool:
    """Wait until process ``pid`` has exited (its pidfd turns readable); True once it has."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        return bool(select.select([fd], [], [], 60)[0])
    finally:
        os.close(fd)


def test_a_second_taker_is_refused_with_the_holder_and_release_frees_the_lock(db: Engine) -> None:
    lock = acquire(db, KEY, "alpha")
    with pytest.raises(LockBusy) as busy:
        acquire(db, KEY, "beta")
    assert busy.value.holder == LockHolder("alpha", os.getpid())
    other = acquire(db, KEY.replace("0x7099", "0x3c44"), "beta")  # another wallet: no conflict
    lock.release()
    lock.release()  # twice is harmless
    again = acquire(db, KEY, "beta")
    with pytest.raises(LockBusy) as busy:
        acquire(db, KEY, "alpha")
    assert busy.value.holder == LockHolder("beta", os.getpid())
    again.release()
    other.release()


def test_a_holder_killed_with_sigkill_frees_the_lock(db: Engine) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, db.url.render_as_string(hide_password=False), KEY],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline() == "held\n"
        with pytest.raises(LockBusy) as busy:
            acquire(db, KEY, "beta")
        assert busy.value.holder == LockHolder("alpha", proc.pid)
        server = _server_pid(db) if db.dialect.name == "postgresql" else None
        proc.kill()
        assert proc.wait(60) == -9
        if server is not None:  # the server drops the lock when the backend of the dead client exits
            assert _exited(server)
        acquire(db, KEY, "beta").release()
    finally:
        proc.kill()
        proc.wait(60)


def _server_pid(db: Engine) -> int:
    """The PostgreSQL backend that holds KEY (the holder's session)."""
    unsigned = lock_id(KEY) & 0xFFFF_FFFF_FFFF_FFFF
    with db.connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid::bigint = :hi "
                    "AND objid::bigint = :lo AND objsubid = 1 AND granted"
                ),
                {"hi": unsigned >> 32, "lo": unsigned & 0xFFFF_FFFF},
            ).scalar_one()
        )


def test_sqlite_lock_files_sit_beside_the_database(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'dexbot.db'}")
    lock = acquire(engine, KEY, "alpha")
    (held,) = (tmp_path / "dexbot.db.locks").iterdir()
    assert held.name == f"{lock_id(KEY) & 0xFFFF_FFFF_FFFF_FFFF:016x}.lock"
    assert f'"instance": "alpha", "pid": {os.getpid()}' in held.read_text()
    lock.release()
    memory = acquire(open_database("sqlite://"), KEY, "alpha")  # nothing to share, nothing to lock
    acquire(open_database("sqlite://"), KEY, "beta").release()
    memory.release()
