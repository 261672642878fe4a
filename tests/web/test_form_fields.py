"""Form fields come from one layer (templates/macros/fields.html on GOV.UK Frontend's macros): no template writes
a field's markup by hand, and every field shows its error the GOV.UK way, beside it and named by the control's
aria-describedby."""

from __future__ import annotations

import re

from tracker.settings import TEMPLATES_DIR
from tracker.web.fields import choice_items, field_params, summary_list
from tracker.web.forms import Form
from tracker.web.templating import build_environment

# A class attribute on an element that GOV.UK's field macros write (our macros pass `classes=` instead).
HAND_WRITTEN = re.compile(
    r'\bclass="[^"]*\bgovuk-(?:form-group|input|textarea|select|file-upload|date-input|radios__item|checkboxes__item'
    r"|error-message|error-summary)\b(?!-)"
)
LAYER = {"macros/fields.html"}
# The conflict notice holds a table of both versions, which GOV.UK's summary cannot (its description is a <p>).
NOT_A_FIELD = {"plans/_conflict.html"}


def test_no_template_writes_gov_uk_field_markup_by_hand() -> None:
    found = {}
    for path in sorted(TEMPLATES_DIR.rglob("*.html")):
        name = str(path.relative_to(TEMPLATES_DIR))
        if name in LAYER:
            continue
        hits = HAND_WRITTEN.findall(path.read_text())
        if name in NOT_A_FIELD:
            hits = [h for h in hits if "error-summary" not in h]
        if hits:
            found[name] = hits
    assert found == {}


def render(source: str, **context: object) -> str:
    return (
        build_environment()
        .from_string('{% from "macros/fields.html" import error_summary, radios, text_input, textarea %}' + source)
        .render(**context)
    )


def test_a_field_with_an_error_shows_it_beside_the_control_and_names_it() -> None:
    form = Form(values={"title": "<b>x</b>"}, errors={"title": "Enter a title"})
    html = render(
        '{{ text_input("title", "Title", form.get("title"), form, id="edit-title", hint="Short") }}', form=form
    )
    assert 'id="edit-title-error"' in html and "Enter a title" in html
    assert 'aria-describedby="edit-title-hint edit-title-error"' in html
    assert "govuk-form-group--error" in html and "govuk-input--error" in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html, "values are escaped"


def test_a_field_without_an_error_has_no_error_markup() -> None:
    html = render('{{ textarea("note", "Note", "", {"other": "Wrong"}) }}')
    assert "govuk-error-message" not in html and "govuk-form-group--error" not in html


def test_choices_keep_the_ids_pages_link_to() -> None:
    items = choice_items([("a", "A"), ("b", "B")], "b", id_prefix="edit-kind")
    assert [(i["id"], i["checked"]) for i in items] == [("edit-kind", False), ("edit-kind-b", True)]
    html = render('{{ radios("kind", "Kind", [("a", "A"), ("b", "B")], "a", {"kind": "Choose"}) }}')
    assert 'id="kind"' in html and 'id="kind-b"' in html and 'id="kind-error"' in html


def test_the_summary_links_each_error_to_its_field_in_page_order() -> None:
    form = Form(errors={"visibility": "Choose", "kind": "Choose a kind"})
    assert summary_list(form, order=["kind", "visibility"], prefix="evidence-") == [
        {"text": "Choose a kind", "href": "#evidence-kind"},
        {"text": "Choose", "href": "#evidence-visibility"},
    ]
    html = render("{{ error_summary(form) }}", form=form)
    assert re.findall(r'<a href="#([^"]+)">', html) == ["visibility", "kind"]
    assert render("{{ error_summary(form) }}", form=Form()).strip() == ""


def test_field_params_take_a_form_or_a_mapping() -> None:
    assert field_params("x", "X", {"x": "Bad"})["errorMessage"]["text"] == "Bad"
    assert "errorMessage" not in field_params("x", "X", None)
