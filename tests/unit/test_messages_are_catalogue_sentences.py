"""Every message the app shows a person is a whole sentence of the interface catalogue, so a Welsh page says it in
Welsh (issue 20): a message with values is ``gettext("… %(number)s …", number=…)``, translated as it is raised, and
a constant is marked ``N_("…")`` and translated where it is shown (tracker.web.fields.errors_of). A message glued
together in Python (an f-string, ``%``, ``.format`` or ``+``) is not in the catalogue and stays English on every
page; so is a plain string nobody marked.

This test reads the source (``ast``) and looks where messages go: the values of ``InputError({...})`` (under any
of its names) and of ``Form(errors={...})``, ``errors[...] =`` and ``problems[...] =``, ``form.error(field,
message)``, and the message of ``raise`` of the app's errors that reach a page (``USER_FACING``). There, a
message must not be built, the text given to ``gettext`` / ``_`` / ``N_`` must not be built either, and a plain
string (or a module constant holding one) must be a msgid of translations/messages.pot.

It cannot see a message returned by a helper and put in place elsewhere, nor one whose page shows ``str(exc)``
without translating it (a plain N_ constant there stays English): those are for review.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "src" / "tracker"
CATALOGUE = ROOT / "translations" / "messages.pot"

# The app's errors whose message a person reads on a page (or in an API problem document).
USER_FACING = {
    "InputError",
    "EditError",  # tracker.recommendations.editing's name for InputError
    "PlanError",  # tracker.plans.services's former name for it
    "PracticeError",  # tracker.practice.services's former name for it
    "EvidenceSaveError",
    "SpreadsheetError",
    "ImportConflict",
    "PeriodError",
    "FileTooLarge",
    "FileTypeError",
    "CannotAdopt",
    "NotDeclared",
    "NothingToPublish",
    "WelshMissing",
    "ReportDocumentError",
    "UploadNotKept",
    "DateParseError",
}
INPUT_ERRORS = {"InputError", "EditError", "PlanError", "PracticeError", "EvidenceSaveError"}
ERROR_MAPS = ("errors", "problems")
TRANSLATORS = {"_", "gettext", "ngettext", "N_", "lazy_gettext", "pgettext", "NC_"}
LOGGERS = {"log", "logger", "logging"}

# Files whose messages are read by an operator or a programmer, in English by design (not the interface):
ALLOWED = {
    "cli.py": "the `tracker` command's output (click), for the operator",
    "cli_session.py": "the `tracker` command's session helpers, for the operator",
    "backup.py": "backups and restores, run by the operator",
    "checks.py": "start-up and deployment checks, for the operator",
    "migrate.py": "database migrations, for the operator",
    "settings.py": "configuration errors (SettingsError) at start-up, for the operator",
}
ALLOWED_FOLDERS = {
    "demo": "the synthetic demo data's builder (`tracker setup --demo`), for the operator and the tests",
}


def _sources() -> Iterator[Path]:
    for path in sorted(SOURCE.rglob("*.py")):
        if path.name in ALLOWED or ALLOWED_FOLDERS.keys() & set(path.relative_to(SOURCE).parts):
            continue
        yield path


def _built(node: ast.AST) -> bool:
    """Text made in Python from pieces: an f-string, ``"…" % x``, ``"…".format(…)`` or ``"…" + x``."""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        parts = (node.left, node.right)
        return any((isinstance(p, ast.Constant) and isinstance(p.value, str)) or _built(p) for p in parts)
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"


def _name(func: ast.AST) -> str:
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _messages(tree: ast.Module) -> Iterator[tuple[int, ast.AST]]:
    """Each place in a module where a message for a person goes, with its line."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _name(node.func)
            if name in INPUT_ERRORS and node.args and isinstance(node.args[0], ast.Dict):
                yield from ((node.lineno, v) for v in node.args[0].values)
            for keyword in node.keywords:  # Form(errors={...})
                if keyword.arg in ERROR_MAPS and isinstance(keyword.value, ast.Dict):
                    yield from ((node.lineno, v) for v in keyword.value.values)
            if name == "error" and len(node.args) >= 2 and _name(getattr(node.func, "value", None)) not in LOGGERS:
                yield node.lineno, node.args[-1]
        elif isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and node.exc.args:
            if _name(node.exc.func) in USER_FACING and not isinstance(node.exc.args[0], ast.Dict):
                yield node.lineno, node.exc.args[0]
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Subscript) and _name(target.value) in ERROR_MAPS:
                    yield node.lineno, node.value


def _constants(tree: ast.Module) -> dict[str, ast.AST]:
    """A module's names bound to a value at its top level (``STALE = "…"``, ``OWN_ACCESS = N_("…")``)."""
    found: dict[str, ast.AST] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            found[node.targets[0].id] = node.value
    return found


def _fault(message: ast.AST, constants: dict[str, ast.AST], catalogue: set[str]) -> str | None:
    """What is wrong with one message, or None."""
    if isinstance(message, ast.Name) and message.id in constants:
        message = constants[message.id]
    if _built(message):
        return f"built in Python: {ast.unparse(message)[:80]}"
    if isinstance(message, ast.Call) and _name(message.func) in TRANSLATORS and message.args:
        text = message.args[-1] if _name(message.func) in ("pgettext", "NC_") else message.args[0]
        if _built(text):
            return f"its catalogue text is built in Python: {ast.unparse(text)[:80]}"
    if isinstance(message, ast.Constant) and isinstance(message.value, str) and message.value not in catalogue:
        return f"not in the catalogue (mark it N_): {message.value[:80]!r}"
    return None


def faults(paths: list[Path], catalogue: set[str]) -> list[str]:
    out = []
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = _constants(tree)
        for line, message in _messages(tree):
            if (fault := _fault(message, constants, catalogue)) is not None:
                out.append(f"{path.relative_to(ROOT)}:{line}: {fault}")
    return sorted(out)


@pytest.fixture(scope="module")
def catalogue() -> set[str]:
    with CATALOGUE.open("rb") as f:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}


def test_every_message_shown_to_a_person_is_a_catalogue_sentence(catalogue):
    assert faults(list(_sources()), catalogue) == []


@pytest.mark.parametrize(
    "code",
    [
        'raise InputError({"name": f"{name} is taken"})',
        'errors["name"] = "Choose " + name',
        'form.error("file", "The file is larger than %s MB" % limit)',
        'raise PeriodError("{} is not frozen".format(name))',
        'raise PeriodError(_(f"{name} is not frozen"))',
        'problems["x"] = "A sentence nobody marked for the catalogue"',
        'STALE = "A sentence nobody marked"\nraise UploadNotKept(STALE)',
        'form = Form(values=values, errors={"candidate": f"{number} changed"})',
    ],
)
def test_a_message_built_in_python_or_left_unmarked_is_found(code):
    assert len(_faults_of(code, set())) == 1


@pytest.mark.parametrize(
    "code",
    [
        'raise InputError({"name": _("%(name)s is taken", name=name)})',
        'errors["deadline"] = N_("The deadline must be a real date")',
        'log.error("could not read %s: %s", path, exc)',
        'raise ValueError(f"evidence {number} has no stored file")',  # a programming error, not a page's
        "raise PeriodError(_(TAKEN, name=name))",
    ],
)
def test_a_catalogue_sentence_or_a_programming_error_passes(code):
    assert _faults_of(code, {"The deadline must be a real date"}) == []


def _faults_of(code: str, catalogue: set[str]) -> list[str]:
    tree = ast.parse(code)
    constants = _constants(tree)
    return [f for _, m in _messages(tree) if (f := _fault(m, constants, catalogue)) is not None]
