"""`tracker check` (tracker.checks): one line per check, ok or FAIL and why, and a non-zero exit on any failure.

Every failure it reports is provoked here once: settings unreadable, development defaults in production, an
http PUBLIC_URL, a database it cannot reach, a database not at the latest migration, an upload folder it cannot
write or without room, an SMTP server that does not answer or refuses the login, a backup folder missing,
pg_dump or pg_restore missing or older than the server (PostgreSQL), no reference data, and demo accounts in
production; the example file's placeholders, a PUBLIC_URL without a host. It changes nothing: a missing SQLite file
or upload folder is reported, not created; and an unreadable setting does not hide the other lines.
"""

from __future__ import annotations

import os
import socket
import stat

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink
from click.testing import CliRunner

from tests.support.deploy import DEPLOY, systemd_environment_file
from tracker import checks
from tracker.accounts.services import create_user
from tracker.audit.services import Actor
from tracker.cli import main
from tracker.vocabulary import Role

# Real commits: the check opens its own engine on the database and must see what the test loaded.
pytestmark = pytest.mark.commits

PRODUCTION = {
    "TRACKER_ENV": "production",
    "SECRET_KEY": "s" * 40,
    "PUBLIC_URL": "https://tracker.test-service.example.net",
    "SERVICE_OPERATOR": "The Test Service Team",
    "SERVICE_EMAIL": "team@tracker.example.org",
    "PRIVACY_EMAIL": "privacy@tracker.example.org",
}


@pytest.fixture
def environ(database_url, tmp_path) -> dict[str, str]:
    return {"DATABASE_URL": database_url, "UPLOAD_DIR": str(tmp_path / "uploads")}


def results(environ: dict[str, str]) -> dict[str, checks.Check]:
    return {check.name: check for check in checks.run_checks(environ)}


def failed(environ: dict[str, str]) -> dict[str, str]:
    return {name: check.message for name, check in results(environ).items() if not check.ok}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_port():
    port = free_port()
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    yield port
    controller.stop()


def test_a_ready_deployment_passes_every_check_and_says_so(environ, small_reference, monkeypatch):
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert [line.split(":")[0] for line in lines[:-1]] == [
        "ok    settings",
        "ok    database",
        "ok    uploads",
        "ok    mail",
        "ok    backups",
        "ok    reference data",
    ]
    assert "GB free" in lines[2] and lines[-1] == "Every check passed."


def test_a_failure_is_one_clear_line_and_exits_non_zero(environ, monkeypatch):
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(main, ["check"])  # no reference data loaded
    assert result.exit_code == 1
    assert "FAIL  reference data: none loaded (organisation, recommendation_set, recommendation)" in result.output
    assert result.output.splitlines()[-1] == "1 check(s) failed."


def test_settings_that_cannot_be_read_fail(environ, small_reference):
    assert failed(environ | {"TRACKER_ENV": "staging"}) == {
        "settings": "TRACKER_ENV must be 'local' or 'production', not 'staging'. "
        "(the other checks ran without TRACKER_ENV)"
    }


def test_development_defaults_in_production_fail_naming_each(environ, small_reference):
    production = environ | {"TRACKER_ENV": "production", "SECRET_KEY": "s" * 40, "SMTP_HOST": "127.0.0.1"}
    message = failed(production)["settings"]
    assert message.endswith("PUBLIC_URL, SERVICE_OPERATOR, SERVICE_EMAIL, PRIVACY_EMAIL, MAIL_FROM")
    assert "SECRET_KEY" not in message and "DATABASE_URL" not in message
    assert "settings" not in failed(environ | PRODUCTION)


def test_a_production_address_that_is_not_https_fails(environ, small_reference):
    assert failed(environ | PRODUCTION | {"PUBLIC_URL": "http://tracker.example.org"})["settings"] == (
        "production, but PUBLIC_URL is not https: http://tracker.example.org"
    )


def test_a_production_address_without_a_host_fails_saying_so(environ, small_reference):
    assert failed(environ | PRODUCTION | {"PUBLIC_URL": "https://"})["settings"] == (
        "production, but PUBLIC_URL names no host: https:"
    )


