"""The review state of each translated string, and the operator's commands for it (``tracker translations``).

Nobody on the team reads Welsh well enough to sign off a translation, so every string translated here carries the
flag ``unreviewed`` in its catalogue (``#, unreviewed``). Gettext ignores only ``fuzzy`` entries, so an unreviewed
string is still shown; the flag says that a speaker of the language has yet to check it. When a reviewed
catalogue comes back (a .po file from a translator, with the entries they checked and without the flag), ``tracker
translations import FILE`` takes its translations and drops the flag from them; ``tracker translations status``
(and ``make translations``) counts, per language, the strings not translated and not yet reviewed, and the
accessibility statement says so (tracker.web.i18n.Catalogues.review).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po, write_po

from tracker.settings import TRANSLATIONS_DIR

REVIEW_FLAG = "unreviewed"
REVIEWED_NOTE = "reviewed by a speaker of the language"  # a translator comment, kept by `pybabel update`
DOMAIN_FILE = Path("LC_MESSAGES") / "messages.po"


@dataclass(frozen=True)
class CatalogueStatus:
    locale: str
    total: int
    untranslated: int
    unreviewed: int

    @property
    def reviewed(self) -> int:
        return self.total - self.untranslated - self.unreviewed


def _translated(message: Message) -> bool:
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return all(strings) and not message.fuzzy


def read_catalogue(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, abort_invalid=True)


def catalogue_status(catalog: Catalog, locale: str) -> CatalogueStatus:
    """How many strings a catalogue holds, lacks and has not had reviewed."""
    messages = [m for m in catalog if m.id]
    untranslated = sum(1 for m in messages if not _translated(m))
    unreviewed = sum(1 for m in messages if _translated(m) and REVIEW_FLAG in m.flags)
    return CatalogueStatus(locale, len(messages), untranslated, unreviewed)


def statuses(directory: Path = TRANSLATIONS_DIR) -> list[CatalogueStatus]:
    """The status of every language's catalogue in ``directory``."""
    return [
        catalogue_status(read_catalogue(path), path.parents[1].name)
        for path in sorted(directory.glob(f"*/{DOMAIN_FILE.as_posix()}"))
    ]


@dataclass(frozen=True)
class ImportResult:
    reviewed: int  # strings now marked reviewed
    changed: int  # of those, how many the reviewer reworded
    unknown: list[str]  # strings in the file that the catalogue does not hold (left out)
    skipped: int  # strings in the file still untranslated, fuzzy or flagged unreviewed (left as they were)


def import_reviewed(target: Catalog, reviewed: Catalog) -> ImportResult:
    """Take ``reviewed``'s translations into ``target`` and mark them reviewed. An entry the reviewer left
    fuzzy, empty or flagged unreviewed is not taken; one the catalogue does not hold is reported, not added."""
    done = changed = skipped = 0
    unknown: list[str] = []
    for message in reviewed:
        if not message.id:
            continue
        if not _translated(message) or REVIEW_FLAG in message.flags:
            skipped += 1
            continue
        mine = target.get(message.id, message.context)
        if mine is None:
            unknown.append(str(message.id if isinstance(message.id, str) else message.id[0]))
            continue
        if mine.string != message.string:
            changed += 1
            mine.string = message.string
        mine.flags.discard(REVIEW_FLAG)
        mine.flags.discard("fuzzy")
        if REVIEWED_NOTE not in mine.user_comments:
            mine.user_comments.append(REVIEWED_NOTE)
        done += 1
    return ImportResult(done, changed, unknown, skipped)


def mark_unreviewed(catalog: Catalog) -> int:
    """Flag every translated string that carries no review state yet (a newly translated one) as unreviewed."""
    flagged = 0
    for message in catalog:
        reviewed = REVIEWED_NOTE in message.user_comments
        if message.id and _translated(message) and REVIEW_FLAG not in message.flags and not reviewed:
            message.flags.add(REVIEW_FLAG)
            flagged += 1
    return flagged


def save_catalogue(catalog: Catalog, path: Path) -> None:
    with path.open("wb") as f:
        write_po(f, catalog, width=120, include_previous=False)


@click.group("translations")
def translations() -> None:
    """The interface's translations: their review state, and importing a reviewed catalogue."""


@translations.command("status")
@click.option("--directory", type=click.Path(file_okay=False, path_type=Path), default=TRANSLATIONS_DIR)
def status_command(directory: Path) -> None:
    """Per language: strings, untranslated, awaiting review by a speaker of the language, reviewed."""
    for s in statuses(directory):
        click.echo(
            f"{s.locale}: {s.total} strings, {s.untranslated} untranslated, "
            f"{s.unreviewed} awaiting review by a speaker, {s.reviewed} reviewed"
        )


@translations.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--locale", default="cy", show_default=True, help="The language the reviewed file is in.")
@click.option("--directory", type=click.Path(file_okay=False, path_type=Path), default=TRANSLATIONS_DIR)
def import_command(file: Path, locale: str, directory: Path) -> None:
    """Take a reviewed catalogue (a .po file): its translations replace ours and are marked reviewed."""
    path = directory / locale / DOMAIN_FILE
    if not path.exists():
        raise click.ClickException(f"There is no {locale} catalogue at {path}")
    try:
        reviewed = read_catalogue(file)
    except Exception as exc:  # babel raises several kinds for a file that is not a catalogue
        raise click.ClickException(f"{file} is not a gettext catalogue: {exc}") from exc
    target = read_catalogue(path)
    result = import_reviewed(target, reviewed)
    save_catalogue(target, path)
    click.echo(
        f"{result.reviewed} strings marked reviewed ({result.changed} reworded by the reviewer); "
        f"{result.skipped} left as they were (untranslated, fuzzy or still flagged unreviewed in the file)."
    )
    for text in result.unknown:
        click.echo(f"not in the catalogue (left out): {text}")
    if result.reviewed:
        click.echo("Run `make translations` to compile the catalogue.")


if __name__ == "__main__":  # `make translations`: new translations are flagged unreviewed, then the counts
    for found in sorted(TRANSLATIONS_DIR.glob(f"*/{DOMAIN_FILE.as_posix()}")):
        catalogue = read_catalogue(found)
        if mark_unreviewed(catalogue):
            save_catalogue(catalogue, found)
    translations.main(["status"], standalone_mode=False)
