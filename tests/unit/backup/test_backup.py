"""`tracker backup` and `tracker restore`: the database and every evidence file, checked by sha256.

A full round trip (demo data with evidence files) restores every table row for row and every file byte for
byte, on SQLite (online backup API) and PostgreSQL (pg_dump / pg_restore).
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sqlmodel import Session, select

from tests.support.database import BACKEND, ORGANISATIONS_FILE, STALKING_FILE, new_database
from tests.support.demo import DemoDatabases
from tests.support.servers import WRITER
from tests.support.web import TEST_SECRET
from tracker import migrate
from tracker.accounts.services import create_user
from tracker.audit.services import Actor
from tracker.backup import MANIFEST, BackupError, backup, iter_table_rows, read_manifest, restore
from tracker.cli import main
from tracker.db import for_writing, make_engine
from tracker.loading import load_file
from tracker.organisations.services import get_by_slug
from tracker.plans.models import Response
from tracker.settings import PROJECT_ROOT, Settings
from tracker.vocabulary import Role

needs_pg_tools = pytest.mark.skipif(
    BACKEND == "postgresql" and not (shutil.which("pg_dump") and shutil.which("pg_restore")),
    reason="pg_dump and pg_restore are not on PATH (install the PostgreSQL client tools)",
)
# Real commits: backup and restore read and write databases from other connections and processes.
pytestmark = [needs_pg_tools, pytest.mark.commits]


def file_hashes(folder: Path) -> dict[str, str]:
    if not folder.is_dir():
        return {}
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def everything(url: str) -> dict[str, list[tuple]]:
    return dict(iter_table_rows(url))


@pytest.fixture
def source(tmp_path: Path, demo_databases: DemoDatabases) -> Iterator[Settings]:
    """A database with the bundled data and the demo (plans, evidence files, assessments, accounts): a copy of the
    one this worker built once, with a copy of its evidence files."""
    (tmp_path / "src").mkdir()
    with demo_databases.copy("backupsrc", tmp_path / "src") as (url, uploads):
        yield Settings(database_url=url, secret_key=TEST_SECRET, upload_dir=uploads)


@pytest.fixture
def target(tmp_path: Path) -> Iterator[Settings]:
    """An empty, unmigrated database and no upload folder: a new machine."""
    with new_database("backupdst", tmp_path) as url:
        yield Settings(database_url=url, secret_key=TEST_SECRET, upload_dir=tmp_path / "dst-uploads")


def cli(settings: Settings, *args: str):
    env = {"DATABASE_URL": settings.database_url, "UPLOAD_DIR": str(settings.upload_dir), "SECRET_KEY": TEST_SECRET}
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def test_a_full_round_trip_restores_every_row_and_every_file(source, target, tmp_path):
    made = cli(source, "backup", "--output", str(tmp_path))
    assert made.exit_code == 0, made.output
    (archive,) = tmp_path.glob("tracker-backup-*.tar")
    assert file_hashes(source.upload_dir), "the demo data should include evidence files"

    done = cli(target, "restore", str(archive))
    assert done.exit_code == 0, done.output

    source_rows, target_rows = everything(source.database_url), everything(target.database_url)
    assert sorted(target_rows) == sorted(source_rows)
    for table, rows in source_rows.items():
        assert target_rows[table] == rows, table
    assert sum(len(rows) for rows in source_rows.values()) > 1000
    assert file_hashes(target.upload_dir) == file_hashes(source.upload_dir)
    # The restored database is at the latest migration, so the app starts on it.
    engine = make_engine(target.database_url)
    try:
        assert migrate.current_revision(engine) == migrate.head_revision()
    finally:
        engine.dispose()


def test_a_folder_that_does_not_exist_yet_gets_a_named_archive(source, tmp_path):
    done = cli(source, "backup", "--output", str(tmp_path / "backups"))
    assert done.exit_code == 0, done.output
    (archive,) = (tmp_path / "backups").glob("tracker-backup-*.tar")
    assert read_manifest(archive)["database"] == BACKEND


def test_the_manifest_lists_every_file_with_its_sha256(source, tmp_path):
    cli(source, "backup", "--output", str(tmp_path / "b.tar"))
    manifest = read_manifest(tmp_path / "b.tar")
    uploads = {e["name"].removeprefix("uploads/"): e["sha256"] for e in manifest["files"] if "/" in e["name"]}
    assert uploads == file_hashes(source.upload_dir)
    assert manifest["database"] == BACKEND
    assert manifest["migration"] == migrate.head_revision()


def test_restore_refuses_a_database_with_data_unless_forced(source, tmp_path):
    archive = tmp_path / "b.tar"
    cli(source, "backup", "--output", str(archive))
    before = everything(source.database_url)
    refused = CliRunner().invoke(
        main,
        ["restore", str(archive)],
        env={"DATABASE_URL": source.database_url, "UPLOAD_DIR": str(source.upload_dir)},
    )
    assert refused.exit_code != 0
    assert "not empty" in refused.output and "--force" in refused.output
    assert everything(source.database_url) == before

    # With --force, later changes are replaced by the backup's state, and stray files are removed.
    engine = make_engine(source.database_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM comment")
    engine.dispose()
    (source.upload_dir / "0123456789abcdef0123456789abcdef.pdf").write_bytes(b"added after the backup")
    forced = cli(source, "restore", "--force", str(archive))
    assert forced.exit_code == 0, forced.output
    assert everything(source.database_url) == before
    assert "0123456789abcdef0123456789abcdef.pdf" not in file_hashes(source.upload_dir)


def tamper(archive: Path, out: Path, change) -> None:
    """Copy ``archive`` to ``out`` passing every member's bytes through ``change(name, data)``."""
    with tarfile.open(archive) as src, tarfile.open(out, "w") as dst:
        for member in src:
            data = src.extractfile(member).read()
            data = change(member.name, data)
            if data is None:
                continue
            info = tarfile.TarInfo(member.name)
            info.size = len(data)
            dst.addfile(info, io.BytesIO(data))


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda n, d: (d[:-1] + bytes([d[-1] ^ 1])) if n.startswith("uploads/") else d, id="flipped-bit"),
        pytest.param(lambda n, d: None if n.startswith("uploads/") else d, id="missing-file"),
        pytest.param(lambda n, d: d.replace(b'"uploads/', b'"uploads/../../') if n == MANIFEST else d, id="traversal"),
    ],
)
def test_a_damaged_backup_changes_nothing(source, target, tmp_path, change):
    archive = tmp_path / "b.tar"
    cli(source, "backup", "--output", str(archive))
    bad = tmp_path / "bad.tar"
    tamper(archive, bad, change)
    with pytest.raises(BackupError):
        restore(target, bad)
    assert not target.upload_dir.exists()
    assert everything(target.database_url) == {}


