"""The themes of a report's updates leave out the demo's marker, known from a neutral place (never the demo)."""

from __future__ import annotations

import ast
from pathlib import Path

import tracker.reports.themes as themes_module
from tracker.reports.themes import themes
from tracker.vocabulary import DEMO_MARKER


def test_the_demo_marker_is_never_a_theme():
    updates = [
        ("kent", f"Risk assessment training delivered. {DEMO_MARKER}."),
        ("gwent", f"Risk assessment reviewed ({DEMO_MARKER.lower()})."),
    ]
    phrases = [t.phrase for t in themes(updates)]
    assert phrases and phrases[0] == "risk assessment"
    marker_words = set(DEMO_MARKER.lower().split())
    assert not any(set(p.split()) & marker_words for p in phrases), phrases


def test_the_themes_do_not_import_the_demo():
    tree = ast.parse(Path(themes_module.__file__).read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    }
    assert not any(name and name.startswith("tracker.demo") for name in imported)


def test_the_demo_marks_its_texts_with_the_neutral_marker():
    from tracker.demo.texts import MARK

    assert MARK == DEMO_MARKER
