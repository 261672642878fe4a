"""Form input and its errors, rendered the GOV.UK way (error summary linking to each field)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from litestar import Request
from litestar.enums import RequestEncodingType
from litestar.params import Body


@dataclass
class Form:
    """What the user submitted, and what is wrong with it, field by field."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    id_prefix: str = ""  # before each field's id, when two forms with the same fields share a page ("edit-")

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> Form:
        values = {}
        for key, value in data.items():
            if key == "_csrf_token":
                continue
            values[key] = value.strip() if isinstance(value, str) else value
        return cls(values=values)

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
        return [{"text": message, "href": f"#{self.id_prefix}{name}"} for name, message in self.errors.items()]

    def message(self, name: str) -> dict[str, str] | None:
        """For a field macro's errorMessage."""
        return {"text": self.errors[name]} if name in self.errors else None


FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
"""A handler parameter receiving an urlencoded form (sync handlers can take it; no await needed)."""


async def read_form(request: Request[Any, Any, Any]) -> Form:
    """The submitted form (urlencoded or multipart; files are left out, read them from the request)."""
    data = await request.form()
    return Form.of({k: v for k, v in data.items() if isinstance(v, str)})
