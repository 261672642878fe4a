"""The `tracker` command line: every command has help, takes DATABASE_URL, and fails clearly."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlmodel import select

from tests.support.database import ORGANISATIONS_FILE, STALKING_FILE
from tests.support.factories import SMALL_ORGANISATIONS, SMALL_SET, write
from tests.support.report_documents import (
    CC,
    CONTENT,
    PCC,
    SPARSE_CONTENT,
    TEXT_2,
    html_document,
    pasted_text,
    pdf_document,
)
from tracker.accounts.models import User
from tracker.accounts.passwords import verify_password
from tracker.cli import main
from tracker.recommendations import report_cli
from tracker.recommendations.models import Recommendation
from tracker.vocabulary import Provenance, Role

# Real commits: the CLI opens its own engine on the database (DATABASE_URL).
pytestmark = pytest.mark.commits


COMMANDS = [
    [],
    ["db"],
    ["db", "upgrade"],
    ["db", "downgrade"],
    ["db", "current"],
    ["load"],
    ["load-report"],
    ["demo"],
    ["setup"],
    ["users"],
    ["users", "create"],
    ["serve"],
    ["report"],
    ["remind"],
    ["check"],
]


@pytest.fixture
def run(database_url, engine, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("UPLOAD_DIR", str(tmp_path / "uploads"))
    monkeypatch.setenv("TRACKER_DEMO_PASSWORD", "cli-demo-password")
    runner = CliRunner()

    def run(*args: str, **kwargs):
        return runner.invoke(main, list(args), catch_exceptions=False, **kwargs)

    return run


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "tracker")
def test_every_command_has_help(command):
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output


def test_load_reports_what_it_did_and_is_idempotent(run, session):
    first = run("load", str(ORGANISATIONS_FILE), str(STALKING_FILE))
    assert first.exit_code == 0, first.output
    assert "29" not in first.output or "created" in first.output
    assert session.exec(select(Recommendation).where(Recommendation.number == "29")).first() is not None
    second = run("load", str(ORGANISATIONS_FILE), str(STALKING_FILE))
    assert second.exit_code == 0
    assert "0 were created, 0 were changed" in second.output


def test_load_dry_run_saves_nothing(run, session):
    result = run("load", "--dry-run", str(ORGANISATIONS_FILE))
    assert result.exit_code == 0
    assert "would be created" in result.output
    assert session.exec(select(User)).first() is None


def test_a_bad_file_fails_with_its_problems(run, tmp_path):
    bad = write(tmp_path, "orgs.yaml", SMALL_ORGANISATIONS.replace("region: wales}", "region: narnia}", 1))
    result = run("load", str(bad))
    assert result.exit_code == 1
    assert "unknown region 'narnia'" in result.output
    assert "orgs.yaml:" in result.output


def _report_number_2(session):
    session.rollback()  # a fresh read: the command committed through its own engine
    return session.exec(select(Recommendation).where(Recommendation.number == "2")).one()


def test_load_report_dry_runs_then_confirms_the_set_against_the_document_once(run, session, tmp_path):
    orgs, small_set = write(tmp_path, "orgs.yaml", SMALL_ORGANISATIONS), write(tmp_path, "set.yaml", SMALL_SET)
    assert run("load", str(orgs), str(small_set)).exit_code == 0
    run("users", "create", "--email", "admin@example.org", "--name", "Fictional Admin", "--role", "admin")
    report = tmp_path / "report.txt"
    report.write_text(pasted_text(), encoding="utf-8")
    dry = run("load-report", str(report), "--set", "test-report", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "3 recommendations found, 3 would change" in dry.output
    assert f"Wording: none -> {TEXT_2} (from page 2, under “Recommendations for chief constables”)" in dry.output
    assert _report_number_2(session).text is None
    refused = run("load-report", str(report), "--set", "test-report")
    assert refused.exit_code == 1 and "--by EMAIL" in refused.output
    unknown = run("load-report", str(report), "--set", "no-such-set", "--dry-run")
    assert unknown.exit_code == 1 and "There is no recommendation set 'no-such-set'" in unknown.output
    assert run("load-report", str(report), "--dry-run").exit_code == 2  # usage: --set is required
    assert run("load-report", str(report), "--set", "test-report", "--by", "a@example.org", "--no").exit_code == 2
    # Without --yes and without a terminal to ask at: what it would change is printed, and nothing is saved.
    unasked = run("load-report", str(report), "--set", "test-report", "--by", "admin@example.org")
    assert unasked.exit_code == 1, unasked.output
    assert "3 recommendations found, 3 would change" in unasked.output
    assert "Nothing was saved: review what the document would change with --dry-run, then pass --yes" in (
        unasked.output
    )
    assert _report_number_2(session).text is None
    applied = run("load-report", str(report), "--set", "test-report", "--by", "admin@example.org", "--yes")
    assert applied.exit_code == 0, applied.output
    assert "Saved 3 new versions" in applied.output
    two = _report_number_2(session)
    assert (two.text, two.provenance, two.confirmed_by_label) == (TEXT_2, Provenance.CONFIRMED, "Fictional Admin")
    again = run("load-report", str(report), "--set", "test-report", "--by", "admin@example.org")
    assert again.exit_code == 0, again.output  # nothing to change: nothing to confirm
    assert "0 would change" in again.output and "Saved 0 new versions" in again.output


def test_load_report_prints_the_guesses_worth_a_look_per_recommendation(run, session, tmp_path):
    orgs, small_set = write(tmp_path, "orgs.yaml", SMALL_ORGANISATIONS), write(tmp_path, "set.yaml", SMALL_SET)
    assert run("load", str(orgs), str(small_set)).exit_code == 0
    content = [
        *CONTENT[:5],
        (PCC, None),
        (PCC, "3. Police and crime commissioners and the Home Office should fund the"),  # a bare number, and
        (PCC, "fictional helpline."),  # a wording the layout broke into two paragraphs
    ]
    report = tmp_path / "report.html"
    report.write_bytes(html_document(content))
    dry = run("load-report", str(report), "--set", "test-report", "--dry-run")
    assert dry.exit_code == 0, dry.output
    two = dry.output.split("\n  2 (")[1].split("\n  3 (")[0]
    assert "Check: the set holds no wording for 2 yet, so nothing to compare the document's wording with" in two
    assert "Check: the deadline is read from the words “by 27/03/25” in the wording" in two
    assert f"Check: the addressees are read from the heading “{CC}”, not from the wording" in two
    three = dry.output.split("\n  3 (")[1]
    assert "Check: the wording runs on over 2 paragraphs of the document" in three
    assert "Check: found by a bare number (“3.”), not “Recommendation 3”" in three
    one = dry.output.split("\n  1 (")[1].split("\n  2 (")[0]
    assert "Check: the deadline is read from the words “By 27 March 2025” in the wording" in one


def test_load_report_says_why_the_account_named_cannot_apply(run, session, tmp_path):
    """Outsider pass 8, finding 12: --by naming an editor answered "Name the admin account …: --by EMAIL"."""
    orgs, small_set = write(tmp_path, "orgs.yaml", SMALL_ORGANISATIONS), write(tmp_path, "set.yaml", SMALL_SET)
    assert run("load", str(orgs), str(small_set)).exit_code == 0
    run(
        "users",
        "create",
        "--email",
        "coordinator@example.org",
        "--name",
        "Fictional Coordinator",
        "--role",
        "coordinator",
    )
    report = tmp_path / "report.txt"
    report.write_text(pasted_text(), encoding="utf-8")
    base = ("load-report", str(report), "--set", "test-report", "--yes")
    not_admin = run(*base, "--by", "Coordinator@example.org")
    assert not_admin.exit_code == 1
    assert "coordinator@example.org is not an admin account (its role is NPCC coordinator)" in not_admin.output
    nobody = run(*base, "--by", "nobody@example.org")
    assert nobody.exit_code == 1 and "There is no account with the email address nobody@example.org" in nobody.output
    assert _report_number_2(session).text is None


def test_load_report_counts_in_the_singular(run, session, tmp_path):
    """Outsider pass 8, finding 12: "1 recommendations found", "Saved 1 new version(s)"."""
    orgs, small_set = write(tmp_path, "orgs.yaml", SMALL_ORGANISATIONS), write(tmp_path, "set.yaml", SMALL_SET)
    assert run("load", str(orgs), str(small_set)).exit_code == 0
    run("users", "create", "--email", "admin@example.org", "--name", "Fictional Admin", "--role", "admin")
    report = tmp_path / "report.html"
    report.write_bytes(html_document(SPARSE_CONTENT))
    applied = run("load-report", str(report), "--set", "test-report", "--by", "admin@example.org", "--yes")
    assert applied.exit_code == 0, applied.output
    assert "1 recommendation found, 1 would change." in applied.output
    assert "Saved 1 new version; 0 new obligations" in applied.output
    twice = tmp_path / "twice.html"
    twice.write_bytes(html_document([*SPARSE_CONTENT, (PCC, "Recommendation 1: Fictional other wording.")]))
    refused = run("load-report", str(twice), "--set", "test-report", "--dry-run")
    assert refused.exit_code == 1 and "nothing changed, 1 problem:" in refused.output


@pytest.mark.parametrize(("answer", "saved"), [("n\n", False), ("y\n", True)])
def test_load_report_asks_before_saving_at_a_terminal(run, session, tmp_path, monkeypatch, answer, saved):
    orgs, small_set = write(tmp_path, "orgs.yaml", SMALL_ORGANISATIONS), write(tmp_path, "set.yaml", SMALL_SET)
    assert run("load", str(orgs), str(small_set)).exit_code == 0
    run("users", "create", "--email", "admin@example.org", "--name", "Fictional Admin", "--role", "admin")
    report = tmp_path / "report.txt"
    report.write_text(pasted_text(), encoding="utf-8")
    monkeypatch.setattr(report_cli, "_at_a_terminal", lambda: True)
    result = run("load-report", str(report), "--set", "test-report", "--by", "admin@example.org", input=answer)
    assert "Save these 3 recommendations as confirmed against the report?" in result.output
    assert result.exit_code == (0 if saved else 1), result.output
    assert (_report_number_2(session).text == TEXT_2) is saved


def test_load_report_refuses_a_scanned_pdf_and_changes_nothing(run, session, tmp_path):
    orgs, small_set = write(tmp_path, "orgs.yaml", SMALL_ORGANISATIONS), write(tmp_path, "set.yaml", SMALL_SET)
    assert run("load", str(orgs), str(small_set)).exit_code == 0
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(pdf_document(with_text=False))
    result = run("load-report", str(scan), "--set", "test-report", "--dry-run")
    assert result.exit_code == 1 and "The PDF has no text" in result.output
    assert _report_number_2(session).version == 1


def test_users_create_with_a_password_from_the_environment(run, session, monkeypatch):
    run("load", str(ORGANISATIONS_FILE))
    monkeypatch.setenv("NEW_PASSWORD", "a-sufficiently-long-password")
    result = run(
        "users",
        "create",
        "--email",
        "Lead@Example.org",
        "--name",
        "Force lead",
        "--role",
        "editor",
        "--organisation",
        "kent",
        "--password-env",
        "NEW_PASSWORD",
    )
    assert result.exit_code == 0, result.output
    user = session.exec(select(User)).one()
    assert user.email == "lead@example.org" and user.role is Role.EDITOR
    assert verify_password(user.password_hash, "a-sufficiently-long-password")
    assert "a-sufficiently-long-password" not in result.output


def test_users_create_generates_and_prints_a_password(run, session):
    result = run("users", "create", "--email", "admin@example.org", "--name", "Admin", "--role", "admin")
    assert result.exit_code == 0
    password = result.output.split("Password: ")[1].strip()
    assert verify_password(session.exec(select(User)).one().password_hash, password)


def test_users_create_explains_what_is_wrong(run):
    run("load", str(ORGANISATIONS_FILE))
    no_org = run("users", "create", "--email", "v@example.org", "--name", "V", "--role", "viewer")
    assert no_org.exit_code == 1 and "must belong to an organisation" in no_org.output
    bad_org = run(
        "users", "create", "--email", "v@example.org", "--name", "V", "--role", "viewer", "--organisation", "atlantis"
    )
    assert bad_org.exit_code == 1 and "No organisation has the slug 'atlantis'" in bad_org.output
    wrong_org = run(
        "users", "create", "--email", "i@example.org", "--name", "I", "--role", "inspector", "--organisation", "kent"
    )
    assert wrong_org.exit_code == 1 and "Kent Police" in wrong_org.output and "HMICFRS" in wrong_org.output


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [
        ("kentt", "'kent'"),
        ("Kent Police", "'kent'"),
        ("west-midland", "'west-midlands'"),
        ("Metropolitan Police", "'metropolitan'"),
    ],
)
def test_users_create_with_a_wrong_slug_suggests_the_closest_organisations(run, session, typed, suggested):
    run("load", str(ORGANISATIONS_FILE))
    result = run(
        "users", "create", "--email", "v@example.org", "--name", "V", "--role", "viewer", "--organisation", typed
    )
    assert result.exit_code == 1
    assert f"No organisation has the slug {typed!r}; did you mean {suggested}" in result.output
    assert session.exec(select(User)).first() is None


def test_setup_loads_everything_once_and_prints_the_demo_accounts(run, session):
    first = run("setup")
    assert first.exit_code == 0, first.output
    assert "editor@demo.example.org" in first.output and "cli-demo-password" in first.output
    second = run("setup")
    assert second.exit_code == 0
    assert "already loaded" in second.output
    assert session.exec(select(User).where(User.role == Role.ADMIN)).one().is_demo


def test_db_current_says_whether_the_database_is_migrated(run):
    result = run("db", "current")
    assert result.exit_code == 0 and "latest:" in result.output


def test_commands_refuse_an_unmigrated_database(run, scratch_database_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", scratch_database_url)
    result = run("load", str(ORGANISATIONS_FILE))
    assert result.exit_code == 1
    assert "tracker db upgrade" in result.output


def test_serve_links_to_the_address_it_listens_on(run, monkeypatch):
    """Finding N8: `tracker serve --port 8133` without PUBLIC_URL links to http://127.0.0.1:8133, in every worker."""
    import uvicorn

    from tracker.settings import Settings

    seen: dict[str, str] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: seen.update(public_url=Settings.from_env().public_url))
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    monkeypatch.setenv("HOST", "127.0.0.1")
    monkeypatch.setenv("PORT", "8000")  # restored afterwards: serve passes its own address on to the workers
    run("serve", "--port", "8133")
    assert seen == {"public_url": "http://127.0.0.1:8133"}
    monkeypatch.setenv("PUBLIC_URL", "https://tracker.example.org")
    run("serve", "--host", "0.0.0.0", "--port", "8134")
    assert seen == {"public_url": "https://tracker.example.org"}
