"""Reminder e-mails: each organisation's editors get a digest of what is due, coordinators a summary.

Deadlines come from the recommendations (e.g. "by 27 March 2025") and from each action's target date. An
organisation with anything overdue hears daily; one with something due in the next 30 days, weekly. Safe to
run daily from cron: what was sent is recorded, and nothing is sent twice to anyone for the same day.

An organisation that writes in English and Welsh (``Organisation.bilingual``: the Welsh forces and commissioners)
gets its digest in both, Welsh first, from the Welsh catalogue; the others, and the coordinators' summary, in
English (accounts hold no language of their own yet).
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import smtplib
from collections import defaultdict
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from sqlmodel import Session, col, select

from tracker.accounts.models import User
from tracker.db import saved_id
from tracker.organisations.models import Organisation
from tracker.plans.models import Action, Response
from tracker.plans.rules import open_sql
from tracker.recommendations.models import Recommendation
from tracker.reports.models import ReminderSent
from tracker.settings import Settings
from tracker.timeutil import uk_date
from tracker.vocabulary import ActionStatus, Role
from tracker.web.i18n import Catalogues, localise_url, translations_in_use
from tracker.web.i18n import gettext as _

_ENGLISH = gettext.NullTranslations()
WINDOW = dt.timedelta(days=30)
WEEK = dt.timedelta(days=7)
DIGEST, SUMMARY = "digest", "coordinator_summary"


@dataclass
class DueItem:
    response_id: int
    number: str  # the recommendation's
    due: dt.date
    action: str | None = None  # the action's text (what the organisation wrote), for an action's target date

    def overdue(self, today: dt.date) -> bool:
        return self.due < today

    @property
    def what(self) -> str:
        """The item in words, in the language in use."""
        if self.action is None:
            return _("Recommendation %(number)s", number=self.number)
        return _("Action on recommendation %(number)s: %(action)s", number=self.number, action=self.action)


@dataclass
class Reminder:
    recipient: str
    kind: str
    subject: str
    body: str
    organisation_id: int | None = None
    items: list[DueItem] = field(default_factory=list)


class MailNotConfigured(RuntimeError):
    """No SMTP server is set, so reminders can only be shown (--dry-run)."""


def due_items(session: Session, today: dt.date) -> dict[int, list[DueItem]]:
    """Per organisation: unfinished recommendations and actions overdue or due within 30 days."""
    horizon = today + WINDOW
    items: dict[int, list[DueItem]] = defaultdict(list)
    for response, rec in session.exec(
        select(Response, Recommendation)
        .join(Recommendation, col(Recommendation.id) == Response.recommendation_id)
        .where(
            col(Response.required).is_(True),
            open_sql(),
            col(Recommendation.deadline).is_not(None),
            col(Recommendation.deadline) <= horizon,
        )
    ):
        assert rec.deadline is not None  # the query asks for one
        items[response.organisation_id].append(DueItem(saved_id(response), rec.number, rec.deadline))
    for action, response, rec in session.exec(
        select(Action, Response, Recommendation)
        .join(Response, col(Response.id) == Action.response_id)
        .join(Recommendation, col(Recommendation.id) == Response.recommendation_id)
        .where(
            col(Response.required).is_(True),
            Action.status != ActionStatus.COMPLETE,
            col(Action.target_date).is_not(None),
            col(Action.target_date) <= horizon,
        )
    ):
        assert action.target_date is not None  # the query asks for one
        items[response.organisation_id].append(
            DueItem(saved_id(response), rec.number, action.target_date, action.description[:120])
        )
    for org_items in items.values():
        org_items.sort(key=lambda i: (i.due, i.number, i.action or ""))
    return items


def plan_reminders(session: Session, settings: Settings, today: dt.date) -> list[Reminder]:
    """Every reminder that is due today and has not been sent today."""
    sent_today = {
        (r.recipient, r.kind) for r in session.exec(select(ReminderSent).where(ReminderSent.sent_on == today))
    }
    sent_this_week = {
        r.recipient
        for r in session.exec(
            select(ReminderSent).where(ReminderSent.kind == DIGEST, col(ReminderSent.sent_on) > today - WEEK)
        )
    }
    items = due_items(session, today)
    organisations = {saved_id(o): o for o in session.exec(select(Organisation).where(col(Organisation.id).in_(items)))}
    editors: dict[int | None, list[User]] = defaultdict(list)
    for user in session.exec(
        select(User)
        .where(
            User.role == Role.EDITOR,
            col(User.is_active).is_(True),
            col(User.organisation_id).in_(items),
        )
        .order_by(User.email)
    ):
        editors[user.organisation_id].append(user)
    reminders: list[Reminder] = []
    overdue_by_org: dict[int, int] = {}
    for org_id in sorted(items, key=lambda i: organisations[i].name):
        org_items = items[org_id]
        overdue = [i for i in org_items if i.overdue(today)]
        if overdue:
            overdue_by_org[org_id] = len(overdue)
        for user in editors.get(org_id, []):
            if (user.email, DIGEST) in sent_today:
                continue
            if not overdue and user.email in sent_this_week:
                continue  # only weekly while nothing is overdue
            reminders.append(_digest(settings, organisations[org_id], user.email, org_items, today))
    if overdue_by_org:
        for user in session.exec(
            select(User)
            .where(User.role == Role.COORDINATOR, User.is_active == True)  # noqa: E712
            .order_by(User.email)
        ):
            if (user.email, SUMMARY) not in sent_today:
                reminders.append(_summary(settings, user.email, overdue_by_org, organisations, today))
    return reminders


def _digest(
    settings: Settings, organisation: Organisation, recipient: str, items: list[DueItem], today: dt.date
) -> Reminder:
    """The digest in English, or in Welsh and English for a bilingual organisation."""
    languages = [_catalogues(settings.translations_dir).translations("cy")] if organisation.bilingual else []
    subjects, bodies = [], []
    for translations in [*languages, _ENGLISH]:
        with translations_in_use(translations):
            subject, body = _digest_text(settings, organisation, items, today)
        subjects.append(subject)
        bodies.append(body)
    return Reminder(recipient, DIGEST, " / ".join(subjects), "\n\n----------\n\n".join(bodies), organisation.id, items)


@functools.cache
def _catalogues(directory: Path) -> Catalogues:
    return Catalogues.load(directory)


def _digest_text(
    settings: Settings, organisation: Organisation, items: list[DueItem], today: dt.date
) -> tuple[str, str]:
    """The digest's subject and body in the language in use."""
    overdue = [i for i in items if i.overdue(today)]
    upcoming = [i for i in items if not i.overdue(today)]
    lines = [_("Stalking recommendations tracker: what is due for %(name)s", name=organisation.name), ""]
    if overdue:
        lines += [_("Overdue (%(n)s):", n=len(overdue))] + [_line(settings, i) for i in overdue] + [""]
    if upcoming:
        lines += [_("Due in the next 30 days (%(n)s):", n=len(upcoming))]
        lines += [_line(settings, i) for i in upcoming] + [""]
    plan_url = localise_url(f"/plan/{organisation.slug}")
    lines += [
        _("Your action plan: %(url)s", url=f"{settings.public_url}{plan_url}"),
        _("You get this because you are an editor of this organisation's plan."),
    ]
    count = _("%(n)s overdue", n=len(overdue)) if overdue else _("%(n)s due soon", n=len(upcoming))
    return f"{count}: {organisation.name}", "\n".join(lines)


