"""Reporting periods for coordinators: open one, freeze it at its cut-off, compare two, chase missing updates."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from litestar import Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlmodel import Session, col, select

from tracker.audit.services import Actor
from tracker.cells import csv_bytes
from tracker.inputs import InputError
from tracker.organisations.models import Organisation
from tracker.permissions import Permission, can
from tracker.plans.services import actor_for
from tracker.recommendations.models import Recommendation
from tracker.reports.models import ReportingPeriod, Snapshot
from tracker.reports.narrative.models import ReportDraft
from tracker.reports.services import (
    LATE_FREEZE_WARNING,
    UNFREEZE_WINDOW,
    PeriodError,
    can_unfreeze,
    check_period,
    compare_periods,
    freeze_period,
    missing_updates,
    open_period,
    unfreeze_deadline,
    unfreeze_period,
    update_window,
)
from tracker.timeutil import LONDON, utc_now
from tracker.vocabulary import PeriodStatus, ReportStatus, ResponseStatus
from tracker.web.forms import Form, FormData
from tracker.web.guards import SignedInPages, needs
from tracker.web.handler_types import AnyRequest, Db
from tracker.web.i18n import gettext as _
from tracker.web.templating import page


def _period(db: Session, period_id: int) -> ReportingPeriod:
    period = db.get(ReportingPeriod, period_id)
    if period is None:
        raise NotFoundException()
    return period


def _confirmation(
    db: Session, period_id: int, data: FormData, box: str, unticked: Callable[[str], str]
) -> tuple[ReportingPeriod, Form]:
    """The period and the submitted form, with ``unticked(period name)`` beside ``box`` unless it was ticked."""
    period = _period(db, period_id)
    form = Form.of(data)
    if form.get(box) != "yes":
        form.error(box, unticked(period.name))
    return period, form


def _stale_days(request: AnyRequest) -> int:
    """The dashboard's "no recent update" days, the first period's window for missing updates."""
    return int(request.app.state.settings.stale_update_days)


def _carried_out(
    request: AnyRequest,
    db: Session,
    period: ReportingPeriod,
    form: Form,
    field: str,
    change: Callable[[Session, ReportingPeriod, Actor], object],
) -> Redirect | None:
    """Freeze or unfreeze a period and go back to it; None, with the reason beside ``field``, if refused."""
    try:
        change(db, period, actor_for(request.user))
        db.commit()
    except PeriodError as exc:
        db.rollback()
        form.error(field, str(exc))
        return None
    return Redirect(request.app.route_reverse("periods:show", period_id=period.id), status_code=303)


class PeriodController(SignedInPages):
    path = "/oversight/periods"
    opt = needs(Permission.VIEW_OVERSIGHT)

    def _list(self, request: AnyRequest, db: Session, form: Form, status_code: int = 200) -> Template:
        periods = list(db.exec(select(ReportingPeriod).order_by(col(ReportingPeriod.cut_off).desc())))
        frozen = [p for p in periods if p.status is PeriodStatus.FROZEN]
        return page(
            request,
            "reports/periods.html",
            status_code=status_code,
            periods=periods,
            frozen=frozen,
            form=form,
            can_run=can(request.user, Permission.RUN_REPORTING),
            error_title=bool(form.errors),
        )

    @get("/", sync_to_thread=True, name="periods:index")
    def index(self, request: AnyRequest, db: Db) -> Template:
        return self._list(request, db, Form())

    @post("/", sync_to_thread=True, name="periods:open", opt=needs(Permission.RUN_REPORTING))
    def open(self, request: AnyRequest, db: Db, data: FormData) -> Any:
        form = Form.of(data)
        name, cut_off = form.get("name"), form.get("cut_off")
        try:
            if form.ok:
                period = open_period(db, name=name, cut_off=cut_off, actor=actor_for(request.user))
                db.commit()
                return Redirect(request.app.route_reverse("periods:show", period_id=period.id), status_code=303)
            check_period(name, cut_off)  # a control character was refused as read: say the other faults too
        except InputError as exc:
            db.rollback()
            for field, message in exc.errors.items():
                form.error(field, message)
        return self._list(request, db, form, status_code=422)

    @get("/{period_id:int}", sync_to_thread=True, name="periods:show")
    def show(self, request: AnyRequest, db: Db, period_id: FromPath[int]) -> Template:
        return self._show(request, db, _period(db, period_id), Form())

    def _show(
        self, request: AnyRequest, db: Session, period: ReportingPeriod, form: Form, status_code: int = 200
    ) -> Template:
        counts: dict[str, dict[ResponseStatus, int]] = {}
        if period.status is PeriodStatus.FROZEN:
            rows = db.exec(
                select(Recommendation.number, col(Snapshot.status))
                .join(Recommendation, col(Recommendation.id) == Snapshot.recommendation_id)
                .where(Snapshot.period_id == period.id, col(Recommendation.parent_id).is_(None))
                .order_by(col(Recommendation.position))
            )
            for number, status in rows:
                counts.setdefault(number, dict.fromkeys(ResponseStatus, 0))[status] += 1
        drafts = list(db.exec(select(ReportDraft).where(ReportDraft.period_id == period.id)))
        return page(
            request,
            "reports/period.html",
            status_code=status_code,
            period=period,
            counts=counts,
            statuses=list(ResponseStatus),
            missing=missing_updates(db, period, _stale_days(request)),
            window=update_window(db, period, _stale_days(request)),
            can_run=can(request.user, Permission.RUN_REPORTING),
            can_unfreeze=can(request.user, Permission.UNFREEZE_PERIOD)
            and can_unfreeze(period)
            and not any(d.status is ReportStatus.PUBLISHED for d in drafts),
            reviewed_reports=[d for d in drafts if d.status in (ReportStatus.SUBMITTED, ReportStatus.APPROVED)],
            unfreeze_deadline=unfreeze_deadline(period),
            form=form,
            error_title=bool(form.errors),
        )

    def _confirm_freeze(
        self, request: AnyRequest, period: ReportingPeriod, form: Form, status_code: int = 200
    ) -> Template:
        today = utc_now().astimezone(LONDON).date()
        days_early = (period.cut_off - today).days
        return page(
            request,
            "reports/freeze_confirm.html",
            status_code=status_code,
            period=period,
            today=today,
            days_early=max(days_early, 0),
            days_late=max(-days_early, 0),
            late_warning_days=LATE_FREEZE_WARNING.days,
            unfreeze_days=UNFREEZE_WINDOW.days,
            form=form,
            error_title=bool(form.errors),
        )

    @get(
        "/{period_id:int}/freeze", sync_to_thread=True, name="periods:freeze-form", opt=needs(Permission.RUN_REPORTING)
    )
    def freeze_form(self, request: AnyRequest, db: Db, period_id: FromPath[int]) -> Template | Redirect:
        """Freezing asks first, and warns when it is done before the cut-off or weeks after it."""
        period = _period(db, period_id)
        if period.status is PeriodStatus.FROZEN:
            return Redirect(request.app.route_reverse("periods:show", period_id=period.id), status_code=303)
        return self._confirm_freeze(request, period, Form())

    @post("/{period_id:int}/freeze", sync_to_thread=True, name="periods:freeze", opt=needs(Permission.RUN_REPORTING))
    def freeze(self, request: AnyRequest, db: Db, period_id: FromPath[int], data: FormData) -> Template | Redirect:
        period, form = _confirmation(
            db, period_id, data, "confirm", lambda name: _("Confirm that you want to freeze %(name)s", name=name)
        )
        if period.status is PeriodStatus.FROZEN:
            form.errors.clear()
            form.error("confirm", _("%(name)s is already frozen", name=period.name))
            form.field_ids["confirm"] = "confirm-error"  # no checkbox here: the summary links to the message
            return self._show(request, db, period, form, status_code=409)
        if form.ok:
            # Refused only when someone else froze it at the same moment: show the period as it now is.
            return _carried_out(
                request, db, period, form, "confirm", partial(freeze_period, stale_days=_stale_days(request))
            ) or self._show(request, db, _period(db, period_id), form, status_code=409)
        return self._confirm_freeze(request, period, form, status_code=422)

    @post(
        "/{period_id:int}/unfreeze", sync_to_thread=True, name="periods:unfreeze", opt=needs(Permission.UNFREEZE_PERIOD)
    )
    def unfreeze(self, request: AnyRequest, db: Db, period_id: FromPath[int], data: FormData) -> Template | Redirect:
        """The service team reopens a period frozen by mistake, within UNFREEZE_WINDOW of freezing."""
        period, form = _confirmation(
            db,
            period_id,
            data,
            "confirm_unfreeze",
            lambda name: _("Confirm that you want to unfreeze %(name)s", name=name),
        )
        if form.ok and (done := _carried_out(request, db, period, form, "confirm_unfreeze", unfreeze_period)):
            return done
        return self._show(request, db, _period(db, period_id), form, status_code=422)

    @get("/{period_id:int}/missing-updates.csv", sync_to_thread=True, name="periods:missing-csv")
    def missing_csv(self, request: AnyRequest, db: Db, period_id: FromPath[int]) -> Response[bytes]:
        """Organisations whose updates are missing or stale, for a mail-merge."""
        period = _period(db, period_id)
        slugs = dict(db.exec(select(Organisation.id, Organisation.slug)).all())
        content = csv_bytes(
            ["organisation", "organisation_slug", "last_update", "period", "cut_off"],
            (
                [
                    item.name,
                    slugs[item.organisation_id],
                    item.last_update_on.isoformat() if item.last_update_on else "",
                    period.name,
                    period.cut_off.isoformat(),
                ]
                for item in missing_updates(db, period, _stale_days(request))
            ),
        )
        return Response(
            content,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="missing-updates-{period.id}.csv"'},
        )

    @get("/compare", sync_to_thread=True, name="periods:compare")
    def compare(
        self,
        request: AnyRequest,
        db: Db,
        earlier: FromQuery[int],
        later: FromQuery[int],
    ) -> Template:
        first, second = _period(db, earlier), _period(db, later)
        try:
            comparison = compare_periods(db, first, second)
        except PeriodError as exc:
            return page(
                request,
                "errors/error.html",
                status_code=422,
                title=_("These periods cannot be compared"),
                detail=str(exc),
            )
        names = dict(db.exec(select(Organisation.id, Organisation.name)).all())
        numbers = dict(db.exec(select(Recommendation.id, Recommendation.number)).all())
        return page(request, "reports/compare.html", c=comparison, names=names, numbers=numbers)
