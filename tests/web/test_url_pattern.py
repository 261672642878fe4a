"""An address pattern (``templating.url_pattern``), which pages with hundreds of links to responses build once,
gives for every id the address ``url_for`` gives, in the page's language."""

from __future__ import annotations

import gettext

import pytest

from tracker.web.i18n import translations_in_use
from tracker.web.templating import build_environment

SAME = "{{ url_pattern('plans:response', 'response_id')(%(id)s) }} {{ url_for('plans:response', response_id=%(id)s) }}"

SAME_SLUG = (
    "{{ url_pattern('oversight:organisation', 'slug', text=true)(slug) }}"
    " {{ url_for('oversight:organisation', slug=slug) }}"
)


class Welsh(gettext.NullTranslations):
    locale_code = "cy"


@pytest.mark.parametrize("response_id", [1, 7, 4321])
def test_an_address_pattern_gives_what_url_for_gives_in_english_and_in_welsh(client, response_id) -> None:
    template = build_environment().from_string(SAME % {"id": response_id})
    reverse = client.app.route_reverse
    assert template.render(route_reverse=reverse).split() == [f"/plan/responses/{response_id}"] * 2
    with translations_in_use(Welsh()):
        assert template.render(route_reverse=reverse).split() == [f"/plan/responses/{response_id}?lang=cy"] * 2


def test_an_address_pattern_needs_a_parameter_of_its_route(client) -> None:
    template = build_environment().from_string("{{ url_pattern('oversight:dashboard', 'response_id')(1) }}")
    with pytest.raises(RuntimeError, match="does not hold its parameter"):
        template.render(route_reverse=client.app.route_reverse)


@pytest.mark.parametrize("slug", ["kent", "dyfed-powys"])
def test_an_address_pattern_of_a_slug_gives_what_url_for_gives_in_english_and_in_welsh(client, slug) -> None:
    template = build_environment().from_string(SAME_SLUG)
    reverse = client.app.route_reverse
    assert template.render(route_reverse=reverse, slug=slug).split() == [f"/oversight/organisations/{slug}"] * 2
    with translations_in_use(Welsh()):
        in_welsh = template.render(route_reverse=reverse, slug=slug).split()
        assert in_welsh == [f"/oversight/organisations/{slug}?lang=cy"] * 2
