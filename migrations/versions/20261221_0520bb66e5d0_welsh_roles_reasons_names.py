"""Welsh twins of the lead role, the not-applicable reason and an action's owner (public texts a bilingual
organisation writes in both languages), and organisations' Welsh names (pass 11, F3 and F7)

Revision ID: 0520bb66e5d0
Revises: f5728c7b49e2
Create Date: 2026-12-20 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0520bb66e5d0"
down_revision: str | Sequence[str] | None = "f5728c7b49e2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_COLUMNS = [
    ("response", "lead_role_cy", sa.String(length=200)),
    ("response", "not_applicable_reason_cy", sa.Text()),
    ("action", "owner_role_cy", sa.String(length=200)),
    ("organisation", "name_cy", sa.String(length=200)),
]


def upgrade() -> None:
    # Plain ADD COLUMN (no batch): SQLite would otherwise copy tables that other tables' rows point at.
    for table, column, kind in NEW_COLUMNS:
        op.add_column(table, sa.Column(column, kind, nullable=True))


def downgrade() -> None:
    for table, column, _kind in reversed(NEW_COLUMNS):
        with op.batch_alter_table(table) as batch:
            batch.drop_column(column)
