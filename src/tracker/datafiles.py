"""Reading data files (YAML) with every problem reported by file, line and field.

Both loaders (organisations and recommendation sets) share this: parse, validate against a schema,
collect *every* problem, and only then touch the database, so a bad file loads nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from tracker.filelimits import MAX_YAML_DEPTH, MAX_YAML_NODES

Path_ = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a data file."""

    source: str
    line: int | None
    field: str
    message: str
    unit: str = "line"  # "row" for a spreadsheet

    def __str__(self) -> str:
        if self.line and self.unit == "row":
            where = f"{self.source}: row {self.line}"
        else:
            where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where}: {self.field or '(file)'}: {self.message}"


class LoadError(Exception):
    """A data file has problems; nothing was loaded."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s):\n" + "\n".join(f"  {p}" for p in problems))


@dataclass
class ParsedFile:
    """A parsed document plus the line of every key and list item in it."""

    source: str
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)
    # A spreadsheet: ``lines`` hold row numbers and ``columns`` the column heading behind each field.
    columns: dict[Path_, str] | None = None

    def line_of(self, path: Path_) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return None

    def problem(self, path: Path_, message: str) -> Problem:
        if self.columns is None:
            return Problem(self.source, self.line_of(path), dotted(path), message)
        name = next((self.columns[path[:end]] for end in range(len(path), -1, -1) if path[:end] in self.columns), "")
        return Problem(self.source, self.line_of(path), name, message, unit="row")


def dotted(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML has it: several times faster


MAX_NUMBER_CHARS = 100  # no number in our data files is longer; Python refuses ints of over 4,300 digits
_LONG_NUMBER = re.compile(r"[-+]?[0-9][0-9_:.a-fA-FxXoO+-]{" + str(MAX_NUMBER_CHARS) + ",}")


def _check_tree(text: str, source: str) -> None:
    """Stream the file's events and refuse, before anything is built, what could make it huge.

    An alias repeats a node by reference and nested aliases multiply (a 550-byte "billion laughs" file
    expands to billions of items), so anchors and aliases are refused outright: no data file of ours needs
    them. The count and depth of values (tracker.filelimits) bound what composing the file builds.
    """
    nodes = depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        problem = None
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            name = event.anchor or "name"
            problem = f"anchors and aliases (&{name}, *{name}) are not allowed: write the value out"
        elif isinstance(event, yaml.NodeEvent):
            nodes += 1
            if nodes > MAX_YAML_NODES:
                problem = f"the file holds more than {MAX_YAML_NODES:,} values; the limit is {MAX_YAML_NODES:,}"
        if isinstance(event, yaml.ScalarEvent) and not event.style and _LONG_NUMBER.fullmatch(event.value):
            problem = f"a number of {len(event.value):,} characters; the limit is {MAX_NUMBER_CHARS}"
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                problem = f"the file nests more than {MAX_YAML_DEPTH} levels deep; the limit is {MAX_YAML_DEPTH}"
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        if problem:
            raise LoadError([Problem(source, event.start_mark.line + 1, "", problem)])


def parse_yaml(text: str, source: str) -> ParsedFile:
    """Parse YAML text, recording line numbers; a syntax error, alias or excess becomes a ``LoadError``."""
    try:
        _check_tree(text, source)
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except ValueError as exc:  # a value the constructor cannot convert, past the checks above
        raise LoadError([Problem(source, None, "", f"a value cannot be read: {exc}")]) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise LoadError([Problem(source, line, "", f"not valid YAML: {getattr(exc, 'problem', exc)}")]) from exc
    parsed = ParsedFile(source, data)
    if node is not None:
        _walk(node, (), parsed.lines)
    return parsed


def read_yaml(path: Path) -> ParsedFile:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LoadError([Problem(str(path), None, "", f"cannot read the file: {exc}")]) from exc
    return parse_yaml(text, str(path))


def _walk(node: yaml.Node, path: Path_, lines: dict[Path_, int]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            child = (*path, str(key_node.value))
            lines[child] = key_node.start_mark.line + 1
            _walk(value_node, child, lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), lines)


def validate(parsed: ParsedFile, model: type[M]) -> tuple[M | None, list[Problem]]:
    """Validate the parsed document against a pydantic schema, turning errors into problems."""
    try:
        return model.model_validate(parsed.data), []
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            loc = tuple(p for p in error["loc"] if not isinstance(p, str) or not p.startswith("function-"))
            problems.append(parsed.problem(loc, _message(error)))
        return None, problems


def _message(error: Any) -> str:
    kind = error["type"]
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a known field (check the spelling)"
    return str(error["msg"]).removeprefix("Value error, ")


@dataclass
class LoadResult:
    """A readable account of what a load created, changed or left alone."""

    source: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    notes: list[str] = field(default_factory=list)
    dry_run: bool = False

    @property
    def changed_anything(self) -> bool:
        return bool(self.created or self.updated)

    def lines(self) -> list[str]:
        verb = "would be" if self.dry_run else "were"
        out = [
            f"{self.source}: {len(self.created)} {verb} created, {len(self.updated)} {verb} changed, "
            f"{self.unchanged} unchanged."
        ]
        out += [f"  + {item}" for item in self.created]
        out += [f"  ~ {item}" for item in self.updated]
        out += [f"  ! {note}" for note in self.notes]
        return out