def test_a_backup_of_the_other_database_kind_is_refused(source, tmp_path):
    archive = tmp_path / "b.tar"
    cli(source, "backup", "--output", str(archive))
    other = "postgresql+psycopg://nobody@127.0.0.1:1/none" if BACKEND == "sqlite" else f"sqlite:///{tmp_path}/x.db"
    with pytest.raises(BackupError, match="backup is of a"):
        restore(Settings(database_url=other, upload_dir=tmp_path / "u"), archive)


def test_not_a_backup_is_refused_clearly(target, tmp_path):
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"not a tar file")
    done = CliRunner().invoke(main, ["restore", str(junk)], env={"DATABASE_URL": target.database_url})
    assert done.exit_code != 0
    assert "is not a tracker backup" in done.output


@pytest.mark.skipif(BACKEND != "postgresql", reason="pg_dump is only used for PostgreSQL")
def test_without_pg_dump_the_backup_says_what_to_install(source, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    done = CliRunner().invoke(
        main, ["backup", "--output", str(tmp_path)], env={"DATABASE_URL": source.database_url, "PATH": str(tmp_path)}
    )
    assert done.exit_code != 0
    assert "pg_dump is not on PATH" in done.output


@pytest.mark.reaches_database
def test_a_backup_taken_while_people_write_is_a_consistent_snapshot(tmp_path, target):
    """Each write adds a row and its history event in one transaction: a consistent copy has both or neither."""
    with new_database("backuplive", tmp_path) as url:
        migrate.upgrade(url)
        settings = Settings(database_url=url, secret_key=TEST_SECRET, upload_dir=tmp_path / "live-uploads")
        engine = make_engine(url)
        with Session(for_writing(engine), expire_on_commit=False) as session:
            for path in (ORGANISATIONS_FILE, STALKING_FILE):
                load_file(session, path, Actor("test setup"))
            user = create_user(
                session,
                email="writer@kent.example.org",
                display_name="Writer",
                role=Role.EDITOR,
                password="a-long-enough-password",
                organisation=get_by_slug(session, "kent"),
                actor=Actor("test setup"),
            )
            session.commit()
            kent = get_by_slug(session, "kent")
            response_id = session.exec(select(Response.id).where(Response.organisation_id == kent.id)).first()
        engine.dispose()
        env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT / "src")}
        writers = [
            subprocess.Popen(
                [sys.executable, "-c", WRITER, url, str(user.id), str(response_id), str(p), "2", "40"],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for p in range(2)
        ]
        try:
            archive = backup_while(settings, tmp_path, writers)
        finally:
            outputs = [w.communicate(timeout=300)[0] for w in writers]
        assert all(w.returncode == 0 for w in writers), outputs
        restore(target, archive)
        rows = everything(target.database_url)
        columns = {name: [c.name for c in table.columns] for name, table in reflect(target.database_url).items()}
        responses_of = lambda table: [  # noqa: E731
            r for r in rows[table] if r[columns[table].index("response_id")] == response_id
        ]
        creates = [
            r
            for r in responses_of("audit_event")
            if r[columns["audit_event"].index("action")] == "create"
            and r[columns["audit_event"].index("entity_type")] in ("action", "progress_update")
        ]
        written = len(responses_of("action")) + len(responses_of("progress_update"))
        assert written > 0, "the backup was taken after some writes"
        assert len(creates) == written, "every row in the copy has its history event, and no event lacks its row"


def backup_while(settings: Settings, tmp_path: Path, writers) -> Path:
    """Wait until the writers have written something, then back up while they are still writing."""
    engine = make_engine(settings.database_url)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                if conn.execute(sa.text("SELECT count(*) FROM action")).scalar_one() >= 5:
                    break
            time.sleep(0.05)
    finally:
        engine.dispose()
    running = any(w.poll() is None for w in writers)
    archive = backup(settings, tmp_path / "live.tar").path
    assert running, "the writers were still writing when the backup started"
    return archive


def reflect(url: str):
    engine = make_engine(url)
    try:
        meta = sa.MetaData()
        meta.reflect(engine)
        return meta.tables
    finally:
        engine.dispose()
