"""The Welsh a bilingual organisation writes beside each public text, as a form or the API sends it.

Which fields have a Welsh twin is ``tracker.organisations.bilingual``'s rule (``bilingual_fields``); this module
reads and checks the twins a use case was given, with the rules of their English: the same length (the column's,
or the text limit of the service), and what the storing layer refuses (control characters, direction controls:
``tracker.inputs.value_problem``), each fault under the Welsh field's own name (``summary_cy``), so a form shows it
beside the Welsh field and in its error summary.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlmodel import SQLModel

from tracker.inputs import FieldText, column_limits, length_message, limit_message, value_problem
from tracker.organisations.bilingual import bilingual_fields, welsh_of

MAX_TEXT = 10_000


def welsh_values(
    errors: dict[str, str],
    given: Any,
    model: type[SQLModel],
    texts: Mapping[str, FieldText],
    *,
    limit: int = MAX_TEXT,
) -> dict[str, str | None]:
    """The Welsh twins of ``model``'s bilingual fields that ``given`` (a typed input or a mapping) carries, stripped
    (empty is None), each fault added to ``errors``. A twin ``given`` does not carry (None: a form without the Welsh
    field, an API call without the key) is left out, so what is stored stays: an organisation that stops writing
    in Welsh loses none of what it wrote. ``texts`` holds each English field's messages (its ``welsh_too_long``:
    "The summary in Welsh must be %(limit)s characters or fewer"), said in the reader's language."""
    limits = column_limits(model)
    values: dict[str, str | None] = {}
    for field in bilingual_fields(model):
        name = welsh_of(field)
        raw = given.get(name) if isinstance(given, Mapping) else getattr(given, name, None)
        if raw is None:
            continue
        text = raw.strip() if isinstance(raw, str) else str(raw)
        length = limits.get(name, limit)
        if len(text) > length:
            text_of = texts.get(field)
            errors[name] = length_message(text_of.welsh_too_long, length) if text_of else limit_message(length)
        elif (problem := value_problem(text, limits.get(name))) is not None:
            errors[name] = problem
        values[name] = text or None
    return values
