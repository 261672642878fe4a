"""practice search in Welsh: practice.search_context also holds its themes' Welsh names and its Welsh texts

Revision ID: 6c1e0a2b9d47
Revises: 0520bb66e5d0
Create Date: 2026-12-21 12:00:00

No schema change: ``search_context`` (searched by the FTS5 table on SQLite and the expression index on PostgreSQL)
is filled again by tracker.practice.search.refresh_context, which now adds the Welsh a Welsh reader sees, so a
search in Welsh finds the practice already stored. Downgrading fills it again without the Welsh.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "6c1e0a2b9d47"
down_revision: str | Sequence[str] | None = "0520bb66e5d0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _refill(*, welsh: bool) -> None:
    from sqlalchemy.orm import Session

    from tracker.practice.search import refresh_context

    session = Session(bind=op.get_bind())
    refresh_context(session, welsh=welsh)
    session.flush()


def upgrade() -> None:
    _refill(welsh=True)


def downgrade() -> None:
    _refill(welsh=False)
