"""A select's markup drawn in Python, for the plain case: the same HTML, byte for byte, as GOV.UK Frontend's
``govukSelect`` macro draws for the same parameters, without a macro call and four template imports per select
and another macro call per option (the dashboard's five filter selects were a fifth of its render).

``plain_select`` draws what it knows (a label given as text, a form group's classes, the select's classes, options
with a value, a text, ``selected`` and plain attributes such as ``lang``) and answers None for anything else (a
hint, an error, a disabled option, a label given as HTML...), which templates/macros/fields.html then hands to
``govukSelect`` itself. Every value is written as ``{{ … }}`` writes it (``tracker.web.templating.printable``,
then HTML escaping), attributes as GOV.UK's ``govukAttributes`` writes them.
tests/unit/web/test_select_field.py compares the two for many parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup, escape

from tracker.inputs import has_control_characters
from tracker.web.templating import printable

_PARAMS = frozenset({"name", "id", "label", "items", "formGroup", "classes"})
_LABEL = frozenset({"text", "classes"})
_FORM_GROUP = frozenset({"classes"})
_ITEM = frozenset({"value", "text", "selected", "attributes", "id"})  # GOV.UK's select ignores an item's id


def _written(value: Any) -> Markup:
    """``value`` as ``{{ value }}`` writes it."""
    return escape(printable(value))


def _attributes(attributes: Any) -> str | None:
    """What ``govukAttributes`` writes for a mapping of names to plain text values, or None for any other kind."""
    if not isinstance(attributes, Mapping):
        return None
    written = []
    for name, value in attributes.items():
        if not (isinstance(name, str) and isinstance(value, str)) or has_control_characters(name + value):
            return None
        written.append(f' {escape(name)}="{escape(value)}"')
    return "".join(written)


def _option(item: Mapping[str, Any]) -> str | None:
    """One ``<option>`` line, or None when the item needs GOV.UK's own macro."""
    if not item.keys() <= _ITEM or "value" not in item or "text" not in item:
        return None
    attributes = _attributes(item["attributes"]) if item.get("attributes") else ""
    if attributes is None:
        return None
    value = item["value"]
    value = str(value).lower() if isinstance(value, bool) else value
    selected = " selected" if item.get("selected") else ""
    return f'        <option value="{_written(value)}"{selected}{attributes}>{_written(item["text"])}</option>\n'


def _options(items: Any) -> str | None:
    if not isinstance(items, list | tuple):
        return None
    lines = []
    for item in items:
        if not item:
            continue  # GOV.UK's macro skips an empty item
        if not isinstance(item, Mapping) or (line := _option(item)) is None:
            return None
        lines.append(line)
    return "".join(lines)


def _label(label: Any, field_id: Any) -> str | None:
    """The label as the select macro places it (GOV.UK's label macro, trimmed and indented by two), for the
    control ``field_id`` (none when it is empty)."""
    if not isinstance(label, Mapping) or not label.keys() <= _LABEL or not label.get("text"):
        return None
    text = _written(label["text"])
    classes = f" {_written(label['classes'])}" if label.get("classes") else ""
    for_id = f' for="{_written(field_id)}"' if field_id else ""
    if any(part.splitlines() not in ([], [part]) for part in (text, classes, for_id)) or not text.strip():
        return None  # a line break GOV.UK's indent would indent, or a label of spaces: left to the macro
    return f'  <label class="govuk-label{classes}"{for_id}>\n    {text}\n  </label>\n'


def plain_select(params: Mapping[str, Any]) -> Markup | None:
    """``govukSelect(params)``'s HTML for the plain case, or None (then call ``govukSelect``)."""
    form_group = params.get("formGroup") or {}
    if not params.keys() <= _PARAMS or "name" not in params:
        return None
    if not isinstance(form_group, Mapping) or not form_group.keys() <= _FORM_GROUP:
        return None
    field_id = params.get("id") or params.get("name")
    label = _label(params.get("label"), field_id)
    options = _options(params.get("items") or [])
    if label is None or options is None:
        return None
    group_classes = f" {_written(form_group['classes'])}" if form_group.get("classes") else ""
    classes = f" {_written(params['classes'])}" if params.get("classes") else ""
    return Markup(
        f'<div class="govuk-form-group{group_classes}">\n{label}'
        f'  <select class="govuk-select{classes}" id="{_written(field_id)}" name="{_written(params.get("name"))}">\n'
        f"{options}  </select>\n</div>\n"
    )
