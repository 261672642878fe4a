"""Importing macros (``templating.ImportingTemplate``, a quicker check of the importer's globals) gives what Jinja's
own import gives: the module rendered once when the importer brings no globals of its own, a fresh one that sees
them when it does."""

from __future__ import annotations

from jinja2 import DictLoader, Environment

from tracker.web.templating import ImportingTemplate, build_environment

MACROS = "{% macro says() %}{{ word | default('none') }}{% endmacro %}"
IMPORTER = '{% from "macros.html" import says %}{{ says() }}'


def environment() -> Environment:
    env = Environment(loader=DictLoader({"macros.html": MACROS, "page.html": IMPORTER}))
    env.template_class = ImportingTemplate
    return env


def test_the_app_s_templates_import_this_way() -> None:
    assert issubclass(build_environment().template_class, ImportingTemplate)


def test_an_importer_with_no_globals_of_its_own_gets_the_module_rendered_once() -> None:
    env = environment()
    assert env.get_template("page.html").render() == "none"
    macros = env.get_template("macros.html")
    assert env.get_template("page.html").render() == "none"
    assert macros.module is env.get_template("macros.html").module


def test_an_importer_with_globals_of_its_own_gives_them_to_what_it_imports_after_a_plain_import() -> None:
    env = environment()
    assert env.get_template("page.html").render() == "none"  # the plain module is cached first
    assert env.from_string(IMPORTER, globals={"word": "mine"}).render() == "mine"
    assert env.get_template("page.html").render() == "none", "and the cached module is left as it was"
