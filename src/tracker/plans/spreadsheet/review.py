"""What the person reviewed on the check page, carried to the import in a hidden field (``file_reviewed``).

Between the check page and "Import these changes" a colleague may change the plan. The field holds a digest of
the dry run the person saw (every change with the values it replaces, every conflict with the tracker's value,
every problem), the form choices it was worked out with, and when each conflict's tracker value was last
changed. The import works the plan out again and goes ahead only if it is the one reviewed; otherwise the
check page is shown again (``controllers``). Like the file itself, the field can only be changed by the person
importing, who gains nothing by it: a field that does not read means nothing was reviewed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from dataclasses import astuple, dataclass
from typing import Any

from tracker.plans.spreadsheet.results import ImportPlan

FIELD = "file_reviewed"  # the hidden field's name; "file_" like the file's own fields, which travel with it
_CHOICE_PREFIXES = ("column-", "date-", "conflict-")
_CHOICE_NAMES = ("set", "visibility", "file_name")


@dataclass(frozen=True)
class Reviewed:
    """The dry run the person saw: its digest, the choices behind it, and each conflict's time of change."""

    digest: str
    choices: dict[str, str]
    conflicts: dict[str, str]  # conflict key: when the tracker's value was changed (ISO)


def is_choice(name: str) -> bool:
    """Whether the form field ``name`` is one the dry run depends on (columns, dates, set, visibility, conflicts)."""
    return name in _CHOICE_NAMES or name.startswith(_CHOICE_PREFIXES)


def choices(values: Mapping[str, Any]) -> dict[str, str]:
    """The form's choices that the dry run depends on; empty ones are left out, as they choose nothing."""
    return {name: value for name, value in values.items() if is_choice(name) and isinstance(value, str) and value}


def digest(plan: ImportPlan) -> str:
    """A digest of what the check page shows of ``plan``: equal digests, equal dry runs."""
    content = {
        "changes": [  # each change with the values it replaces (its fields' "now", its before and version)
            {
                "what": [c.kind, c.row, c.number, c.response_id, c.action_id, c.version, c.values, c.before],
                "fields": [astuple(f) for f in c.fields],
            }
            for c in plan.changes
        ],
        "conflicts": [
            [c.key, c.row, c.what, c.file_value, c.tracker_value, c.changed_at.isoformat(), c.use_file]
            for c in plan.conflicts
        ],
        "errors": plan.errors,
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


def token(plan: ImportPlan, values: Mapping[str, Any]) -> str:
    """The hidden field's value for the check page showing ``plan``, worked out with the form ``values``."""
    reviewed = {
        "digest": digest(plan),
        "choices": choices(values),
        "conflicts": {c.key: c.changed_at.isoformat() for c in plan.conflicts},
    }
    return base64.urlsafe_b64encode(json.dumps(reviewed).encode()).decode("ascii")


def read(text: str) -> Reviewed | None:
    """The hidden field read back; None if it does not read as one."""
    try:
        data = json.loads(base64.urlsafe_b64decode(text.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("digest"), str):
        return None
    choices_, conflicts = _strings(data.get("choices")), _strings(data.get("conflicts"))
    if choices_ is None or conflicts is None:
        return None
    return Reviewed(data["digest"], choices_, conflicts)


def _strings(value: Any) -> dict[str, str] | None:
    """``value`` if it is a dictionary of text by text, else None."""
    if isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        return value
    return None
