"""The ``tracker`` command line. Every command takes the database from ``DATABASE_URL``.

Each command imports what it needs when it runs: ``tracker --help``, ``tracker db current`` and the like do not
load the models, the web app or the libraries of the commands they do not run (tests/unit/test_start_up.py).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tracker.cli_session import console, recommendation_set
from tracker.cli_session import ensure_sqlite_folder as _ensure_sqlite_folder
from tracker.cli_session import session_of as _session
from tracker.cli_session import settings_from_env as _settings
from tracker.recommendations.report_cli import load_report
from tracker.settings import PROJECT_ROOT, RECOMMENDATIONS_DIR, Settings
from tracker.translation_review import translations
from tracker.vocabulary import Role

if TYPE_CHECKING:
    from sqlmodel import Session

    from tracker.demo import DemoResult
BUNDLED_FILES = (
    RECOMMENDATIONS_DIR / "organisations.yaml",
    RECOMMENDATIONS_DIR / "stalking-2024.yaml",
    RECOMMENDATIONS_DIR / "practice.yaml",
)
DEMO_PASSWORD_FILE = PROJECT_ROOT / "var" / "demo-password.txt"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """The recommendation tracker: set up the database, load data, manage users and serve the app.

    The database comes from DATABASE_URL (default: an SQLite file in ./var).
    """


# --- database ---------------------------------------------------------------------------------------------


main.add_command(load_report)


@main.group()
def db() -> None:
    """Create and migrate the database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Migrate to this revision.")
def db_upgrade(revision: str) -> None:
    """Migrate the database to the latest schema (creating it if needed)."""
    from tracker import migrate

    settings = _settings()
    if settings.is_sqlite:
        _ensure_sqlite_folder(settings.database_url)
    migrate.upgrade(settings.database_url, revision)
    console().print(f"Database migrated to {revision}.")


@db.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Migrate the database back to REVISION ("base" removes every table)."""
    from tracker import migrate

    migrate.downgrade(_settings().database_url, revision)
    console().print(f"Database migrated down to {revision}.")


@db.command("current")
def db_current() -> None:
    """Show the database's migration and the latest one this code knows."""
    from tracker import migrate
    from tracker.db import make_engine

    settings = _settings()
    engine = make_engine(settings.database_url)
    try:
        current = migrate.current_revision(engine)
    finally:
        engine.dispose()
    head = migrate.head_revision()
    click.echo(f"database: {current or '(not migrated)'}\nlatest:   {head}")
    if current != head:
        sys.exit(1)


# --- data ---------------------------------------------------------------------------------------------------


@main.command("load")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the files and show what would change, without saving.")
@click.option("--set", "set_slug", help="For a spreadsheet (CSV/XLSX): the existing set its rows belong to.")
@click.option("--new-set", "new_set_slug", help="For a spreadsheet: the slug of a new set to create from it.")
@click.option("--title", help="With --new-set: the report's full title.")
@click.option("--short-title", help="With --new-set: the title used in menus (default: the full title).")
def load(
    files: tuple[Path, ...],
    dry_run: bool,
    set_slug: str | None,
    new_set_slug: str | None,
    title: str | None,
    short_title: str | None,
) -> None:
    """Load data FILES: the organisations file and recommendation sets (YAML, or CSV/XLSX with --set/--new-set).

    Every problem is reported with its file, line (or row) and field, and a file with any problem loads
    nothing. Loading the same file twice changes nothing.
    """
    from tracker.audit.services import Actor
    from tracker.datafiles import LoadError
    from tracker.inputs import InputError
    from tracker.loading import load_file

    settings = _settings()
    failed = False
    new_set = None
    if new_set_slug:
        new_set = {"slug": new_set_slug, "title": title or "", "short_title": short_title or title or ""}
    with _session(settings) as session:
        for path in files:
            try:
                result = load_file(
                    session, path, Actor("tracker load"), dry_run=dry_run, set_slug=set_slug, new_set=new_set
                )
            except LoadError as exc:
                failed = True
                console().print(f"[red]{path}: not loaded, {len(exc.problems)} problem(s):[/red]")
                for problem in exc.problems:
                    click.echo(f"  {problem}", err=True)
                continue
            except InputError as exc:  # text no column can hold, refused before any SQL (tracker.inputs)
                session.rollback()
                failed = True
                console().print(f"[red]{path}: not loaded, {len(exc.errors)} problem(s):[/red]")
                for field, message in exc.errors.items():
                    click.echo(f"  {field}: {message}", err=True)
                continue
            for line in result.lines():
                click.echo(line)
    if failed:
        sys.exit(1)


