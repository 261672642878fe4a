"""``tracker load-report``: confirm a recommendation set against the report document from the command line."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tracker.cli_session import console, recommendation_set, session_of, settings_from_env
from tracker.vocabulary import Role
from tracker.web.i18n import ngettext

if TYPE_CHECKING:
    from sqlmodel import Session

    from tracker.accounts.models import User


@click.command("load-report")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--set", "set_slug", required=True, help="The recommendation set the report document confirms.")
@click.option("--dry-run", is_flag=True, help="Show what the document says and would change, without saving.")
@click.option("--by", "by_email", help="The email address of the admin account that checked it (to apply).")
@click.option("--yes", is_flag=True, help="Save without asking (required where there is no terminal to ask at).")
def load_report(file: Path, set_slug: str, dry_run: bool, by_email: str | None, yes: bool) -> None:
    """Confirm a set against the report document FILE (HTML page, PDF, or pasted text).

    Finds the numbered recommendations, their sub-recommendations, deadlines and addressees, and prints, per
    recommendation, what would change and what the reading guessed ("Check: …"). Without --dry-run it then saves
    each changed recommendation as a new version confirmed against the report, naming the document, taking every
    field the document gives: at a terminal after asking, elsewhere only with --yes. Loading the same document
    again changes nothing. Use the admin screen to correct or leave out single fields before applying.
    """
    from tracker.inputs import InputError  # here, as every command's imports (tracker.cli)
    from tracker.recommendations.report_apply import apply_review, describe, review
    from tracker.recommendations.report_text import ReportDocumentError, read_document

    settings = settings_from_env()
    with session_of(settings) as session:
        rec_set = recommendation_set(session, set_slug)
        user = None if dry_run else _admin(session, by_email)
        try:
            checked = review(session, read_document(file.read_bytes(), file.name), rec_set)
        except ReportDocumentError as exc:
            count = len(exc.problems)
            problems = ngettext("%(num)s problem", "%(num)s problems", count)
            # soft_wrap: a long path never breaks the sentence across lines
            console().print(f"[red]{file}: nothing changed, {problems}:[/red]", soft_wrap=True)
            for problem in exc.problems:
                click.echo(f"  {problem}", err=True)
            sys.exit(1)
        for line in describe(checked):
            click.echo(line)
        if user is None:
            return
        if checked.changes and not yes and not _confirmed(len(checked.changes)):
            sys.exit(1)
        try:
            applied = apply_review(session, checked, user)
        except InputError as exc:
            session.rollback()
            raise click.ClickException("; ".join(f"{k}: {v}" for k, v in exc.errors.items())) from exc
        saved = ngettext("Saved %(num)s new version", "Saved %(num)s new versions", len(applied.versions))
        click.echo(f"{saved}; {applied.obligations.summary()}")


def _admin(session: Session, email: str | None) -> User:
    """The admin account ``--by`` names; a ``ClickException`` saying why when it names none or another role's."""
    from sqlmodel import select

    from tracker.accounts.models import User

    if not email or not email.strip():
        raise click.ClickException("Name the admin account that checked the document: --by EMAIL")
    address = email.strip().lower()
    user = session.exec(select(User).where(User.email == address)).first()
    if user is None:
        raise click.ClickException(
            f"There is no account with the email address {address}: name the admin account that checked the "
            "document with --by EMAIL"
        )
    if user.role is not Role.ADMIN:
        raise click.ClickException(
            f"{address} is not an admin account (its role is {user.role.label}): name the admin account that "
            "checked the document with --by EMAIL"
        )
    return user


def _at_a_terminal() -> bool:
    return sys.stdin.isatty()


def _confirmed(count: int) -> bool:
    """Whether the person at the terminal agrees to save ``count`` recommendations; without a terminal, no."""
    if not _at_a_terminal():
        click.echo(
            "Nothing was saved: review what the document would change with --dry-run, then pass --yes to save it "
            "without a prompt.",
            err=True,
        )
        return False
    question = ngettext(
        "Save this %(num)s recommendation as confirmed against the report?",
        "Save these %(num)s recommendations as confirmed against the report?",
        count,
    )
    if click.confirm(question, default=False):
        return True
    click.echo("Nothing was saved.", err=True)
    return False
