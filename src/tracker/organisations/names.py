"""Names of organisations and regions in the reader's language.

The regions are a fixed list (recommendations/organisations.yaml): stored in English, shown translated. Any region
not in the list (a file loaded later) is shown as stored, marked as English on a page in another language.
"""

from __future__ import annotations

from collections.abc import Iterable

from tracker.organisations.models import Region
from tracker.web.fields import Content
from tracker.web.i18n import N_, Interface, gettext

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
