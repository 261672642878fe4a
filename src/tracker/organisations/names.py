"""Names of organisations and regions in the reader's language.

An organisation with an official Welsh name (``name_cy``: the Welsh forces and commissioners) is named by it on Welsh
pages; any other by its name, marked as English there.

The regions are a fixed list (recommendations/organisations.yaml): stored in English, shown translated. Any region
not in the list (a file loaded later) is shown as stored, marked as English on a page in another language.
"""

from __future__ import annotations

from collections.abc import Iterable

from tracker.organisations.bilingual import WELSH
from tracker.organisations.models import Organisation, Region
from tracker.web.fields import Content
from tracker.web.i18n import N_, Interface, current_locale, gettext

REGION_NAMES: dict[str, str] = {
    "north-east": N_("North East"),
    "north-west": N_("North West"),
    "yorkshire-and-the-humber": N_("Yorkshire and the Humber"),
    "east-midlands": N_("East Midlands"),
    "west-midlands": N_("West Midlands"),
    "eastern": N_("Eastern"),
    "south-east": N_("South East"),
    "south-west": N_("South West"),
    "london": N_("London"),
    "wales": N_("Wales"),
}


def region_name(region: Region) -> str:
    """``region``'s name to show: translated when it is one of the fixed list (and then not marked as English by
    ``| content``), else as stored."""
    if region.code in REGION_NAMES and region.name == REGION_NAMES[region.code]:
        return Interface(gettext(REGION_NAMES[region.code]))
    return region.name


def region_choices(regions: Iterable[Region]) -> list[tuple[str, str]]:
    """(code, name to show) for a choice of regions: a name outside the fixed list is marked as content."""
    return [(region.code, _shown(region)) for region in regions]


def _shown(region: Region) -> str:
    name = region_name(region)
    return name if isinstance(name, Interface) else Content(name)


def organisation_name(organisation: Organisation) -> str:
    """``organisation``'s name in the reader's language: its official Welsh name on a Welsh page when it has one
    (then not marked as English by ``| content``), else its name."""
    if current_locale() == WELSH and organisation.name_cy:
        return Interface(organisation.name_cy)
    return organisation.name
