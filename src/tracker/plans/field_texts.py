"""What the plan's forms (a response, an action, a progress update) say about each text field, as whole sentences
marked for translation (``tracker.inputs.FieldText``): Welsh cannot build them from a label."""

from __future__ import annotations

from tracker.inputs import FieldText
from tracker.web.i18n import N_

RESPONSE_TEXTS = {
    "summary": FieldText(
        "",
        N_("A summary must be %(limit)s characters or fewer"),
        N_("The summary in Welsh must be %(limit)s characters or fewer"),
    ),
    "lead_role": FieldText(
        "",
        N_("The lead role must be %(limit)s characters or fewer"),
        N_("The lead role in Welsh must be %(limit)s characters or fewer"),
    ),
    "blocked_reason": FieldText(
        N_("Enter what the response is waiting for"),
        N_("What the response is waiting for must be %(limit)s characters or fewer"),
        N_("What the response is waiting for in Welsh must be %(limit)s characters or fewer"),
    ),
    "not_applicable_reason": FieldText(
        N_("Enter why this does not apply"),
        N_("Why this does not apply must be %(limit)s characters or fewer"),
        N_("Why this does not apply in Welsh must be %(limit)s characters or fewer"),
    ),
}

ACTION_TEXTS = {
    "description": FieldText(
        N_("Enter what will be done"),
        N_("What will be done must be %(limit)s characters or fewer"),
        N_("What will be done in Welsh must be %(limit)s characters or fewer"),
    ),
    "owner_role": FieldText(
        "",
        N_("The owner must be %(limit)s characters or fewer"),
        N_("The owner in Welsh must be %(limit)s characters or fewer"),
    ),
}

UPDATE_TEXTS = {
    "text": FieldText(
        N_("Enter what has happened"),
        N_("What has happened must be %(limit)s characters or fewer"),
        N_("What has happened in Welsh must be %(limit)s characters or fewer"),
    ),
}
