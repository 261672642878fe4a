"""Small, readable data files for tests (the bundled files are tested on their own)."""

from __future__ import annotations

import textwrap
from pathlib import Path

SMALL_ORGANISATIONS = """\
regions:
  - {code: south-east, name: South East}
  - {code: wales, name: Wales}
addressee_groups:
  - code: chief-constables
    name: Chief constables
    kind: force
  - code: pccs
    name: Police and crime commissioners
    kind: policing-body
  - code: home-office
    name: Home Office
    organisations: [home-office]
organisations:
  - {slug: kent, name: Kent Police, kind: force, country: England, region: south-east}
  - {slug: gwent, name: Gwent Police, kind: force, country: Wales, region: wales}
  - {slug: kent-pcc, name: Kent Police and Crime Commissioner, kind: policing-body, country: England,
     region: south-east, force: kent}
  - {slug: gwent-pcc, name: Gwent Police and Crime Commissioner, kind: policing-body, country: Wales,
     region: wales, force: gwent}
  - {slug: home-office, name: Home Office, kind: national-body}
"""

SMALL_SET = """\
set:
  slug: test-report
  title: A test report about testing
  short_title: Test report
  published: 2024-09-27
  authors: [Test Inspectorate]
  source_url: https://www.example.org/report
  expected_recommendations: 3
  themes:
    - {code: recording, name: Recording}
recommendations:
  - number: "1"
    text: Chief constables should record things properly.
    addressees: [chief-constables]
    deadline: 27/03/2025
    theme: recording
    provenance: {status: partial, confirmed_fields: [number, addressees], sources: [https://www.example.org/a]}
    sub_recommendations:
      - {number: "1.1", text: Use the new field.}
      - {number: "1.2", text: Until then use a workaround.}
  - number: "2"
    text: null
    addressees: []
    provenance: {status: to_be_confirmed}
  - number: "3"
    text: Commissioners and the Home Office should fund support.
    addressees: [pccs, home-office]
    provenance: {status: confirmed, confirmed_fields: [number, text, addressees, deadline], confirmed_on: 2026-11-01}
"""

# The small set with every recommendation known (fictional wording for the one SMALL_SET leaves unknown).
ALL_KNOWN_SET = SMALL_SET.replace(
    "    text: null\n    addressees: []\n",
    '    text: "Fictional recommendation 2: chief constables should test the widget."\n'
    "    addressees: [chief-constables]\n",
)
assert ALL_KNOWN_SET != SMALL_SET

# The small set with sub-recommendations (fictional wording) under recommendation 2, whose addressees stay unknown:
# declaring it declares its parts too.
UNKNOWN_WITH_PARTS_SET = SMALL_SET.replace(
    "    text: null\n    addressees: []\n",
    "    text: null\n    addressees: []\n    sub_recommendations:\n"
    '      - {number: "2.1", text: "Fictional recommendation 2.1: chief constables should test the widget."}\n'
    '      - {number: "2.2", text: "Fictional recommendation 2.2: chief constables should report on the widget."}\n',
)
assert UNKNOWN_WITH_PARTS_SET != SMALL_SET

# The small set with Welsh wordings (fictional test text, as the set is): recommendation 1 the project's own
# translation, 3 from a (fictional) published source, and 1.1 a sub-recommendation's; 2 and 1.2 have none.
WELSH_CY_1 = "Prawf: dylai prif gwnstabliaid gofnodi pethau'n iawn."
WELSH_CY_3 = "Prawf: dylai comisiynwyr a'r Swyddfa Gartref ariannu cymorth."
WELSH_CITATION = "Fictional Welsh edition of the test report, page 4"
WELSH_SET = (
    SMALL_SET.replace(
        "    text: Chief constables should record things properly.\n",
        "    text: Chief constables should record things properly.\n"
        f'    text_cy: "{WELSH_CY_1}"\n'
        "    text_cy_source: project_translation\n",
    )
    .replace(
        "    text: Commissioners and the Home Office should fund support.\n",
        "    text: Commissioners and the Home Office should fund support.\n"
        f'    text_cy: "{WELSH_CY_3}"\n'
        "    text_cy_source: source\n"
        f"    text_cy_citation: {WELSH_CITATION}\n",
    )
    .replace(
        '{number: "1.1", text: Use the new field.}',
        '{number: "1.1", text: Use the new field., text_cy: "Prawf: defnyddiwch y maes newydd.", '
        "text_cy_source: project_translation}",
    )
)
assert WELSH_SET.count("text_cy:") == 3


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path
