"""Where optimiser studies live: optuna's RDB storage in the project's database.

optuna keeps its schema version in an ``alembic_version`` table, as dexbot's own migrations do, so the
two cannot share one namespace: on PostgreSQL the study tables go in their own schema (``optuna``) of
the same database, with SQLite in a ``studies.db`` file beside ``dexbot.db``. Several machines pointing
``--storage postgresql+psycopg://…`` at one server run trials of one study: optuna's distributed mode."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import optuna
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from dexbot.core.errors import ConfigError, StoreError
from dexbot.core.urls import redact_url

SCHEMA = "optuna"
SQLITE_FILE = "studies.db"


def default_study_url(database_url: str, data_path: Path) -> str:
    """The study storage that goes with a project database URL."""
    if database_url.startswith("sqlite:"):
        return f"sqlite:///{data_path / SQLITE_FILE}"
    return database_url


def check_study_url(url: str) -> str:
    """A usable storage URL (postgresql:// is read as psycopg 3, the driver dexbot ships)."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    if not url.startswith(("sqlite:///", "postgresql+psycopg://")):
        raise ConfigError(f"--storage: {redact_url(url)!r} must be a sqlite:/// or postgresql+psycopg:// URL")
    try:
        make_url(url)
    except (ArgumentError, ValueError) as err:
        raise ConfigError(f"--storage: {redact_url(url)!r} is not a database URL ({err})") from None
    return url


def open_storage(url: str) -> optuna.storages.RDBStorage:
    """optuna's storage at ``url``, its tables created on first use; a database already holding
    another application's migrations in the same namespace is refused rather than corrupted."""
    url = check_study_url(url)
    try:
        if url.startswith("postgresql"):
            return _open_postgres(url)
        Path(make_url(url).database or "").parent.mkdir(parents=True, exist_ok=True)
        return _rdb(url, {})
    except (SQLAlchemyError, OSError, RuntimeError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise StoreError(f"--storage {redact_url(url)}: cannot open the study storage: {first}") from None


def _open_postgres(url: str) -> optuna.storages.RDBStorage:
    """Workers starting together would race to create the schema and optuna's tables (PostgreSQL's
    catalog refuses the second CREATE): the first holds an advisory lock while it creates them."""
    kwargs = {"connect_args": {"options": f"-csearch_path={SCHEMA}"}, "pool_pre_ping": True}
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _LOCK_KEY})
            try:
                conn.execute(text(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}"))
                conn.commit()
                return _rdb(url, kwargs)
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _LOCK_KEY})
                conn.commit()
    finally:
        engine.dispose()


_LOCK_KEY = 0x6F7074756E61  # "optuna"


def _rdb(url: str, kwargs: dict[str, Any]) -> optuna.storages.RDBStorage:
    _refuse_foreign(url, kwargs)
    optuna.logging.set_verbosity(logging.WARNING)
    return optuna.storages.RDBStorage(url, engine_kwargs=kwargs)


def _refuse_foreign(url: str, kwargs: dict[str, Any]) -> None:
    engine = create_engine(url, **kwargs)
    try:
        with engine.connect() as conn:
            schema = SCHEMA if url.startswith("postgresql") else None
            tables = set(inspect(conn).get_table_names(schema=schema))
    finally:
        engine.dispose()
    if "alembic_version" in tables and "version_info" not in tables:
        raise ConfigError(
            f"--storage {redact_url(url)}: this database holds another application's tables "
            f"(dexbot's own?); give a separate database or file for studies (default: {SQLITE_FILE})"
        )


def open_study(
    storage: optuna.storages.RDBStorage, name: str, tags: dict[str, Any], *, seed: int | None = None
) -> optuna.Study:
    """The named study (created, or joined when another worker made it): maximised, TPE-sampled,
    median-pruned after five finished trials and the first fifth of each trial's checkpoints. ``tags``
    (objective, recording, blocks) are what its trials' values mean: a worker that brings other ones
    would mix incomparable values, and is refused."""
    study = optuna.create_study(
        storage=storage,
        study_name=name,
        direction="maximize",
        sampler=optuna.samplers.TPESampler(seed=seed),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=4),
        load_if_exists=True,
    )
    for key, value in tags.items():
        held = study.user_attrs.get(key)
        if held is None:
            study.set_user_attr(key, value)
        elif held != value:
            raise ConfigError(
                f"--study {name}: was made with {key} = {held!r}, not {value!r}; "
                "name another study (--study) to tune with these"
            )
    return study
