"""Backups: the database and the upload folder in one archive, and restoring them.

An archive is a tar file holding ``manifest.json``, the database and ``uploads/<stored name>`` for every
evidence file. The manifest lists every member with its size and sha256, so a restore checks everything before
it touches anything.

- SQLite: the database is copied with SQLite's online backup API (``sqlite3.Connection.backup``), which gives
  a consistent copy while the app keeps serving.
- PostgreSQL: ``pg_dump --format=custom`` (a consistent snapshot) and ``pg_restore --single-transaction``;
  both must be on PATH and of the server's major version or later.

Restore refuses to overwrite a database that holds any rows, or an upload folder that holds any file, unless
``force`` is given. Files are restored after the database, each written to a temporary name, checked against
its sha256 and renamed.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import sqlalchemy as sa

from tracker import __version__
from tracker.db import make_engine
from tracker.settings import Settings
from tracker.timeutil import utc_now

FORMAT = "tracker-backup/1"
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
PGDUMP_MEMBER = "database.pgdump"
UPLOADS_PREFIX = "uploads/"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """The backup or restore cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    database: str
    files: int
    bytes: int


@dataclass(frozen=True)
class RestoreResult:
    database: str
    files: int
    created_at: str


# --- helpers -------------------------------------------------------------------------------------------------


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _sqlite_path(database_url: str) -> Path:
    url = sa.make_url(database_url)
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return Path(url.database)


def _libpq_url(database_url: str) -> str:
    """The URL pg_dump and pg_restore understand (no SQLAlchemy driver suffix)."""
    return sa.make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def _need_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not on PATH. Install the PostgreSQL client tools of the server's major version "
            "(Debian: apt-get install postgresql-client)."
        )
    return path


def _run(args: list[str]) -> None:
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {(done.stderr or done.stdout).strip()}")


def upload_files(upload_dir: Path) -> list[Path]:
    """The files in the upload folder worth keeping (not hidden, not half-written ``.part`` files)."""
    if not upload_dir.is_dir():
        return []
    return sorted(
        p
        for p in upload_dir.iterdir()
        if p.is_file() and not p.is_symlink() and not p.name.startswith(".") and not p.name.endswith(".part")
    )


# --- backup --------------------------------------------------------------------------------------------------


def default_archive_name() -> str:
    return f"tracker-backup-{utc_now().strftime('%Y%m%dT%H%M%SZ')}.tar"


def backup(settings: Settings, output: Path) -> BackupResult:
    """Write an archive of the database and the upload folder to ``output`` (a file, or a folder to put it in)."""
    as_folder = output.is_dir() or str(output).endswith(("/", os.sep)) or not Path(output).suffix
    output = Path(output) / default_archive_name() if as_folder else Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tracker-backup-") as scratch:
        scratch_dir = Path(scratch)
        kind, member = _dump_database(settings, scratch_dir)
        db_file = scratch_dir / member
        entries: list[dict[str, Any]] = [
            {"name": member, "size": db_file.stat().st_size, "sha256": _sha256_file(db_file)}
        ]
        # Files are copied after the database: a file added in between is an orphan (swept at start-up),
        # never a record without its file. Files withdrawn in between are simply missing from the archive.
        copied = _copy_uploads(Path(settings.upload_dir), scratch_dir / "uploads", entries)
        manifest = {
            "format": FORMAT,
            "created_at": utc_now().isoformat(),
            "tracker_version": __version__,
            "database": kind,
            "migration": _current_revision(settings.database_url),
            "files": entries,
        }
        partial = output.with_name(output.name + ".part")
        with tarfile.open(partial, "w") as tar:
            data = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(utc_now().timestamp()), 0o600
            tar.addfile(info, io.BytesIO(data))
            tar.add(db_file, arcname=member, recursive=False)
            for name, copy in copied:
                tar.add(copy, arcname=name, recursive=False)
        with partial.open("rb") as f:
            os.fsync(f.fileno())
        os.replace(partial, output)
    return BackupResult(output, kind, len(copied), output.stat().st_size)