@main.command("export-set")
@click.argument("slug")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path), help="YAML file.")
def export_set(slug: str, output: Path) -> None:
    """Write the recommendation set SLUG as a data file that `tracker load` reads back to the same data."""
    from tracker.recommendations.export import dump_set

    settings = _settings()
    with _session(settings) as session:
        rec_set = recommendation_set(session, slug)
        output.write_text(dump_set(session, rec_set), encoding="utf-8")
    click.echo(f"Wrote {output}")


@main.command("rebuild-summaries")
@click.option("--expired", is_flag=True, help="Only those whose overdue and recent-update figures no longer hold.")
def rebuild_summaries(expired: bool) -> None:
    """Compute every response's summary (what national oversight counts) afresh from the records and store it.

    Every write keeps them in step by itself; run this after restoring a database written by other means, and
    daily with --expired (as the days pass, actions fall due and updates leave the last 30 days)."""
    from tracker.plans import summaries

    settings = _settings()
    with _session(settings) as session:
        count = summaries.refresh_expired(session) if expired else summaries.refresh(session)
        session.commit()
    click.echo(f"{count} response summaries stored.")


@main.command("demo")
@click.option("--scale", default=1, show_default=True, type=click.IntRange(1, 1000), help="Multiply per-response data.")
def demo(scale: int) -> None:
    """Add deterministic synthetic demo data and one demo account per role.

    The accounts' password comes from TRACKER_DEMO_PASSWORD, or is generated and printed.
    """
    settings = _settings()
    password = _demo_password(settings)
    with _session(settings) as session:
        result = _run_demo(session, settings, password, scale)
    _print_accounts(password, result.already_loaded)


def _demo_password(settings: Settings) -> str:
    if settings.demo_password:
        return settings.demo_password
    if DEMO_PASSWORD_FILE.exists():
        return DEMO_PASSWORD_FILE.read_text().strip()
    from tracker.accounts.passwords import generate_password

    password = generate_password()
    DEMO_PASSWORD_FILE.parent.mkdir(parents=True, exist_ok=True)
    DEMO_PASSWORD_FILE.write_text(password + "\n")
    DEMO_PASSWORD_FILE.chmod(0o600)
    return password


