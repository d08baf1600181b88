"""The optimiser's scale-out path: two worker processes point at one PostgreSQL database and add trials
to one study (optuna's RDB storage), in its own schema beside dexbot's migrated tables."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import optuna
import pytest
from sqlalchemy import inspect, text

from dexbot.store.db import open_database
from dexbot.store.studies import SCHEMA, open_storage

pytestmark = [pytest.mark.postgres]
WORKER = Path(__file__).resolve().parent / "study_worker.py"


def test_two_worker_processes_add_trials_to_one_study_beside_dexbots_tables(pg_db_url: str) -> None:
    dexbot_db = open_database(pg_db_url)  # the project's own tables and migrations, in the public schema
    with dexbot_db.connect() as conn:
        head = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    workers = [
        subprocess.Popen(
            [sys.executable, str(WORKER), pg_db_url, "shared", "4"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [w.communicate(timeout=240) for w in workers]
    assert [(w.returncode, e) for w, (_, e) in zip(workers, outputs, strict=True)] == [(0, ""), (0, "")]
    ran = [json.loads(o) for o, _ in outputs]
    assert [len(r) for r in ran] == [4, 4]
    assert sorted(ran[0] + ran[1]) == list(range(8))  # no trial number twice, none lost

    study = optuna.load_study(study_name="shared", storage=open_storage(pg_db_url))
    states = sorted({t.state.name for t in study.trials})
    assert (len(study.trials), states) in ((8, ["COMPLETE"]), (8, ["COMPLETE", "PRUNED"]))
    assert study.user_attrs == {"objective": "return"}
    with dexbot_db.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head
        assert "trials" in inspect(conn).get_table_names(schema=SCHEMA)
        assert "trials" not in inspect(conn).get_table_names()
    dexbot_db.dispose()
