"""Deterministic synthetic demo data, clearly marked as such.

Nothing here describes a real person, case or practice: accounts are role names at example.org addresses,
texts say they are synthetic, and demo practice is attributed to no organisation. The organisations and
recommendations are the real ones (loaded from ``recommendations/``); what they are said to have done is not.

The data obeys the tracker's own rules, as ``tests/unit/demo/test_demo_invariants.py`` checks at scale 1 and 10: each
response follows a timeline of rounds (the initial plan of November 2024, the six-month update of March 2025,
then about quarterly) in which a parent's status is the roll-up of its sub-recommendations', actions fit the
status (none started while Not started, all done when Complete, work left when Blocked), RAG ratings fit
(``plans.rules.rag_fits``), action and update texts speak of the recommendation's own theme in general terms,
the steps on one subject (Agree, Pilot, Deliver, Embed, Evaluate) are due and done in that order, and an
inspector's rating fits the status claimed when it was made and today. Plans are published through
``add_publications`` as they stood after a round (a round's publications together), and periods frozen through
``freeze_period`` as the responses stood at the cut-off.

The modules: ``texts`` (what the records say), ``timeline`` (rounds, dates and how statuses move),
``responses`` (each response's plan over the timeline), ``writing`` (putting a plan in the database as it
stood in a round) and ``load`` (``load_demo`` and the rest of the demo: accounts, assessments, practice, periods).
"""

from tracker.demo.load import (
    DEMO_ACCOUNTS,
    SEED,
    DemoAccount,
    DemoError,
    DemoResult,
    demo_loaded,
    load_demo,
    loaded_scale,
)
from tracker.demo.texts import MARK, UPDATE_OPENINGS, action_texts_for
from tracker.demo.timeline import DEMO_TODAY, PLANS_DUE

__all__ = [
    "DEMO_ACCOUNTS",
    "DEMO_TODAY",
    "MARK",
    "PLANS_DUE",
    "SEED",
    "UPDATE_OPENINGS",
    "DemoAccount",
    "DemoError",
    "DemoResult",
    "action_texts_for",
    "demo_loaded",
    "load_demo",
    "loaded_scale",
]
