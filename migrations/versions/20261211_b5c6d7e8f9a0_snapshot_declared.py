"""snapshot declared: a frozen period keeps which responses were declared by their organisations (issue 17, part 3)

Revision ID: b5c6d7e8f9a0
Revises: a4b5c6d7e8f9
Create Date: 2026-12-11 00:00:00

The progress report and the exports of a frozen period label declared responses as they stood at the freeze.
Periods frozen before declarations existed held none: declared is false for their snapshots.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "b5c6d7e8f9a0"
down_revision: str | Sequence[str] | None = "a4b5c6d7e8f9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("snapshot") as batch_op:
        batch_op.add_column(sa.Column("declared", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("snapshot") as batch_op:
        batch_op.alter_column("declared", server_default=None)  # the model sets it; no default in the schema


def downgrade() -> None:
    with op.batch_alter_table("snapshot") as batch_op:
        batch_op.drop_column("declared")
