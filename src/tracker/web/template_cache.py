"""Compiled templates kept on disk between processes, so that a restart (``tracker serve`` compiles every template
before it freezes its start-up objects, ``tracker.app.freeze_start_up_objects``) and each test process load them
instead of compiling them again.

Jinja's ``FileSystemBytecodeCache`` is safe with several processes: it writes each entry to a temporary file and
renames it into place, and a reader that finds a missing or half-written entry compiles the template instead. Each
entry records its template's path and a checksum of its source, so an edited template is compiled afresh; the
file names also carry a key of the Python and Jinja versions and of every environment setting that changes the
compiled code, so a change to those never loads code compiled for another. The folder is under ``var/`` (the
deployment's writable folder, which the service's private /tmp is not), readable by the server's user only.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import jinja2
from jinja2 import Environment, FileSystemBytecodeCache

from tracker.settings import PROJECT_ROOT

TEMPLATE_CACHE_DIR = PROJECT_ROOT / "var" / "template-cache"


def bytecode_cache(environment: Environment, directory: Path = TEMPLATE_CACHE_DIR) -> FileSystemBytecodeCache | None:
    """A cache of ``environment``'s compiled templates in ``directory``; None (compile each time, as before) where
    the folder cannot be made, such as a read-only installation."""
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return None
    return FileSystemBytecodeCache(str(directory), f"{compiled_code_key(environment)}-%s.cache")


def compiled_code_key(environment: Environment) -> str:
    """What the code compiled from a template depends on besides its source: versions and environment settings."""
    settings = (
        sys.version,
        jinja2.__version__,
        sorted(environment.extensions),
        sorted(environment.filters),
        sorted(environment.tests),
        getattr(environment, "newstyle_gettext", None),  # set by the i18n extension's install_gettext_callables
        environment.finalize is not None,
        environment.autoescape if isinstance(environment.autoescape, bool) else "function",
        environment.optimized,
        environment.trim_blocks,
        environment.lstrip_blocks,
        environment.keep_trailing_newline,
        environment.newline_sequence,
        environment.block_start_string,
        environment.block_end_string,
        environment.variable_start_string,
        environment.variable_end_string,
        environment.comment_start_string,
        environment.comment_end_string,
        environment.line_statement_prefix,
        environment.line_comment_prefix,
    )
    return hashlib.sha256(repr(settings).encode()).hexdigest()[:16]
