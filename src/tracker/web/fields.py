"""The parameters our form-field macros (templates/macros/fields.html) hand to GOV.UK Frontend's macros.

One place turns (name, label, value, the form's errors) into the GOV.UK shape, so every field shows its error the
same way: an ``errorMessage`` whose id is ``{id}-error`` and which the control's ``aria-describedby`` names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tracker.web.i18n import DEFAULT_LOCALE, current_locale
from tracker.web.i18n import gettext as _


def errors_of(errors: Any) -> Mapping[str, str]:
    """A form's errors from a ``Form``, a mapping or nothing, each in the reader's language: the services say
    what is wrong in English (the source text, marked with ``N_`` where it is written), and the message is
    translated here, where it is shown; one the catalogue does not hold is shown as it is."""
    if errors is None:
        return {}
    found = getattr(errors, "errors", errors)
    return {name: _(message) for name, message in found.items() if message} if isinstance(found, Mapping) else {}


def _text(value: Any, key: str = "text") -> dict[str, Any] | None:
    """A label, hint or legend given as text (escaped by GOV.UK's macro) or as a ready dict."""
    if value is None or value == "":
        return None
    return dict(value) if isinstance(value, Mapping) else {key: value}


def field_params(name: str, label: Any, errors: Any = None, **params: Any) -> dict[str, Any]:
    """GOV.UK parameters for one field: id (default the name), label or fieldset legend, hint, errorMessage.

    ``legend`` (for radios, checkboxes and date inputs) becomes the fieldset's legend; ``error_key`` names the
    errors entry when it differs from the field's name (a date input's three parts share one error).
    """
    error_key = params.pop("error_key", name)
    hint = params.pop("hint", None)
    legend = params.pop("legend", None)
    legend_classes = params.pop("legend_classes", "govuk-fieldset__legend--s")
    label_classes = params.pop("label_classes", None)
    out: dict[str, Any] = {"name": name, "id": params.pop("id", None) or name}
    if legend is not None:
        out["fieldset"] = {"legend": {**(_text(legend) or {}), "classes": legend_classes}}
    elif label is not None:
        out["label"] = _text(label) or {}
        if label_classes:
            out["label"]["classes"] = label_classes
    if (hint_params := _text(hint)) is not None:
        out["hint"] = hint_params
    message = errors_of(errors).get(error_key)
    if message:
        out["errorMessage"] = {"text": message, "visuallyHiddenText": _("Error")}
    out.update({key: value for key, value in params.items() if value is not None})
    return out


def password_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """GOV.UK's password input with its button and announcements in the page's language (its defaults are
    English)."""
    return {
        "showPasswordText": _("Show"),
        "hidePasswordText": _("Hide"),
        "showPasswordAriaLabelText": _("Show password"),
        "hidePasswordAriaLabelText": _("Hide password"),
        "passwordShownAnnouncementText": _("Your password is visible"),
        "passwordHiddenAnnouncementText": _("Your password is hidden"),
        **params,
    }


def character_count_texts() -> dict[str, Any]:
    """GOV.UK's character count messages in the page's language (its script picks the plural form by the page's
    ``lang``, falling back to ``other``; a Welsh noun after a number stays singular, so one form reads right)."""
    return {
        "textareaDescriptionText": _("You can enter up to %{count} characters"),
        "charactersUnderLimitText": {
            "one": _("You have %{count} character remaining"),
            "other": _("You have %{count} characters remaining"),
        },
        "charactersAtLimitText": _("You have 0 characters remaining"),
        "charactersOverLimitText": {
            "one": _("You have %{count} character too many"),
            "other": _("You have %{count} characters too many"),
        },
    }


class Content(str):
    """Text someone wrote (a name, a theme) offered as a choice: its item is marked with its language (``lang``)
    on a page in another."""

    language = DEFAULT_LOCALE


def content_choices(choices: Any) -> list[tuple[Any, ...]]:
    """(value, text) pairs whose texts are content in English (organisation names, themes), for ``choice_items``."""
    return [(value, Content(text), *rest) for value, text, *rest in choices]


def translated_choices(choices: Any) -> list[tuple[Any, ...]]:
    """(value, text) pairs whose texts are source English marked with ``N_``, in the reader's language."""
    return [(value, _(text), *rest) for value, text, *rest in choices]


def choice_items(
    choices: Any,
    selected: Any,
    *,
    hints: Mapping[str, Any] | None = None,
    select: bool = False,
    id_prefix: str | None = None,
) -> list[dict[str, Any]]:
    """GOV.UK items for radios, checkboxes or a select from (value, text) pairs, or (value, text, id) to give an
    item its own id; ``selected`` is one value or a collection of them. With ``id_prefix`` the first item's id is
    the prefix and the others' ``{prefix}-{value}`` (so an error summary's link to the field reaches the first
    choice, and ids do not change when choices are added)."""
    if isinstance(selected, str | int) or selected is None:
        chosen = {str(selected)} if selected is not None else set()
    else:
        chosen = {str(v) for v in selected}
    items = []
    for index, (value, text, *item_id) in enumerate(choices):
        item: dict[str, Any] = {"value": value, "text": text}
        if item_id:
            item["id"] = item_id[0]
        elif id_prefix is not None:
            item["id"] = id_prefix if index == 0 else f"{id_prefix}-{value}"
        item["selected" if select else "checked"] = str(value) in chosen
        if hints and (hint := hints.get(str(value))):
            item["hint"] = {"text": hint}
        if isinstance(text, Content) and text.language != current_locale():
            # a select's option carries it; a radio's or checkbox's label does
            item.update(
                {"attributes": {"lang": text.language}}
                if select
                else {"label": {"attributes": {"lang": text.language}}}
            )
        items.append(item)
    return items


def summary_list(errors: Any, *, order: Any = None, prefix: str | None = None) -> list[dict[str, str]]:
    """GOV.UK error-summary items, each linking to its field: in ``order`` (the page's field order) first, then
    the rest as they were found. ``prefix`` goes before each id (default: the Form's ``id_prefix``)."""
    found = errors_of(errors)
    if prefix is None:
        prefix = getattr(errors, "id_prefix", "") or ""
    ids = getattr(errors, "field_ids", None) or {}
    names = [n for n in (order or []) if n in found] + [n for n in found if n not in (order or [])]
    return [{"text": found[name], "href": f"#{prefix}{ids.get(name, name)}"} for name in names]


def choices_of(objects: Any, value: str = "value", text: str = "label") -> list[tuple[str, Any]]:
    """(value, text) pairs for ``choices`` from objects' attributes or mappings' keys (enum members,
    organisations, a set's themes...)."""

    def field(o: Any, key: str) -> Any:
        return o[key] if isinstance(o, Mapping) else getattr(o, key)

    return [(str(field(o, value)), field(o, text)) for o in objects]
