"""The project's Welsh catalogue in use outside a request: ``with in_welsh(): render_pdf(data)`` draws what a
``?lang=cy`` request draws."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager

from tracker.settings import TRANSLATIONS_DIR
from tracker.web.i18n import Catalogues, translations_in_use


@functools.cache
def _catalogues() -> Catalogues:
    return Catalogues.load(TRANSLATIONS_DIR)


@contextmanager
def in_welsh() -> Iterator[None]:
    with translations_in_use(_catalogues().translations("cy")):
        yield


def welsh(message: str, **variables: object) -> str:
    """``message`` as the Welsh pages show it (``%(name)s`` filled from ``variables``), for a test that finds a
    Welsh page's label or button by its words; a message the catalogue does not translate fails the test."""
    text = _catalogues().translations("cy").gettext(message)
    assert text != message, f"the Welsh catalogue does not translate {message!r}"
    return text % variables if variables else text
