"""Form input and its errors, rendered the GOV.UK way (error summary linking to each field)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from litestar.enums import RequestEncodingType
from litestar.params import Body

from tracker.inputs import (
    BIDI_MESSAGE,
    CONTROL_MESSAGE,
    LINE_BREAKS,
    clean_text,
    has_control_characters,
    has_direction_problem,
)
from tracker.web.handler_types import AnyRequest
from tracker.web.i18n import gettext as _


@dataclass
class Form:
    """What the user submitted, and what is wrong with it, field by field."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    id_prefix: str = ""  # before each field's id, when two forms with the same fields share a page ("edit-")
    field_ids: dict[str, str] = field(default_factory=dict)  # a field whose id is not its name (after id_prefix)

    def field_id(self, name: str) -> str:
        """The id of the field ``name`` on the page, where the error summary links to."""
        return self.id_prefix + self.field_ids.get(name, name)

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> Form:
        """The submitted values, stripped; a field holding a control character is refused (``CONTROL_MESSAGE``
        beside it) and keeps its text without them, so no lookup or write ever sees one, and a field holding a
        direction override (``BIDI_MESSAGE``) is refused as typed: every form field comes through here, so none
        can miss the rules (tracker.inputs). Passwords are never shown, so an override disguises nothing there."""
        form = cls()
        for key, value in data.items():
            if key == "_csrf_token":
                continue
            if isinstance(value, list):  # a repeated field (checkboxes): each value cleaned alike
                value = [form._clean(key, v) if isinstance(v, str) else v for v in value]
            elif isinstance(value, str):
                value = form._clean(key, value)
            form.values[key] = value
        return form

    def _clean(self, key: str, value: str) -> str:
        if has_control_characters(LINE_BREAKS.sub("\n", value)):
            self.error(key, CONTROL_MESSAGE)
        elif "password" not in key and has_direction_problem(value, short=False):
            self.error(key, BIDI_MESSAGE)
        return clean_text(value).strip()

    def refuse_if_invalid(
        self, error: Callable[[dict[str, str]], Exception], every_fault: Callable[[], Mapping[str, str]] | None = None
    ) -> None:
        """Raise the use case's own error (``InputError``) with the fields ``of`` refused, so the
        handler's usual error path re-renders the form with each message beside its field. ``every_fault``, the use
        case's check-only path (it writes nothing), adds the faults its rules find in the other fields, so the form
        lists every error at once; a field's first fault (the character ``of`` refused) is the one it shows."""
        if self.errors:
            for name, message in (every_fault() if every_fault else {}).items():
                self.error(name, message)
            raise error(dict(self.errors))

    def get(self, name: str, default: str = "") -> str:
        value = self.values.get(name, default)
        return value if isinstance(value, str) else default

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def require(self, name: str, message: str) -> str:
        value = self.get(name)
        if not value:
            self.error(name, message)
        return value

    @property
    def ok(self) -> bool:
        return not self.errors

    def error_list(self) -> list[dict[str, str]]:
        """For govukErrorSummary: each error links to its field (id = field name)."""
        return [{"text": _(message), "href": f"#{self.field_id(name)}"} for name, message in self.errors.items()]

    def message(self, name: str) -> dict[str, str] | None:
        """For a field macro's errorMessage."""
        return {"text": _(self.errors[name]), "visuallyHiddenText": _("Error")} if name in self.errors else None


FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
"""A handler parameter receiving an urlencoded form (sync handlers can take it; no await needed)."""


async def read_form(request: AnyRequest) -> Form:
    """The submitted form (urlencoded or multipart; files are left out, read them from the request)."""
    data = await request.form()
    return Form.of({k: v for k, v in data.items() if isinstance(v, str)})
