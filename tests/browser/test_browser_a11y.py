"""axe-core (vendored, never fetched) on every page of the nav: no serious or critical violation."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

BLOCKING = ("serious", "critical")


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['impact']} {v['id']}: {v['help']} ({len(v['nodes'])} elements; {v['helpUrl']})")
        for node in v["nodes"][:4]:
            lines.append(f"    {node['target']}: {node['html']}\n      {node['summary']}".rstrip())
    return "\n".join(lines)


def test_axe_has_no_serious_violations(site, desktop, axe, nav_page):
    desktop.goto(site.url(nav_page))
    violations = [v for v in axe(desktop) if v["impact"] in BLOCKING]
    assert not violations, f"axe on {nav_page}:\n{describe(violations)}"