def test_the_example_files_placeholders_fail_in_production(environ, small_reference):
    assert failed(environ | PRODUCTION | {"SECRET_KEY": checks.EXAMPLE_VALUES["SECRET_KEY"]})["settings"].startswith(
        "SECRET_KEY is the example file's placeholder"
    )
    for name, value in checks.EXAMPLE_VALUES.items():
        if name not in ("SECRET_KEY", "PRIVACY_EMAIL"):  # the example's PRIVACY_EMAIL is the built-in default
            message = failed(environ | PRODUCTION | {"MAIL_FROM": "t@tracker.test-service.example.net", name: value})[
                "settings"
            ]
            assert message == f"production, but left at the example file's placeholder: {name}", name
    for value in ("replace-me-please" * 3, "CHANGE-ME" * 5, "x" * 40 + "-replace"):
        assert "placeholder" in failed(environ | PRODUCTION | {"SECRET_KEY": value})["settings"], value
        assert "placeholder" in failed(environ | PRODUCTION | {"METRICS_TOKEN": value + "x" * 32})["settings"]


def test_an_unreadable_setting_does_not_hide_the_other_checks(environ, small_reference):
    found = results(environ | PRODUCTION | {"SECRET_KEY": "short", "STALE_UPDATE_DAYS": "0"})
    assert list(found) == ["settings", "database", "uploads", "mail", "backups", "reference data"]
    assert found["settings"].message == (
        "STALE_UPDATE_DAYS must be 1 or more days. SECRET_KEY must be at least 32 characters in production. "
        "(the other checks ran without STALE_UPDATE_DAYS)"
    )
    assert all(check.ok for name, check in found.items() if name != "settings")


def test_no_day_is_not_a_staleness_rule(environ):
    assert failed(environ | {"STALE_UPDATE_DAYS": "0"})["settings"] == "STALE_UPDATE_DAYS must be 1 or more days. " + (
        "(the other checks ran without STALE_UPDATE_DAYS)"
    )


def test_a_missing_sqlite_database_is_reported_not_created(environ, tmp_path):
    missing = tmp_path / "typo.db"
    found = failed(environ | {"DATABASE_URL": f"sqlite:///{missing}"})
    assert found["database"] == f"the SQLite file {missing} does not exist: check DATABASE_URL"
    assert not missing.exists()


def test_a_missing_upload_folder_is_checked_where_it_will_be_made_not_created(environ, tmp_path, small_reference):
    upload = results(environ)["uploads"]
    assert upload.ok and "not there yet (made at the first upload;" in upload.message
    assert not (tmp_path / "uploads").exists()


def test_a_database_that_cannot_be_reached_fails(environ, tmp_path):
    unreachable = f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/nothing"
    found = failed(environ | {"DATABASE_URL": unreachable})
    assert found["database"].startswith("cannot be reached: OperationalError")
    assert found["reference data"] == "not checked: the database is not ready"


def test_a_database_not_at_the_latest_migration_fails(environ, scratch_database_url):
    sa.create_engine(scratch_database_url).connect().close()  # an empty database (SQLite: an empty file)
    found = failed(environ | {"DATABASE_URL": scratch_database_url})
    assert found["database"].startswith("at migration none, not ") and "run `tracker db upgrade`" in found["database"]


def test_an_upload_folder_that_cannot_be_written_fails(environ, tmp_path, small_reference):
    (tmp_path / "a-file").write_text("not a folder")
    found = failed(environ | {"UPLOAD_DIR": str(tmp_path / "a-file" / "uploads")})
    assert list(found) == ["uploads"] and "does not exist and cannot be created in" in found["uploads"]


def test_an_upload_folder_without_room_for_ten_uploads_fails(environ, small_reference):
    found = failed(environ | {"MAX_UPLOAD_MB": str(10**9)})
    assert list(found) == ["uploads"] and "GB free, under" in found["uploads"]


def test_mail_is_checked_when_reminders_are_configured(environ, small_reference, smtp_port):
    assert results(environ)["mail"].message.startswith("not configured")
    answering = results(environ | {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_port)})["mail"]
    assert answering.ok and answering.message == f"the SMTP server at 127.0.0.1:{smtp_port} answers"


