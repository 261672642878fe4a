"""The oversight matrix's cells, drawn in Python: the dashboard has one per organisation and recommendation (hundreds),
and a Jinja macro per cell was most of the page's time. A cell is one response: its status code, ! overdue,
E complete with no evidence, A an inspectorate rating below the claim, and the same in words for screen readers.
The dashboard and an organisation's oversight page (through templates/reports/_cell.html) draw it with
``cell_link``, so they agree.

What goes in is escaped as ``{{ … }}`` would (``tracker.web.templating.printable``, then HTML escaping), so the
markup is what the templates made before.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from tracker.recommendations.models import Recommendation
from tracker.reports.figures import STATUS_CODES, Cell, NationalState, OrganisationRow
from tracker.vocabulary import ResponseStatus
from tracker.web.i18n import gettext as _
from tracker.web.templating import UrlPattern, printable, url_pattern

TAG_COLOURS = {
    "not_started": "govuk-tag--grey",
    "in_progress": "",
    "blocked": "govuk-tag--red",
    "complete": "govuk-tag--green",
    "not_applicable": "govuk-tag--purple",
}


def cell_words() -> dict[str, str]:
    """The matrix's words, in the page's language: looked up once per page, not once per cell."""
    return {
        "recommendation": _("recommendation"),
        "overdue": _("overdue"),
        "no_evidence": _("complete with no evidence"),
        "below": _("inspectorate rating below the claim"),
        "not_addressed": _("not addressed"),
    }


def _e(value: Any) -> Markup:
    return escape(printable(value))


def cell_link(
    cell: Cell,
    today: dt.date,
    organisation_name: str,
    rec_number: str,
    response_url: UrlPattern,
    words: dict[str, Markup],
) -> Markup:
    """One cell: a link to the response (``words``: ``cell_words`` escaped)."""
    return Markup(
        _link(
            cell,
            today,
            _e(organisation_name),
            _e(rec_number),
            _escaped_pattern(response_url),
            _tag(cell),
            words,
            _e(cell.status.label),
        )
    )


def _escaped_pattern(response_url: UrlPattern) -> tuple[str, str]:
    """A response's address pattern, escaped once: an id is digits, which escaping leaves as they are."""
    return str(_e(response_url.before)), str(_e(response_url.after))


def _tag(cell: Cell) -> str:
    """A status's tag and its words for screen readers (the same for every cell of that status)."""
    return f'<strong class="govuk-tag {TAG_COLOURS[cell.status.value]}">{_e(STATUS_CODES[cell.status])}</strong>'


def _link(
    cell: Cell,
    today: dt.date,
    name: Markup,
    number: Markup,
    href: tuple[str, str],
    tag: str,
    words: dict[str, Markup],
    label: Markup,
) -> str:
    """A cell's link, from its pieces already escaped (``name``, ``number``, the address ``href`` around the id,
    the status ``tag`` and ``label``): a row's name and a column's number are escaped once for all its cells, a
    status's tag and label once for the page."""
    flags = [
        (cell.overdue(today), "!", words["overdue"]),
        (cell.complete_without_evidence, "E", words["no_evidence"]),
        (cell.rating_below_claim, "A", words["below"]),
    ]
    marks = "".join(f'<span aria-hidden="true">{mark}</span>' for on, mark, _word in flags if on)
    flag_words = "".join(f", {word}" for on, _mark, word in flags if on)
    return (
        f'<a class="govuk-link app-cell" href="{href[0]}{cell.response_id}{href[1]}">{tag}{marks}'
        f'<span class="govuk-visually-hidden"> {name}, {words["recommendation"]} {number}: '
        f"{label}{flag_words}</span></a>"
    )


@pass_context
def matrix_cell(context: Context, cell: Cell, today: dt.date, organisation_name: str, rec_number: str) -> Markup:
    """``cell_link`` for a template (templates/reports/_cell.html), its address and words looked up for it."""
    words = {key: _e(word) for key, word in cell_words().items()}
    return cell_link(
        cell, today, organisation_name, rec_number, url_pattern(context, "plans:response", "response_id"), words
    )


def matrix_rows(
    state: NationalState,
    organisations: list[OrganisationRow],
    recommendations: list[Recommendation],
    response_url: UrlPattern,
) -> list[tuple[OrganisationRow, Markup]]:
    """Each organisation with its row's cells, one ``<td>`` a line, in the order of ``recommendations``."""
    words = {key: _e(word) for key, word in cell_words().items()}
    hidden = words["not_addressed"]
    empty = f'      <td class="govuk-table__cell"><span class="govuk-visually-hidden">{hidden}</span></td>'
    href = _escaped_pattern(response_url)
    columns = [(rec.id or 0, _e(rec.number)) for rec in recommendations]
    tags: dict[ResponseStatus, str] = {}
    labels = {status: _e(status.label) for status in ResponseStatus}
    rows = []
    for org in organisations:
        org_id, name = org.id, _e(org.name)
        tds = []
        for rec_id, number in columns:
            cell = state.cells.get((org_id, rec_id))
            if cell is None:
                tds.append(empty)
                continue
            tag = tags.get(cell.status) or tags.setdefault(cell.status, _tag(cell))
            link = _link(cell, state.today, name, number, href, tag, words, labels[cell.status])
            tds.append(f'      <td class="govuk-table__cell">{link}</td>')
        rows.append((org, Markup("\n".join(tds))))
    return rows


def response_links(
    cells: list[Cell], names: dict[Any, str], rec_numbers: dict[Any, str], response_url: UrlPattern
) -> Markup:
    """A list's items (the dashboard's "needs attention"): a link to each cell's response, named by its
    organisation and recommendation. Each name and number is escaped once, however many cells share it (the lists
    hold up to a thousand cells of a few dozen organisations)."""
    word = _e(cell_words()["recommendation"])
    before, after = _escaped_pattern(response_url)
    org_names = {oid: _e(names[oid]) for oid in {c.organisation_id for c in cells}}
    numbers = {rid: _e(rec_numbers[rid]) for rid in {c.recommendation_id for c in cells}}
    return Markup(
        "".join(
            f'<li><a class="govuk-link" href="{before}{c.response_id}{after}">{org_names[c.organisation_id]}: '
            f"{word} {numbers[c.recommendation_id]}</a></li>"
            for c in cells
        )
    )
