"""Every error summary in the order of the fields on its page, each line saying which field it is about.

GOV.UK's pattern: the summary lists the errors in the order the fields appear, so its first link goes to the first
faulty field, and each message is specific to its field. A form's errors are found in the order its rules run (a
character refused as the form is read comes first, whatever its field), and one message can fit several fields
(``tracker.inputs.BIDI_MESSAGE``). So the page, once rendered, is the one place that knows its fields' order and
labels: ``settle_error_summaries`` puts each summary's lines in the order of the ids they link to in the page
(a line whose target is not on the page keeps its place after the others), and a message that two lines share
is prefixed with each field's label ("Summary (Welsh): Remove the invisible character…"). Every page and htmx
partial is rendered through ``SettledTemplate`` (``tracker.web.templating``), so no form can miss the rule.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from jinja2 import Template

from tracker.web.i18n import N_, gettext

NAMED_MESSAGE = N_("%(field)s: %(error)s")
"""A summary line whose message another line shares: the field's label, then the message."""

_LIST = re.compile(r'(<ul class="govuk-list govuk-error-summary__list">)(.*?)(\s*</ul>)', re.S)
_ITEM = re.compile(r"\s*<li>.*?</li>", re.S)
_LINK = re.compile(r'(<a href="#([^"]+)"[^>]*>)(.*?)(</a>)', re.S)
_TAG = re.compile(r"<[^>]*>")


def settle_error_summaries(html: str) -> str:
    """``html`` with each error summary's lines in the page's field order, shared messages named by field."""
    if "govuk-error-summary__list" not in html:
        return html
    return _LIST.sub(lambda match: match[1] + _settled(html, match[2]) + match[3], html)


def _settled(html: str, items_html: str) -> str:
    items = _ITEM.findall(items_html)
    if not items or "".join(items) != items_html.rstrip():
        return items_html  # not the shape GOV.UK's macro writes: left as it is
    links = [_LINK.search(item) for item in items]
    texts = Counter(" ".join(link[3].split()) for link in links if link)
    end = len(html)

    def position(index: int) -> tuple[int, int]:
        link = links[index]
        found = _position_of(html, link[2]) if link else -1
        return (found if found >= 0 else end, index)

    ordered = []
    for index in sorted(range(len(items)), key=position):
        item, link = items[index], links[index]
        if link and texts[" ".join(link[3].split())] > 1 and (label := _label_of(html, link[2])):
            named = gettext(NAMED_MESSAGE, field=label, error=" ".join(link[3].split()))
            item = item.replace(link[0], link[1] + named + link[4], 1)
        ordered.append(item)
    return "".join(ordered)


def _position_of(html: str, target: str) -> int:
    found = re.search(rf'\sid="{re.escape(target)}"', html)
    return found.start() if found else -1


def _label_of(html: str, target: str) -> str:
    """The text (still HTML-escaped, without its tags) of the label for ``target``; "" if it has none."""
    label = re.search(rf'<label[^>]*\sfor="{re.escape(target)}"[^>]*>(.*?)</label>', html, re.S)
    if label is None:
        return ""
    return " ".join(_TAG.sub("", label[1]).split())


class SettledTemplate(Template):
    """A Jinja template whose rendered page has its error summaries settled (``settle_error_summaries``)."""

    def render(self, *args: Any, **kwargs: Any) -> str:
        return settle_error_summaries(super().render(*args, **kwargs))
