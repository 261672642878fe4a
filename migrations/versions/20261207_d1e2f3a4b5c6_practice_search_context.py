"""practice search covers themes and recommendations: practice.search_context, in the FTS5 table and GIN index

Revision ID: d1e2f3a4b5c6
Revises: 4f547e62b2c2
Create Date: 2026-12-07 00:30:00

``search_context`` holds, for search only, the names of a practice's themes and the number and wording of each
recommendation it addresses (tracker.practice.search.refresh_context keeps it in step). On SQLite the FTS5 table
and its triggers are made again with the new column; on PostgreSQL the expression index is made again over it.
The column is filled here from the data as it stands.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "d1e2f3a4b5c6"
down_revision: str | Sequence[str] | None = "4f547e62b2c2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_COLUMNS = ("title", "summary", "what_was_done", "outcomes", "evaluation")
NEW_COLUMNS = (*OLD_COLUMNS, "search_context")
TRIGGERS = ("practice_fts_insert", "practice_fts_delete", "practice_fts_update")


def pg_document(columns: Sequence[str]) -> str:
    """Must stay the same expression as tracker.practice.search.PG_DOCUMENT, or PostgreSQL will not use the index."""
    return "to_tsvector('english', " + " || ' ' || ".join(f"coalesce({c}, '')" for c in columns) + ")"


def make_search_objects(columns: Sequence[str]) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_practice_search")
        op.execute(f"CREATE INDEX ix_practice_search ON practice USING gin ({pg_document(columns)})")
        return
    for trigger in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DROP TABLE IF EXISTS practice_fts")
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
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


def upgrade() -> None:
    op.add_column("practice", sa.Column("search_context", sa.Text(), nullable=True))
    # Filled by the app's own function, so the migration and every later write derive the same text.
    from sqlalchemy.orm import Session

    from tracker.practice.search import refresh_context

    session = Session(bind=op.get_bind())
    refresh_context(session, welsh=False)  # no Welsh columns yet: 6c1e0a2b9d47 adds it
    session.flush()
    make_search_objects(NEW_COLUMNS)


def downgrade() -> None:
    make_search_objects(OLD_COLUMNS)
    if op.get_bind().dialect.name == "postgresql":
        op.drop_column("practice", "search_context")
    else:
        # The FTS5 triggers name the table; SQLite's batch copy must not carry them over half-made.
        for trigger in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        with op.batch_alter_table("practice") as batch:
            batch.drop_column("search_context")
        make_search_objects(OLD_COLUMNS)
