"""axe-core in the browser tests (tests/e2e): the WCAG A/AA violations on the page Chromium shows now.

axe-core is vendored from the npm registry (tests/e2e/vendor, refreshed by `make assets`) and evaluated in each
page through the DevTools protocol, so the pages' Content-Security-Policy stays as strict as it is for everyone.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

AXE = (Path(__file__).parent.parent / "e2e" / "vendor" / "axe.min.js").read_text()
# The WCAG 2.0, 2.1 and 2.2 success criteria at levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def known_design_system_exception(rule: str, node: dict) -> bool:
    """GOV.UK Frontend's radios and checkboxes that reveal more questions carry aria-expanded, which ARIA does not
    allow on them. The Design System keeps it on purpose (screen readers announce it; see
    github.com/alphagov/govuk-frontend/issues/979), so do we, and the accessibility statement lists it. Only that
    attribute, on those inputs, is excused: any other failure of the rule still fails the test."""
    return (
        rule == "aria-allowed-attr"
        and re.match(r'<input class="govuk-(radios|checkboxes)__input"', node["html"]) is not None
        and all(
            re.fullmatch(r'ARIA attribute is not allowed: aria-expanded="(true|false)"', check["message"])
            for check in node["any"] + node["all"] + node["none"]
        )
    )


def axe_violations(page) -> list[dict]:
    """axe-core's violations of the WCAG A/AA rules on the page as it is now."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE)
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    violations = []
    for violation in result["violations"]:
        nodes = [n for n in violation["nodes"] if not known_design_system_exception(violation["id"], n)]
        if nodes:
            violations.append({**violation, "nodes": nodes})
    return violations


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} - {v['helpUrl']}")
        for node in v["nodes"][:5]:
            lines.append(f"    {json.dumps(node['target'])}: {node['failureSummary'].splitlines()[-1].strip()}")
            lines.append(f"      {node['html'][:200]}")
    return "\n".join(lines)
