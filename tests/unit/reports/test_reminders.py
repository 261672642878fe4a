"""Reminder e-mails: who gets what, when, and never twice a day (checked against a local SMTP sink)."""

from __future__ import annotations

import datetime as dt
import socket

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from click.testing import CliRunner

from tests.support.plans import response_of
from tracker.cli import main
from tracker.permissions import Permission
from tracker.plans import services
from tracker.plans.services import load_response
from tracker.reports.reminders import MailNotConfigured, plan_reminders, send_reminders
from tracker.settings import Settings
from tracker.vocabulary import Role

# The small set's recommendation 1 (to chief constables) is due on 27 March 2025.
DEADLINE = dt.date(2025, 3, 27)


class Sink(Message):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list = []

    def handle_message(self, message) -> None:
        self.messages.append(message)


@pytest.fixture
def smtp():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield sink, port
    controller.stop()


@pytest.fixture
def people(small_reference, make_user):
    return {
        "kent": make_user(Role.EDITOR, "kent"),
        "kent viewer": make_user(Role.VIEWER, "kent"),
        "gwent": make_user(Role.EDITOR, "gwent"),
        "coordinator": make_user(Role.COORDINATOR),
        "pcc": make_user(Role.EDITOR, "kent-pcc"),
    }


def mail_settings(settings: Settings, port: int) -> Settings:
    from dataclasses import replace

    return replace(settings, smtp_host="127.0.0.1", smtp_port=port, mail_from="tracker@example.org")


def recipients(reminders) -> dict[str, str]:
    return {r.recipient: r.kind for r in reminders}


def test_nothing_is_due_long_before_the_deadline(session, settings, people):
    assert plan_reminders(session, settings, DEADLINE - dt.timedelta(days=60)) == []


def test_editors_hear_in_the_30_days_before_a_deadline_and_coordinators_only_once_overdue(session, settings, people):
    before = plan_reminders(session, settings, DEADLINE - dt.timedelta(days=10))
    assert recipients(before) == {people["kent"].email: "digest", people["gwent"].email: "digest"}
    assert "Due in the next 30 days" in before[0].body and "Recommendation 1.1" in before[0].body
    after = plan_reminders(session, settings, DEADLINE + dt.timedelta(days=1))
    assert recipients(after) == {
        people["kent"].email: "digest",
        people["gwent"].email: "digest",
        people["coordinator"].email: "coordinator_summary",
    }
    summary = next(r for r in after if r.kind == "coordinator_summary")
    assert "Kent Police: 3" in summary.body and "Gwent Police: 3" in summary.body


def test_finished_work_is_not_chased(session, settings, people):
    editor = people["kent"]
    for number in ("1.1", "1.2"):
        ctx = load_response(session, editor, response_of(session, "kent", number).id, Permission.EDIT_PLAN)
        services.update_response(session, ctx, editor, {"status": "complete", "version": str(ctx.response.version)})
    after = plan_reminders(session, settings, DEADLINE + dt.timedelta(days=1))
    assert people["kent"].email not in recipients(after)


def test_action_target_dates_count_too(session, settings, people):
    editor = people["pcc"]
    ctx = load_response(session, editor, response_of(session, "kent-pcc", "3").id, Permission.EDIT_PLAN)
    services.add_action(session, ctx, editor, {"description": "Commission advocates", "target_date": "01/06/2026"})
    reminders = plan_reminders(session, settings, dt.date(2026, 6, 2))
    pcc = next(r for r in reminders if r.recipient == editor.email)
    assert "Action on recommendation 3: Commission advocates" in pcc.body and "Overdue (1)" in pcc.body


def test_sent_reminders_arrive_and_are_not_sent_twice_a_day(session, settings, people, smtp):
    sink, port = smtp
    configured = mail_settings(settings, port)
    day = DEADLINE + dt.timedelta(days=1)
    sent = send_reminders(session, configured, day)
    assert len(sent) == 3 and len(sink.messages) == 3
    assert {m["To"] for m in sink.messages} == {
        people["kent"].email,
        people["gwent"].email,
        people["coordinator"].email,
    }
    assert send_reminders(session, configured, day) == [] and len(sink.messages) == 3
    assert len(send_reminders(session, configured, day + dt.timedelta(days=1))) == 3, "daily once overdue"


def test_before_the_deadline_reminders_are_weekly(session, settings, people, smtp):
    _, port = smtp
    configured = mail_settings(settings, port)
    first = DEADLINE - dt.timedelta(days=20)
    assert len(send_reminders(session, configured, first)) == 2
    assert send_reminders(session, configured, first + dt.timedelta(days=3)) == []
    assert len(send_reminders(session, configured, first + dt.timedelta(days=7))) == 2


def test_without_a_mail_server_only_a_dry_run_is_possible(session, settings, people):
    day = DEADLINE + dt.timedelta(days=1)
    assert len(send_reminders(session, settings, day, dry_run=True)) == 3
    with pytest.raises(MailNotConfigured):
        send_reminders(session, settings, day)


@pytest.mark.commits  # the command opens its own connection: it must see what the fixtures committed
def test_the_remind_command(database_url, engine, session, people, smtp, monkeypatch):
    sink, port = smtp
    monkeypatch.setenv("DATABASE_URL", database_url)
    dry = CliRunner().invoke(main, ["remind", "--dry-run", "--today", "28/03/2025"])
    assert dry.exit_code == 0, dry.output
    assert "Would send 3 reminder(s)" in dry.output and sink.messages == []
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(port))
    sent = CliRunner().invoke(main, ["remind", "--today", "28/03/2025"])
    assert sent.exit_code == 0 and "Sent 3 reminder(s)" in sent.output and len(sink.messages) == 3
    bad = CliRunner().invoke(main, ["remind", "--today", "someday"])
    assert bad.exit_code == 1 and "not a date" in bad.output


def test_a_bilingual_organisation_s_editors_get_their_digest_in_welsh_then_english(session, settings, people):
    from tracker.organisations.services import get_by_slug

    get_by_slug(session, "gwent").bilingual = True
    session.flush()
    by_recipient = {r.recipient: r for r in plan_reminders(session, settings, DEADLINE + dt.timedelta(days=1))}
    welsh_and_english = by_recipient[people["gwent"].email]
    welsh, english = welsh_and_english.body.split("\n\n----------\n\n")
    assert "Yn hwyr (3):" in welsh and "- Argymhelliad 1 (erbyn 27 Mawrth 2025): " in welsh
    assert "/plan/gwent?lang=cy" in welsh and "?lang=cy" not in english
    assert "Overdue (3):" in english and "- Recommendation 1 (due 27 March 2025): " in english
    assert welsh_and_english.subject == "3 yn hwyr: Gwent Police / 3 overdue: Gwent Police"
    only_english = by_recipient[people["kent"].email]
    assert "----------" not in only_english.body and only_english.subject == "3 overdue: Kent Police"
