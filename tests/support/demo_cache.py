"""The demo data built once per day and source tree, in SQLite, and shared by every worker and both legs.

Building the demo (``load_demo``: thousands of records, each audited) takes tens of CPU seconds, and used to be
done by each xdist worker for each variant, in each leg: on PostgreSQL, over the network protocol, over a
minute and a half per worker. The demo is the same whatever the database it is in, so it is built once, in an
SQLite file in a cache folder shared by the workers and the legs (``TRACKER_DEMO_CACHE``; by default beside the
tests' temporary folder) under a key that changes with the day (the demo is dated from today) and with every
file it is made from. Whoever comes first builds it under a file lock; the others wait and read it.

A PostgreSQL template is made from it by copying the rows table by table (``copy_rows``), which takes a couple
of seconds. The demo's own loading on PostgreSQL is still tested, by the tests of the demo and of ``tracker
setup``, which load it themselves.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import os
import pickle
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import SQLModel

import tracker
from tracker.demo import DemoResult
from tracker.settings import PROJECT_ROOT, RECOMMENDATIONS_DIR

SUPPORT = Path(__file__).parent
# Everything the demo's contents depend on: the code, the migrations, the reference data and these helpers.
SOURCES = (Path(tracker.__file__).parent, PROJECT_ROOT / "migrations", RECOMMENDATIONS_DIR, SUPPORT)


def cache_folder() -> Path:
    default = Path("/dev/shm") if os.access("/dev/shm", os.W_OK) else Path(tempfile.gettempdir())
    return Path(os.environ.get("TRACKER_DEMO_CACHE", default / "tracker-demo-cache"))


def source_key(*parts: object) -> str:
    """A key that changes with the day, with ``parts`` and with the contents of every source file."""
    digest = hashlib.sha256(repr((dt.date.today().isoformat(), parts)).encode())
    for root in SOURCES:
        for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


def cached_demo(name: str, key: str, build: Callable[[Path, Path], DemoResult]) -> tuple[Path, Path, DemoResult]:
    """The SQLite file, the uploads folder and the result of the demo ``name``: built by ``build(database,
    uploads)`` by the first caller of the day, under a lock, and read by everyone after."""
    folder = cache_folder() / f"{name}-{key}"
    database, uploads, result_file = folder / "demo.db", folder / "uploads", folder / "result.pickle"
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / f"{name}-{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not result_file.exists():  # written last: its presence means the build finished
            _forget_old(folder.parent)
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            result = build(database, uploads)
            uploads.mkdir(exist_ok=True)
            result_file.write_bytes(pickle.dumps(result))
    return database, uploads, pickle.loads(result_file.read_bytes())


def _forget_old(cache: Path) -> None:
    """Remove the builds of earlier days (another checkout may be reading today's, whatever its key)."""
    yesterday = dt.datetime.now().timestamp() - 24 * 3600
    for entry in cache.iterdir():
        if entry.stat().st_mtime < yesterday:
            shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink(missing_ok=True)


def copy_rows(source_url: str, target_url: str) -> None:
    """Every row of every tracker table from one migrated database into another (empty, migrated) one, with the
    PostgreSQL sequences moved past the copied ids."""
    source, target = sa.create_engine(source_url), sa.create_engine(target_url)
    try:
        with source.connect() as reading, target.begin() as writing:
            if target.dialect.name == "postgresql":
                writing.exec_driver_sql("SET session_replication_role = replica")  # foreign keys checked at the end
            for table in SQLModel.metadata.sorted_tables:
                rows = [dict(row._mapping) for row in reading.execute(sa.select(table))]
                if rows:
                    writing.execute(table.insert(), rows)
            if target.dialect.name == "postgresql":
                writing.exec_driver_sql("SET session_replication_role = DEFAULT")
                for table in SQLModel.metadata.sorted_tables:
                    if "id" in table.c and table.c.id.primary_key and isinstance(table.c.id.type, sa.Integer):
                        writing.exec_driver_sql(
                            f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                            f'coalesce((SELECT max(id) FROM "{table.name}"), 0) + 1, false)'
                        )
    finally:
        source.dispose()
        target.dispose()
