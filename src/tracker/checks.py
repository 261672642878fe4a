"""``tracker check``: what an operator runs before serving. Each check says ok or FAIL, and why, in one line.

- settings: readable, and in production none left at its development default or at a placeholder of
  deploy/tracker.env.example; an unreadable setting is reported and the other checks still run, with it ignored;
  every problem is reported in one run, a FAIL line per kind (not one kind a run);
- database: reachable and at the latest migration (a SQLite file that does not exist is reported, not created);
- uploads: the upload folder writable (or, if it does not exist yet, the folder it will be created in), and its
  free space; nothing is created;
- mail: the SMTP server answers (and accepts the login) when reminders are configured (SMTP_HOST);
- backups: when BACKUP_DIR is set, the folder writable and, on PostgreSQL, ``pg_dump`` and ``pg_restore`` on
  PATH and of the server's major version or later (tracker.backup);
- reference data: organisations and recommendation sets loaded, and no demo accounts in production.
"""

from __future__ import annotations

import os
import re
import shutil
import smtplib
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa

from tracker import migrate
from tracker.db import make_engine
from tracker.settings import (
    DEFAULT_PRIVACY_EMAIL,
    DEFAULT_SECRET,
    DEFAULT_SERVICE_EMAIL,
    DEFAULT_SERVICE_OPERATOR,
    Settings,
    SettingsError,
)

MIN_FREE_UPLOADS = 10  # free space for at least this many of the largest uploads
# The values deploy/tracker.env.example gives the settings a deployment must choose for itself
# (tests/unit/cli/test_check.py checks this list against the file): a copy of the example left as it is fails.
EXAMPLE_VALUES = {
    "SECRET_KEY": "replace-with-the-output-of-python3-c-import-secrets-print-secrets.token_urlsafe-48",
    "PUBLIC_URL": "https://tracker.example.org",
    "SERVICE_OPERATOR": "The organisation that runs this service",
    "SERVICE_EMAIL": "tracker-team@example.org",
    "PRIVACY_EMAIL": "data-protection@example.org",
    "SMTP_HOST": "smtp.example.org",
    "SMTP_PASSWORD": "replace-me",
    "MAIL_FROM": "tracker@example.org",
}
PLACEHOLDER_WORDS = ("replace", "change-me", "changeme")
# The settings a placeholder word is looked for in: those a deployment writes for itself.
CHOSEN_SETTINGS = (*EXAMPLE_VALUES, "DATABASE_URL", "SMTP_USER", "DATA_CONTROLLER", "METRICS_TOKEN")


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    message: str

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'}  {self.name}: {self.message}"


def _gb(size: int) -> str:
    return f"{size / 1024**3:.1f} GB"


def placeholders(environ: dict[str, str]) -> list[str]:
    """The settings left at a value of the example file, or holding a placeholder word ("replace-…")."""
    return [
        name
        for name, value in environ.items()
        if value
        and name in CHOSEN_SETTINGS
        and (
            EXAMPLE_VALUES.get(name) == value.strip().rstrip("/")
            or any(word in value.lower() for word in PLACEHOLDER_WORDS)
        )
    ]


def check_settings(environ: dict[str, str], settings: Settings | None, error: str | None) -> Iterator[Check]:
    """A FAIL line per kind of problem, all in one run, a setting named once; one ok line when there is none."""
    if settings is None or (error and not settings.is_production):
        yield Check("settings", False, error or "the settings cannot be read")
        return
    if not settings.is_production:
        yield Check("settings", True, "development (TRACKER_ENV is not production): local defaults allowed")
        return
    problems, named = [error] if error else [], error or ""
    left = [name for name in left_at_default(environ, settings) if name not in named]
    if left:
        problems.append(f"production, but left at the development default: {', '.join(left)}")
    named += " " + " ".join(left)
    examples = [name for name in placeholders(environ) if name not in named]
    if examples:
        problems.append(f"production, but left at the example file's placeholder: {', '.join(examples)}")
    if "PUBLIC_URL" not in f"{named} {' '.join(examples)}":  # one still to be chosen is named once
        problems += address_problems(settings.public_url)
    yield from (Check("settings", False, problem) for problem in problems)
    if not problems:
        yield Check("settings", True, "production, every setting given")


