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
from typing import Any

import pytest
from argon2 import PasswordHasher
from jinja2 import Environment, FileSystemLoader

import tracker
from tracker import migrate
from tracker.accounts import passwords, signin
from tracker.web.template_cache import bytecode_cache
from tracker.web.templating import build_environment

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
    migrate.upgrade(url)  # here, not in the fresh interpreter: it would load Alembic there
    code = f"""
from tracker.app import create_app
from tracker.settings import Settings
create_app(Settings(database_url={url!r}))
"""
    assert loaded_after(code) == []


def run_command(arguments: list[str]) -> str:
    return f"""
import sys
sys.argv = ["tracker", *{arguments!r}]
from tracker.cli import main
try:
    main()
except SystemExit:
    pass
"""


@pytest.mark.parametrize("arguments", [["--help"], ["db", "--help"], ["users", "create", "--help"]])
def test_the_command_s_help_loads_none_of_them(arguments):
    assert loaded_after(run_command(arguments)) == []


def test_the_command_s_help_does_not_build_the_web_app():
    """``tracker --help`` needs neither the web framework nor the database modules."""
    web = ("litestar", "sqlalchemy", "tracker.app")
    check = run_command(["--help"]) + f"print([m for m in {web!r} if m in sys.modules])"
    env = {**os.environ, "PYTHONPATH": str(SOURCE)}
    done = subprocess.run([sys.executable, "-c", check], env=env, capture_output=True, text=True, timeout=120)
    assert "Usage: tracker" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "[]"


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


def cached_environment(templates: Path, cache: Path, **options: Any) -> Environment:
    environment = Environment(loader=FileSystemLoader(templates), **options)
    environment.bytecode_cache = bytecode_cache(environment, cache)
    return environment


def test_compiled_templates_are_kept_between_processes_and_an_edited_one_is_compiled_afresh(tmp_path):
    """``tracker serve`` compiles every template at start-up (tracker.app.freeze_start_up_objects): a restart loads
    them from var/template-cache instead, but never a template's code compiled from an older source."""
    templates, cache = tmp_path / "templates", tmp_path / "cache"
    templates.mkdir()
    (templates / "page.html").write_text("Hello {{ name }}")
    assert cached_environment(templates, cache).get_template("page.html").render(name="Kent") == "Hello Kent"
    assert len(list(cache.iterdir())) == 1
    (templates / "page.html").write_text("Goodbye {{ name }}")
    assert cached_environment(templates, cache).get_template("page.html").render(name="Kent") == "Goodbye Kent"


def test_an_environment_with_other_settings_never_loads_another_s_compiled_code(tmp_path):
    templates, cache = tmp_path / "templates", tmp_path / "cache"
    templates.mkdir()
    (templates / "page.html").write_text("  {% if true %}\nyes\n  {% endif %}\n")
    plain = cached_environment(templates, cache).get_template("page.html").render()
    trimmed = cached_environment(templates, cache, trim_blocks=True, lstrip_blocks=True).get_template("page.html")
    assert trimmed.render() == "yes\n" != plain


def test_without_a_writable_folder_templates_are_compiled_each_time(tmp_path):
    (tmp_path / "file").write_text("")
    assert bytecode_cache(Environment(), tmp_path / "file" / "cache") is None


def test_the_app_s_templates_are_kept_in_var():
    assert build_environment().bytecode_cache is not None
