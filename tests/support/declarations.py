"""Declared obligations in tests: a plan import whose rows on recommendation 2 (addressees not known in the small
reference data) declare the organisation's response, and setting a recommendation's addressees directly."""

from __future__ import annotations

import textwrap

from sqlmodel import Session, select

from tracker.audit.services import Actor
from tracker.plans import spreadsheet as ss
from tracker.plans.obligations import sync_obligations
from tracker.plans.publication import publish_plan
from tracker.recommendations.models import Recommendation

PLAN = """\
Rec No.,Action,Update,Update date
1.1,Fictional action: test the widget,,
2,Fictional action: train the widget testers,Fictional update: testers trained,01/10/2025
"""


def dry_run(session: Session, organisation, text: str = PLAN):
    frame = ss.read_table(textwrap.dedent(text).encode(), "plan.csv")
    return ss.plan_import(session, organisation.id, frame, ss.detect_mapping(frame.columns))


def recommendation(session: Session, number: str) -> Recommendation:
    return session.exec(select(Recommendation).where(Recommendation.number == number)).one()


def set_addressees(session: Session, number: str, addressees: list[str]) -> None:
    rec = recommendation(session, number)
    rec.addressees = addressees
    session.add(rec)
    sync_obligations(session, Actor("test"), set_id=rec.set_id)
    session.commit()


def import_plan(session: Session, kent, editor, text: str = PLAN, *, publish: bool = False):
    plan = dry_run(session, kent, text)
    assert plan.ok, plan.errors
    result = ss.apply_import(session, kent.id, plan, editor)
    if publish:  # only a published declaration may become the recommendation's addressees
        publish_plan(session, kent, editor)
        session.commit()
    return plan, result
