"""practice search: FTS5 on SQLite, a GIN full-text index on PostgreSQL

Revision ID: c5a1b2c3d4e5
Revises: c6b2c3d4e5f6 (re-chained after merging main; first written on a96b7fd9218a)
Create Date: 2026-11-28 18:00:00

The objects here are not described by any model (tracker.practice.search says how they are queried, and
migrations/env.py keeps autogenerate away from them). On SQLite the triggers keep ``practice_fts`` in step
with ``practice``; a later batch migration that rebuilds the ``practice`` table must create them again.
"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "c5a1b2c3d4e5"
down_revision: str | Sequence[str] | None = "c6b2c3d4e5f6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("title", "summary", "what_was_done", "outcomes", "evaluation")
# Must stay the same expression as tracker.practice.search.PG_DOCUMENT, or PostgreSQL will not use the index.
PG_DOCUMENT = "to_tsvector('english', " + " || ' ' || ".join(f"coalesce({c}, '')" for c in COLUMNS) + ")"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX ix_practice_search ON practice USING gin ({PG_DOCUMENT})")
        return
    cols = ", ".join(COLUMNS)
    new = ", ".join(f"new.{c}" for c in COLUMNS)
    old = ", ".join(f"old.{c}" for c in COLUMNS)
    op.execute(
        f"CREATE VIRTUAL TABLE practice_fts USING fts5({cols}, content='practice', content_rowid='id', "
        "tokenize='porter unicode61 remove_diacritics 0')"
    )
    op.execute(
        f"CREATE TRIGGER practice_fts_insert AFTER INSERT ON practice BEGIN "
        f"INSERT INTO practice_fts(rowid, {cols}) VALUES (new.id, {new}); END"
    )
    op.execute(
        f"CREATE TRIGGER practice_fts_delete AFTER DELETE ON practice BEGIN "
        f"INSERT INTO practice_fts(practice_fts, rowid, {cols}) VALUES ('delete', old.id, {old}); END"
    )
    op.execute(
        f"CREATE TRIGGER practice_fts_update AFTER UPDATE ON practice BEGIN "
        f"INSERT INTO practice_fts(practice_fts, rowid, {cols}) VALUES ('delete', old.id, {old}); "
        f"INSERT INTO practice_fts(rowid, {cols}) VALUES (new.id, {new}); END"
    )
    op.execute("INSERT INTO practice_fts(practice_fts) VALUES ('rebuild')")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_practice_search")
        return
    for trigger in ("practice_fts_insert", "practice_fts_delete", "practice_fts_update"):
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS practice_fts")