def address_problems(public_url: str) -> list[str]:
    address = urlsplit(public_url)
    if address.scheme != "https":
        return [f"production, but PUBLIC_URL is not https: {public_url}"]
    if not address.hostname:
        return [f"production, but PUBLIC_URL names no host: {public_url}"]
    return []


def left_at_default(environ: dict[str, str], settings: Settings) -> list[str]:
    """The settings a production deployment must give that are left at their development default."""
    return [
        name
        for name, unset in (
            ("DATABASE_URL", not environ.get("DATABASE_URL")),
            ("SECRET_KEY", settings.secret_key == DEFAULT_SECRET),
            ("PUBLIC_URL", not environ.get("PUBLIC_URL")),
            ("SERVICE_OPERATOR", settings.service_operator == DEFAULT_SERVICE_OPERATOR),
            ("SERVICE_EMAIL", settings.service_email == DEFAULT_SERVICE_EMAIL),
            ("PRIVACY_EMAIL", settings.privacy_email == DEFAULT_PRIVACY_EMAIL),
            ("MAIL_FROM", bool(settings.smtp_host) and settings.mail_from.endswith("@localhost")),
        )
        if unset
    ]


def read_settings(environ: dict[str, str]) -> tuple[Settings | None, str | None]:
    """The settings and, if some cannot be read, why (every reason); then the settings read without those that
    cannot be, so the other checks still run. None only if even that fails."""
    try:
        return Settings.from_env(environ), None
    except SettingsError:
        pass
    production = (environ.get("TRACKER_ENV") or "").strip().lower() == "production"
    usable: dict[str, str] = {}  # each setting read in turn as if local; the production rules after
    errors, ignored = [], []
    for name, value in environ.items():
        trial = "local" if name == "TRACKER_ENV" and production else value
        try:
            Settings.from_env({**usable, name: trial})
        except SettingsError as exc:
            errors.append(str(exc))
            ignored.append(name)
            continue
        usable[name] = trial
    try:
        settings = Settings.from_env(usable)
        if production:
            settings = replace(settings, environment="production")
            Settings.from_env({**usable, "TRACKER_ENV": "production"})
    except SettingsError as exc:
        errors.append(str(exc))
    note = f" (the other checks ran without {', '.join(ignored)})" if ignored else ""
    return settings, " ".join(errors or ["The settings cannot be read."]) + note


def check_database(engine: sa.Engine) -> Check:
    database = engine.url.database if engine.url.get_backend_name() == "sqlite" else None
    if database and database != ":memory:" and not database.startswith("file:") and not Path(database).is_file():
        # Connecting would create an empty database: report the missing file instead (a typo in DATABASE_URL).
        return Check("database", False, f"the SQLite file {database} does not exist: check DATABASE_URL")
    try:
        current = migrate.current_revision(engine)
    except Exception as exc:
        return Check("database", False, f"cannot be reached: {exc.__class__.__name__}: {str(exc).splitlines()[0]}")
    head = migrate.head_revision()
    if current != head:
        return Check("database", False, f"at migration {current or 'none'}, not {head}: run `tracker db upgrade`")
    return Check("database", True, f"{engine.url.get_backend_name()}, reachable, at the latest migration ({head})")


def check_uploads(settings: Settings) -> Check:
    """The upload folder is writable, or (when it does not exist yet) the folder the app will create it in, at
    the first upload. Nothing is created but a temporary file, removed at once."""
    folder = settings.upload_dir
    existing = next((p for p in (folder, *folder.parents) if p.exists()), Path("/"))
    if existing != folder and (not existing.is_dir() or not os.access(existing, os.W_OK)):
        return Check("uploads", False, f"{folder} does not exist and cannot be created in {existing}")
    if existing == folder:
        try:
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".tracker-check-"):
                pass
        except OSError as exc:
            return Check("uploads", False, f"{folder} is not writable: {exc.strerror or exc}")
    free = shutil.disk_usage(existing).free
    needed = MIN_FREE_UPLOADS * settings.max_upload_bytes
    if free < needed:
        return Check(
            "uploads", False, f"{folder} has {_gb(free)} free, under {_gb(needed)} ({MIN_FREE_UPLOADS} largest uploads)"
        )
    state = "writable" if existing == folder else f"not there yet (made at the first upload; {existing} is writable)"
    return Check("uploads", True, f"{folder} {state}, {_gb(free)} free")


