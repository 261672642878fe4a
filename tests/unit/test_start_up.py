"""Starting the app and the ``tracker`` command is quick: what only some requests or commands need is imported when
they run, not on start-up (issues 16 and 19).

Each import below costs a restart of the server and every command run in a subprocess from a tenth of a second to
a second of CPU (``python -X importtime -c "import tracker.app"``). Each test starts a fresh interpreter, as
``tracker serve`` and the command do, and lists the heavy libraries it finds already loaded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from argon2 import PasswordHasher

import tracker
from tracker.accounts import passwords, signin

# Spreadsheets and open data (pandas, numpy, openpyxl), PDFs (reportlab, pypdf), changing the schema (alembic).
HEAVY = ("pandas", "numpy", "openpyxl", "reportlab", "pypdf", "alembic")
SOURCE = Path(tracker.__file__).resolve().parents[1]


def loaded_after(code: str) -> list[str]:
    """The heavy libraries a fresh interpreter has loaded once it has run ``code``."""
    check = f"{code}\nimport json, sys\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    env = {**os.environ, "PYTHONPATH": str(SOURCE)}
    done = subprocess.run([sys.executable, "-c", check], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_importing_the_app_loads_none_of_the_heavy_libraries():
    assert loaded_after("import tracker.app") == []


def test_building_the_server_app_loads_none_of_them_either(tmp_path):
    """``create_app`` checks the database is at the latest migration, without Alembic."""
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    setup = f"from tracker import migrate\nmigrate.upgrade({url!r})\n"
    build = f"from tracker.app import create_app\nfrom tracker.settings import Settings\ncreate_app(Settings(database_url={url!r}))"
    code = f"import subprocess, sys\nsubprocess.run([sys.executable, '-c', {setup!r}], check=True)\n{build}"
    assert loaded_after(code) == []


@pytest.mark.parametrize("arguments", [["--help"], ["db", "--help"], ["users", "create", "--help"]])
def test_the_command_s_help_loads_none_of_them(arguments):
    code = f"import sys\nsys.argv = ['tracker', *{arguments!r}]\nfrom tracker.cli import main\ntry:\n    main()\n"
    assert loaded_after(code + "except SystemExit:\n    pass") == []


def test_the_command_s_help_does_not_build_the_web_app():
    """``tracker --help`` needs neither the web framework nor the models."""
    check = "import sys\nsys.argv = ['tracker', '--help']\nfrom tracker.cli import main\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
    check += "print('litestar' in sys.modules, 'tracker.app' in sys.modules, 'sqlmodel' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": str(SOURCE)}
    done = subprocess.run([sys.executable, "-c", check], env=env, capture_output=True, text=True, timeout=120)
    assert "Usage: tracker" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "False False False"


def test_the_hash_unknown_emails_are_checked_against_is_made_ahead_at_the_real_cost():
    """Making it on import cost 0.3 to 0.6 s of every start-up; made ahead, it still takes a real hash's time."""
    real = PasswordHasher()
    assert not real.check_needs_rehash(signin.PREMADE_DUMMY_HASH)
    assert real.verify(signin.PREMADE_DUMMY_HASH, signin.DUMMY_PASSWORD)


def test_a_hasher_with_other_settings_checks_unknown_emails_against_a_hash_of_its_own(monkeypatch):
    monkeypatch.setattr(signin, "_DUMMY_HASH", signin.PREMADE_DUMMY_HASH)
    made = signin._dummy_hash()  # the tests' quick hasher (tests/conftest.py)
    assert made != signin.PREMADE_DUMMY_HASH and not passwords.needs_rehash(made)
    assert passwords.verify_password(made, signin.DUMMY_PASSWORD)
    assert signin._dummy_hash() is made