def _summary(
    settings: Settings,
    recipient: str,
    overdue_by_org: dict[int, int],
    organisations: dict[int, Organisation],
    today: dt.date,
) -> Reminder:
    ranked = sorted(overdue_by_org.items(), key=lambda kv: (-kv[1], organisations[kv[0]].name))
    lines = [f"Overdue items by organisation on {uk_date(today)}:", ""]
    lines += [f"- {organisations[org].name}: {n}" for org, n in ranked]
    lines += ["", f"National oversight: {settings.public_url}/oversight"]
    return Reminder(recipient, SUMMARY, f"{len(ranked)} organisations have overdue items", "\n".join(lines))


def _line(settings: Settings, item: DueItem) -> str:
    url = f"{settings.public_url}{localise_url(f'/plan/responses/{item.response_id}')}"
    return "- " + _("%(what)s (due %(date)s): %(url)s", what=item.what, date=uk_date(item.due), url=url)


def send_reminders(session: Session, settings: Settings, today: dt.date, *, dry_run: bool = False) -> list[Reminder]:
    """Send today's reminders (or only list them), recording each one as it goes."""
    reminders = plan_reminders(session, settings, today)
    if dry_run or not reminders:
        return reminders
    if not settings.smtp_host:
        raise MailNotConfigured("Set SMTP_HOST (and MAIL_FROM) to send reminders, or use --dry-run to see them")
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password or "")
        for reminder in reminders:
            message = EmailMessage()
            message["From"], message["To"], message["Subject"] = (
                settings.mail_from,
                reminder.recipient,
                reminder.subject,
            )
            message.set_content(reminder.body)
            smtp.send_message(message)
            # Recorded one by one, so a run that stops half way never sends the first ones again today.
            session.add(
                ReminderSent(
                    recipient=reminder.recipient,
                    kind=reminder.kind,
                    organisation_id=reminder.organisation_id,
                    sent_on=today,
                )
            )
            session.commit()
    return reminders