def check_mail(settings: Settings) -> Check:
    if not settings.smtp_host:
        return Check("mail", True, "not configured (SMTP_HOST unset): `tracker remind` cannot send reminders")
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
            smtp.ehlo()
            if settings.smtp_starttls:
                smtp.starttls()
                smtp.ehlo()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password or "")
            smtp.noop()
    except (OSError, smtplib.SMTPException) as exc:
        return Check("mail", False, f"the SMTP server at {where} does not answer as configured: {_reason(exc)}")
    login = " and accepts the login" if settings.smtp_user else ""
    return Check("mail", True, f"the SMTP server at {where} answers{login}")


def _reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        error = exc.smtp_error
        return f"{exc.smtp_code} {error.decode(errors='replace') if isinstance(error, bytes) else error}"
    return f"{exc.__class__.__name__}: {exc}"


def pg_dump_major(binary: str) -> int | None:
    """The major version a PostgreSQL client tool (pg_dump, pg_restore) reports."""
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30).stdout
    found = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(found.group(1)) if found else None


def check_backups(settings: Settings, engine: sa.Engine, backup_dir: str | None) -> Check:
    if not backup_dir:
        return Check("backups", True, "not configured (BACKUP_DIR unset)")
    folder = Path(backup_dir)
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        return Check("backups", False, f"BACKUP_DIR {folder} is not a writable folder")
    if settings.is_sqlite:
        return Check("backups", True, f"to {folder} (SQLite's online backup; no tools needed)")
    binaries = {name: shutil.which(name) for name in ("pg_dump", "pg_restore")}
    missing = [name for name, binary in binaries.items() if binary is None]
    if missing:
        return Check(
            "backups", False, f"{' and '.join(missing)} not on PATH (Debian: apt-get install postgresql-client)"
        )
    try:
        with engine.connect() as conn:
            server = int(conn.execute(sa.text("SHOW server_version_num")).scalar_one()) // 10000
    except Exception as exc:
        return Check("backups", False, f"the server's version cannot be read: {exc.__class__.__name__}")
    versions = {name: pg_dump_major(binary or name) for name, binary in binaries.items()}
    for name, client in versions.items():
        if client is None or client < server:
            return Check("backups", False, f"{name} is version {client}, older than the server's {server}")
    found = f"pg_dump {versions['pg_dump']}, pg_restore {versions['pg_restore']}"
    return Check("backups", True, f"to {folder}; {found} for server {server}")


def check_reference_data(settings: Settings, engine: sa.Engine) -> Check:
    counts: dict[str, int] = {}
    try:
        with engine.connect() as conn:
            for table in ("organisation", "recommendation_set", "recommendation"):
                counts[table] = conn.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar_one()
            demo = conn.execute(sa.text("SELECT COUNT(*) FROM user_account WHERE is_demo")).scalar_one()
    except Exception as exc:
        return Check("reference data", False, f"cannot be read: {exc.__class__.__name__}")
    missing = [name for name, n in counts.items() if n == 0]
    if missing:
        return Check("reference data", False, f"none loaded ({', '.join(missing)}): run `tracker setup --no-demo`")
    if demo and settings.is_production:
        return Check("reference data", False, f"{demo} demo accounts in a production database")
    return Check(
        "reference data",
        True,
        f"{counts['organisation']} organisations, {counts['recommendation_set']} recommendation sets, "
        f"{counts['recommendation']} recommendations",
    )


def run_checks(environ: dict[str, str]) -> Iterator[Check]:
    """Every check, in order; those that need the database are failed, saying why, when it cannot be used. A
    setting that cannot be read fails the settings line; the other checks still run, without it."""
    settings, error = read_settings(environ)
    yield from check_settings(environ, settings, error)
    if settings is None:
        return
    engine = make_engine(settings.database_url)
    try:
        database = check_database(engine)
        yield database
        yield check_uploads(settings)
        yield check_mail(settings)
        yield check_backups(settings, engine, environ.get("BACKUP_DIR"))
        if database.ok:
            yield check_reference_data(settings, engine)
        else:
            yield Check("reference data", False, "not checked: the database is not ready")
    finally:
        engine.dispose()
