"""The tests' own layout (issue 16): no module under tests/ imports a test module. What tests share (helpers,
constants, fixtures) lives in tests/support/, fixtures in a module registered in tests/conftest.py's
``pytest_plugins``. A fixture imported from a test module hides where it comes from (behind ``noqa: F401, F811``),
and the importer breaks, or silently changes, when that module's tests rename or change a helper for their own use.
"""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def is_test_module(dotted: str) -> bool:
    """``tests.web.test_api`` is a test module (pytest collects ``test_*.py``); ``tests.support.api`` is not."""
    parts = dotted.split(".")
    return parts[0] == "tests" and parts[-1].startswith("test_")


def module_name(path: Path, root: Path) -> str:
    return ".".join(path.relative_to(root.parent).with_suffix("").parts)


def absolute(node: ast.ImportFrom, importer: str) -> str:
    """The module ``node`` imports from, with a relative import (``from .test_api import x``) made absolute."""
    if not node.level:
        return node.module or ""
    package = importer.split(".")[: -node.level]
    return ".".join([*package, *([node.module] if node.module else [])])


def imports_of_test_modules(path: Path, root: Path = TESTS) -> list[str]:
    """Each import of a test module in ``path``, as ``file:line: the import``."""
    importer = module_name(path, root)
    where = path.relative_to(root.parent)
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            imported = any(is_test_module(alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            source = absolute(node, importer)
            imported = is_test_module(source) or any(is_test_module(f"{source}.{a.name}") for a in node.names)
        else:
            continue
        if imported:
            found.append(f"{where}:{node.lineno}: {ast.unparse(node)}")
    return found


def test_no_module_under_tests_imports_a_test_module():
    offending = [line for path in sorted(TESTS.rglob("*.py")) for line in imports_of_test_modules(path)]
    assert not offending, (
        "Move what these share to tests/support/ (fixtures into a module in tests/conftest.py's pytest_plugins) and "
        "import it from there:\n" + "\n".join(offending)
    )


def test_every_form_of_importing_a_test_module_is_caught(tmp_path):
    root = tmp_path / "tests"
    (root / "web").mkdir(parents=True)
    imports = [
        "from tests.web.test_api import kent",
        "import tests.web.test_api",
        "import tests.web.test_api as api",
        "from tests.web import test_api",
        "from .test_api import kent",
        "from . import test_api",
        "from ..web.test_api import kent",
        "def later():\n    from tests.web.test_api import kent",
    ]
    allowed = ["from tests.support.api import token_for", "from tests.support import bombs", "import tests.support"]
    caught = []
    for number, line in enumerate(imports + allowed):
        path = root / "web" / f"test_case{number}.py"
        path.write_text(line + "\n", encoding="utf-8")
        if imports_of_test_modules(path, root):
            caught.append(line)
    assert caught == imports
