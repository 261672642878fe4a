"""Concurrent writers lose no write: several processes (each with several threads) write to one database at once.

On SQLite this rests on WAL, a busy timeout and BEGIN IMMEDIATE for write transactions (``tracker.db``): writers
queue for the lock instead of failing with "database is locked". On PostgreSQL the same test checks that the
version counters and the history stay consistent under contention.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlmodel import col, func, select

from tests.support.plans import response_of
from tests.support.servers import WRITER
from tracker.audit.models import AuditEvent
from tracker.plans.models import Action, ProgressUpdate
from tracker.settings import PROJECT_ROOT
from tracker.vocabulary import Role

# Real commits: several server processes write to one database.
pytestmark = pytest.mark.commits


PROCESSES, THREADS, WRITES = 3, 3, 12


def test_concurrent_writers_in_several_processes_lose_no_write(session, small_reference, make_user, database_url):
    editor = make_user(Role.EDITOR, "kent")
    response_id = response_of(session, "kent", "1.1").id
    session.commit()
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT / "src")}
    writers = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                WRITER,
                database_url,
                str(editor.id),
                str(response_id),
                str(p),
                str(THREADS),
                str(WRITES),
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for p in range(PROCESSES)
    ]
    outputs = [w.communicate(timeout=300)[0] for w in writers]
    assert all(w.returncode == 0 for w in writers), "\n".join(outputs)

    session.expire_all()
    expected_actions = {
        f"action {p}-{t}-{i}" for p in range(PROCESSES) for t in range(THREADS) for i in range(WRITES) if i % 2 == 0
    }
    expected_updates = {
        f"update {p}-{t}-{i}" for p in range(PROCESSES) for t in range(THREADS) for i in range(WRITES) if i % 2
    }
    actions = list(session.exec(select(Action.description).where(Action.response_id == response_id)))
    updates = list(session.exec(select(ProgressUpdate.text).where(ProgressUpdate.response_id == response_id)))
    assert sorted(actions) == sorted(expected_actions), "every action, once"
    assert sorted(updates) == sorted(expected_updates), "every update, once"
    positions = list(session.exec(select(Action.position).where(Action.response_id == response_id)))
    assert len(set(positions)) == len(positions), "no two actions were given the same place in the list"
    history = session.exec(
        select(func.count()).where(AuditEvent.response_id == response_id, col(AuditEvent.action) == "create")
    ).one()
    assert history == len(expected_actions) + len(expected_updates), "every write is in the history"