def test_an_smtp_server_that_does_not_answer_fails(environ, small_reference):
    port = free_port()
    found = failed(environ | {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port)})
    assert found == {
        "mail": f"the SMTP server at 127.0.0.1:{port} does not answer as configured: "
        "ConnectionRefusedError: [Errno 111] Connection refused"
    }


def test_an_smtp_server_that_refuses_the_login_fails(environ, small_reference, smtp_port):
    found = failed(environ | {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_port), "SMTP_USER": "tracker"})
    assert list(found) == ["mail"] and "SMTPNotSupportedError" in found["mail"]


def test_a_backup_folder_that_is_missing_fails(environ, tmp_path, small_reference):
    assert results(environ)["backups"].message == "not configured (BACKUP_DIR unset)"
    assert results(environ | {"BACKUP_DIR": str(tmp_path)})["backups"].ok
    missing = tmp_path / "no-such-folder"
    assert failed(environ | {"BACKUP_DIR": str(missing)}) == {
        "backups": f"BACKUP_DIR {missing} is not a writable folder"
    }


@pytest.fixture
def postgresql_only(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("pg_dump is checked only for PostgreSQL (SQLite is backed up with its own online backup)")


def test_pg_dump_missing_fails(postgresql_only, environ, tmp_path, small_reference, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    found = failed(environ | {"BACKUP_DIR": str(tmp_path)})
    assert found == {"backups": "pg_dump and pg_restore not on PATH (Debian: apt-get install postgresql-client)"}


def test_pg_restore_missing_fails(postgresql_only, environ, tmp_path, small_reference, monkeypatch):
    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / "pg_dump").write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 99.1'\n")
    (tools / "pg_dump").chmod(stat.S_IRWXU)
    monkeypatch.setenv("PATH", str(tools) + os.pathsep + str(tmp_path / "empty"))
    found = failed(environ | {"BACKUP_DIR": str(tmp_path)})
    assert found == {"backups": "pg_restore not on PATH (Debian: apt-get install postgresql-client)"}


def test_pg_dump_older_than_the_server_fails(postgresql_only, environ, tmp_path, small_reference, monkeypatch):
    assert results(environ | {"BACKUP_DIR": str(tmp_path)})["backups"].ok, "the installed pg_dump is recent enough"
    monkeypatch.setattr(checks, "pg_dump_major", lambda binary: 9)
    assert failed(environ | {"BACKUP_DIR": str(tmp_path)})["backups"].startswith("pg_dump is version 9, older than")
    monkeypatch.setattr(checks, "pg_dump_major", lambda binary: 9 if binary.endswith("pg_restore") else 99)
    assert failed(environ | {"BACKUP_DIR": str(tmp_path)})["backups"].startswith("pg_restore is version 9, older")


def test_demo_accounts_in_a_production_database_fail(environ, session, small_reference):
    create_user(
        session,
        email="demo-editor@example.org",
        display_name="Demo editor",
        role=Role.ADMIN,
        password="correct-horse-battery",
        organisation=None,
        actor=Actor("test setup"),
        is_demo=True,
    )
    session.commit()
    assert "reference data" not in failed(environ)
    assert failed(environ | PRODUCTION) == {"reference data": "1 demo accounts in a production database"}


def test_every_setting_problem_is_reported_in_one_run(environ, tmp_path):
    """deploy/tracker.env.example as it stands: one run names every placeholder, each once, a FAIL line per kind
    of problem (not one kind a run, fixing each to find the next)."""
    example = systemd_environment_file((DEPLOY / "tracker.env.example").read_text()) | environ
    settings, error = checks.read_settings(example)
    lines = [check.line() for check in checks.check_settings(example, settings, error)]
    assert len(lines) == 3 and all(line.startswith("FAIL  settings: ") for line in lines), lines
    assert lines[0].startswith("FAIL  settings: SECRET_KEY is the example file's placeholder"), lines
    assert lines[1] == "FAIL  settings: production, but left at the development default: PRIVACY_EMAIL"
    for name in checks.EXAMPLE_VALUES:
        assert sum(line.count(name) for line in lines) == 1, name