def _dump_database(settings: Settings, scratch_dir: Path) -> tuple[str, str]:
    """Copy the database into ``scratch_dir``: its kind and the archive member (file name) it was written to."""
    if settings.is_sqlite:
        _sqlite_backup(_sqlite_path(settings.database_url), scratch_dir / SQLITE_MEMBER)
        return "sqlite", SQLITE_MEMBER
    _run(
        [
            _need_tool("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            f"--file={scratch_dir / PGDUMP_MEMBER}",
            _libpq_url(settings.database_url),
        ]
    )
    return "postgresql", PGDUMP_MEMBER


def _copy_uploads(upload_dir: Path, copies: Path, entries: list[dict[str, Any]]) -> list[tuple[str, Path]]:
    """Copy each uploaded file into ``copies``, adding it to the manifest's ``entries``: (member, copy) pairs."""
    copied: list[tuple[str, Path]] = []
    for path in upload_files(upload_dir):
        copy = copies / path.name
        copy.parent.mkdir(exist_ok=True)
        try:
            shutil.copyfile(path, copy)
        except FileNotFoundError:
            continue
        entries.append({"name": UPLOADS_PREFIX + path.name, "size": copy.stat().st_size, "sha256": _sha256_file(copy)})
        copied.append((UPLOADS_PREFIX + path.name, copy))
    return copied


def _sqlite_backup(source: Path, target: Path) -> None:
    if not source.exists():
        raise BackupError(f"The SQLite database {source} does not exist.")
    src = sqlite3.connect(source, timeout=30)  # read-write: a read-only connection cannot always open a WAL file
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
    finally:
        dst.close()
        src.close()


def _current_revision(database_url: str) -> str | None:
    from tracker import migrate

    engine = make_engine(database_url)
    try:
        return migrate.current_revision(engine)
    finally:
        engine.dispose()


# --- restore -------------------------------------------------------------------------------------------------


def read_manifest(archive: Path) -> dict[str, Any]:
    """The archive's manifest, after checking it names only safe paths."""
    try:
        with tarfile.open(archive, "r") as tar:
            member = tar.getmember(MANIFEST)
            handle = tar.extractfile(member)
            manifest = json.loads(handle.read()) if handle else None
    except (tarfile.TarError, KeyError, OSError, ValueError) as exc:
        raise BackupError(f"{archive} is not a tracker backup: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{archive} is not a tracker backup (format {FORMAT}).")
    for entry in manifest.get("files", []):
        _check_member_name(entry["name"])
    return manifest


def _check_member_name(name: str) -> None:
    path = PurePosixPath(name)
    ok = name in (SQLITE_MEMBER, PGDUMP_MEMBER) or (
        len(path.parts) == 2 and path.parts[0] == "uploads" and not path.name.startswith(".")
    )
    if not ok or ".." in path.parts or path.is_absolute() or "\\" in name:
        raise BackupError(f"The backup names an unsafe path: {name!r}")


def verify(archive: Path) -> dict[str, Any]:
    """Check every member against the manifest's size and sha256; return the manifest. Raises BackupError."""
    manifest = read_manifest(archive)
    expected = {e["name"]: e for e in manifest["files"]}
    seen: set[str] = set()
    with tarfile.open(archive, "r") as tar:
        for member in tar:
            if member.name == MANIFEST:
                continue
            if member.name not in expected or not member.isfile():
                raise BackupError(f"The backup holds {member.name!r}, which its manifest does not list.")
            digest, size = _digest_member(tar, member)
            entry = expected[member.name]
            if digest != entry["sha256"] or size != entry["size"]:
                raise BackupError(f"{member.name} in the backup is damaged: its sha256 does not match the manifest.")
            seen.add(member.name)
    missing = sorted(set(expected) - seen)
    if missing:
        raise BackupError(f"The backup is missing {len(missing)} file(s) its manifest lists, e.g. {missing[0]}.")
    return manifest


def _digest_member(tar: tarfile.TarFile, member: tarfile.TarInfo) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    handle = tar.extractfile(member)
    assert handle is not None
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def database_has_rows(database_url: str) -> bool:
    """Whether any table of the database (other than Alembic's version table) holds a row."""
    if database_url.startswith("sqlite") and not _sqlite_path(database_url).exists():
        return False
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            names = [n for n in sa.inspect(conn).get_table_names() if n != "alembic_version"]
            for name in names:
                table = sa.table(name)
                if conn.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first():
                    return True
        return False
    finally:
        engine.dispose()


def restore(settings: Settings, archive: Path, *, force: bool = False) -> RestoreResult:
    """Restore the database and the upload folder from ``archive`` (made by ``backup``).

    Every member is checked against the manifest first. Without ``force`` a database with rows or an upload
    folder with files is left alone and BackupError says so.
    """
    archive = Path(archive)
    manifest = verify(archive)
    kind = "sqlite" if settings.is_sqlite else "postgresql"
    if manifest["database"] != kind:
        raise BackupError(f"The backup is of a {manifest['database']} database, but DATABASE_URL names a {kind} one.")
    upload_dir = Path(settings.upload_dir)
    if not force:
        if database_has_rows(settings.database_url):
            raise BackupError("The database is not empty. Use --force to replace everything in it with the backup.")
        if upload_files(upload_dir):
            raise BackupError(
                f"The upload folder {upload_dir} is not empty. Use --force to replace its files with the backup's."
            )
    entries = {e["name"]: e for e in manifest["files"]}
    with tempfile.TemporaryDirectory(prefix="tracker-restore-") as scratch, tarfile.open(archive, "r") as tar:
        scratch_dir = Path(scratch)
        member = SQLITE_MEMBER if kind == "sqlite" else PGDUMP_MEMBER
        db_file = scratch_dir / member
        _extract_checked(tar, member, db_file, entries[member]["sha256"])
        if kind == "sqlite":
            _sqlite_restore(db_file, _sqlite_path(settings.database_url))
        else:
            _postgres_restore(db_file, settings.database_url)
        upload_dir.mkdir(parents=True, exist_ok=True)
        wanted = {name.removeprefix(UPLOADS_PREFIX) for name in entries if name.startswith(UPLOADS_PREFIX)}
        for name in sorted(wanted):
            target = upload_dir / name
            partial = upload_dir / f".restore-{name}.part"
            _extract_checked(tar, UPLOADS_PREFIX + name, partial, entries[UPLOADS_PREFIX + name]["sha256"])
            os.replace(partial, target)
        for stale in upload_files(upload_dir):  # only reached with force, or when the folder was empty
            if stale.name not in wanted:
                stale.unlink()
    return RestoreResult(kind, len(wanted), manifest["created_at"])


def _extract_checked(tar: tarfile.TarFile, name: str, target: Path, sha256: str) -> None:
    handle = tar.extractfile(tar.getmember(name))
    assert handle is not None
    digest = hashlib.sha256()
    with target.open("wb") as out:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    if digest.hexdigest() != sha256:
        target.unlink(missing_ok=True)
        raise BackupError(f"{name} in the backup is damaged: its sha256 does not match the manifest.")


def _sqlite_restore(source: Path, target: Path) -> None:
    """Copy the backup over the live database with the online backup API (one transaction, other
    connections wait on the lock rather than reading a half-copied file)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target, timeout=30)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _postgres_restore(dump: Path, database_url: str) -> None:
    # One transaction: --clean drops the dump's objects first, and any failure leaves the database as it was.
    _run(
        [
            _need_tool("pg_restore"),
            "--single-transaction",
            "--exit-on-error",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            f"--dbname={_libpq_url(database_url)}",
            str(dump),
        ]
    )


def iter_table_rows(database_url: str) -> Iterator[tuple[str, list[tuple[Any, ...]]]]:
    """Every table's rows in primary-key order (for comparing a restore with its source)."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            meta = sa.MetaData()
            with warnings.catch_warnings():
                # SQLite cannot reflect an index on an expression (lower(name)); rows are all this reads.
                warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index")
                meta.reflect(conn)
            for table in sorted(meta.sorted_tables, key=lambda t: t.name):
                order = list(table.primary_key.columns) or list(table.columns)
                yield table.name, [tuple(row) for row in conn.execute(sa.select(table).order_by(*order))]
    finally:
        engine.dispose()
