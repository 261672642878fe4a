"""Shared by the tests of the deployment files (deploy/) and of `tracker check`: where they are, and how systemd
reads the environment file."""

from __future__ import annotations

import re

from tracker.settings import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"


def systemd_environment_file(text: str) -> dict[str, str]:
    """What systemd's EnvironmentFile= reads from ``text`` (systemd.exec(5)): KEY=VALUE lines, # comments, a
    value in double quotes taken without them (with \\" and \\\\ unescaped), otherwise as written."""
    values = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        name, _, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = re.sub(r'\\(["\\])', r"\1", value[1:-1])
        values[name.strip()] = value
    return values