def _run_demo(session: Session, settings: Settings, password: str, scale: int) -> DemoResult:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from tracker.demo import DemoError, load_demo

    with Progress(
        TextColumn("Demo data"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console()
    ) as bar:
        task = bar.add_task("demo", total=None)
        try:
            return load_demo(
                session,
                password=password,
                upload_dir=settings.upload_dir,
                scale=scale,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
        except DemoError as exc:
            raise click.ClickException(str(exc)) from exc


def _print_accounts(password: str, already_loaded: bool) -> None:
    from tracker.demo import DEMO_ACCOUNTS

    state = "Demo data was already loaded." if already_loaded else "Synthetic demo data loaded."
    click.echo(f"{state} Demo accounts (password: {password}):")
    for account in DEMO_ACCOUNTS:
        where = f" at {account.organisation_slug}" if account.organisation_slug else ""
        click.echo(f"  {account.email:<38} {account.role.label}{where}")


@main.command("setup")
@click.option("--demo/--no-demo", "with_demo", default=True, show_default=True, help="Also load demo data.")
def setup(with_demo: bool) -> None:
    """Migrate, load the bundled organisations and recommendations if absent, and add demo data.

    Safe to run every time: what is already there is left as it is (use `tracker load` to apply edits
    made to the data files).
    """
    from tracker import migrate

    settings = _settings()
    if settings.is_sqlite:
        _ensure_sqlite_folder(settings.database_url)
    migrate.upgrade(settings.database_url)
    with _session(settings) as session:
        _load_bundled_files(session)
        if with_demo:
            password = _demo_password(settings)
            result = _run_demo(session, settings, password, 1)
            _print_accounts(password, result.already_loaded)


def _load_bundled_files(session: Session) -> None:
    """The bundled organisations, recommendation sets and practice, each unless the database already has it."""
    from sqlmodel import select

    from tracker.audit.services import Actor
    from tracker.datafiles import LoadError
    from tracker.loading import load_file
    from tracker.organisations.models import Organisation
    from tracker.practice import loader as practice_loader
    from tracker.practice.models import Practice
    from tracker.recommendations.models import RecommendationSet

    has_orgs = session.exec(select(Organisation.id).limit(1)).first() is not None
    slugs = set(session.exec(select(RecommendationSet.slug)))
    for path in BUNDLED_FILES:
        if path.name == "organisations.yaml":
            needed = not has_orgs
        elif path.name == "practice.yaml":
            needed = not set(session.exec(select(Practice.slug))) & practice_loader.bundled_slugs(path)
        else:
            needed = path.stem not in slugs
        if needed:
            try:
                result = load_file(session, path, Actor("tracker setup"))
            except LoadError as exc:
                raise click.ClickException(str(exc)) from exc
            click.echo(result.lines()[0])


# --- users --------------------------------------------------------------------------------------------------


@main.group()
def users() -> None:
    """Manage user accounts."""


@users.command("create")
@click.option("--email", required=True, help="Sign-in email address.")
@click.option("--name", "display_name", required=True, help="Name shown in the history.")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True, help="What the user may do.")
@click.option("--organisation", "organisation_slug", help="Organisation slug (required for editor and viewer).")
@click.option(
    "--password-env",
    metavar="VAR",
    help="Read the password from this environment variable (otherwise one is generated and printed).",
)
def users_create(email: str, display_name: str, role: str, organisation_slug: str | None, password_env: str | None):
    """Create a user account."""
    from tracker.accounts.passwords import generate_password
    from tracker.accounts.services import create_user
    from tracker.audit.services import Actor
    from tracker.inputs import InputError
    from tracker.organisations.services import get_by_slug, similar_slugs

    settings = _settings()
    if password_env:
        password = os.environ.get(password_env, "")
        if not password:
            raise click.ClickException(f"The environment variable {password_env} is empty or not set")
        generated = False
    else:
        password, generated = generate_password(), True
    with _session(settings) as session:
        organisation = None
        if organisation_slug:
            organisation = get_by_slug(session, organisation_slug)
            if organisation is None:
                close = similar_slugs(session, organisation_slug)
                hint = f"; did you mean {' or '.join(repr(s) for s in close)}?" if close else ""
                raise click.ClickException(f"No organisation has the slug {organisation_slug!r}{hint}")
        try:
            user = create_user(
                session,
                email=email,
                display_name=display_name,
                role=Role(role),
                password=password,
                organisation=organisation,
                actor=Actor("tracker users create"),
            )
        except InputError as exc:
            raise click.ClickException(exc.message) from exc
        session.commit()
        click.echo(f"Created {user.email} ({user.role.label}).")
    if generated:
        click.echo(f"Password: {password}")


# --- reports ----------------------------------------------------------------------------------------------


@main.command("report")
@click.option(
    "--output", "output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="File to write."
)
@click.option("--period", "period_name", help="Name of a frozen reporting period (default: the current state).")
@click.option("--format", "fmt", type=click.Choice(["pdf", "html"]), help="Default: from the file's extension.")
def report(output: Path, period_name: str | None, fmt: str | None) -> None:
    """Write the national progress report as PDF or HTML.

    For a frozen period the report is the same every time it is generated.
    """
    from sqlmodel import select

    from tracker.reports.models import ReportingPeriod
    from tracker.reports.progress_report import build_report, render_html, render_pdf

    fmt = fmt or ("html" if output.suffix.lower() in (".html", ".htm") else "pdf")
    settings = _settings()
    with _session(settings) as session:
        period = None
        if period_name:
            period = session.exec(select(ReportingPeriod).where(ReportingPeriod.name == period_name)).first()
            if period is None:
                raise click.ClickException(f"No reporting period is called {period_name!r}")
        try:
            data = build_report(session, period, stale_days=settings.stale_update_days)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
        content = render_pdf(data) if fmt == "pdf" else render_html(data).encode()
    output.write_bytes(content)
    click.echo(f"Wrote {output} ({fmt.upper()}, {len(content):,} bytes): {data.period_name}.")


# --- reminders --------------------------------------------------------------------------------------------


@main.command("check")
def check() -> None:
    """Check this deployment before serving: settings, database, upload folder, mail, backups, reference data.

    One line per check (ok or FAIL, and why); exit 1 if any check fails.
    """
    from tracker.checks import run_checks

    failed = 0
    for result in run_checks(dict(os.environ)):
        click.echo(result.line())
        failed += not result.ok
    if failed:
        click.echo(f"{failed} check(s) failed.")
        sys.exit(1)
    click.echo("Every check passed.")


@main.command("remind")
@click.option("--dry-run", is_flag=True, help="Print what would be sent, without sending or recording it.")
@click.option("--today", "today_text", metavar="DATE", help="Pretend it is this day (e.g. 27/03/2025).")
def remind(dry_run: bool, today_text: str | None) -> None:
    """E-mail today's reminders: a digest to each organisation's editors, a summary to coordinators.

    Safe to run daily from cron: nothing is sent twice to anyone for the same day. SMTP settings come from
    SMTP_HOST, SMTP_PORT, SMTP_USER, SMTP_PASSWORD, SMTP_STARTTLS and MAIL_FROM.
    """
    import datetime as dt

    from tracker.reports.reminders import MailNotConfigured, send_reminders
    from tracker.timeutil import DateParseError, parse_uk_date

    settings = _settings()
    try:
        today = (parse_uk_date(today_text) if today_text else None) or dt.date.today()
    except DateParseError as exc:
        raise click.ClickException(str(exc)) from exc
    with _session(settings) as session:
        try:
            reminders = send_reminders(session, settings, today, dry_run=dry_run)
        except MailNotConfigured as exc:
            raise click.ClickException(str(exc)) from exc
        except OSError as exc:
            raise click.ClickException(f"The mail server could not be reached: {exc}") from exc
    verb = "Would send" if dry_run else "Sent"
    click.echo(f"{verb} {len(reminders)} reminder(s).")
    for reminder in reminders:
        click.echo(f"  {reminder.recipient}: {reminder.subject}")
        if dry_run:
            click.echo("    " + reminder.body.replace("\n", "\n    "))


# --- backups ----------------------------------------------------------------------------------------------


@main.command("backup")
@click.option(
    "--output",
    required=True,
    type=click.Path(path_type=Path),
    help="The archive to write, or a folder to write tracker-backup-<time>.tar into.",
)
def backup_command(output: Path) -> None:
    """Back up the database and the upload folder into one archive (with every file's sha256).

    SQLite is copied with its online backup API while the app keeps serving; PostgreSQL with pg_dump
    (custom format), which must be on PATH.
    """
    from tracker.backup import BackupError, backup

    try:
        result = backup(_settings(), output)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Wrote {result.path} ({result.database} database and {result.files} file(s), {result.bytes:,} bytes).")


@main.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that holds data and the files in the upload folder.")
def restore_command(archive: Path, force: bool) -> None:
    """Restore the database and the upload folder from ARCHIVE (made by `tracker backup`).

    Every file's sha256 is checked before anything is changed. Refuses to overwrite a database with data or
    an upload folder with files unless --force. Stop the app while restoring.
    """
    from tracker.backup import BackupError, restore

    try:
        result = restore(_settings(), archive, force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"Restored the {result.database} database and {result.files} file(s) from the backup of {result.created_at}."
    )


# --- serving ------------------------------------------------------------------------------------------------


@main.command("serve")
@click.option("--host", help="Interface to listen on (default HOST or 127.0.0.1).")
@click.option("--port", type=int, help="Port (default PORT or 8000).")
@click.option("--workers", type=int, default=1, show_default=True, help="Worker processes.")
def serve(host: str | None, port: int | None, workers: int) -> None:
    """Serve the app with uvicorn (the production server)."""
    import uvicorn

    from tracker.web import observability

    settings = _settings()
    with _session(settings):
        pass  # refuses to start on an unmigrated database, with the command to run
    host, port = host or settings.host, port or settings.port
    # Every worker builds its settings from the environment: it then links to this address (without PUBLIC_URL).
    os.environ.update(HOST=host, PORT=str(port))
    observability.configure_logging(settings)
    uvicorn.run(
        "tracker.app:create_server_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        # X-Forwarded-* only from the proxies TRUSTED_PROXIES names (uvicorn would otherwise believe 127.0.0.1),
        # so the access log shows the address the app throttles sign-in by (tracker.web.client_address).
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=",".join(settings.trusted_proxies) or None,
        log_level="info",
        # The app's request log (one structured line with the request id, tracker.web.observability) replaces
        # uvicorn's access log, which writes raw addresses with their query strings; uvicorn's other lines go
        # through the app's logging too.
        access_log=False,
        log_config=None,
    )


main.add_command(translations)

if __name__ == "__main__":
    main()
