"""a recommendation's Welsh wording, with where it comes from: a published source (and its citation) or the
project's own translation awaiting review by a Welsh speaker (issue 20, part 4)

Revision ID: cfde790edb00
Revises: 19654c841b57
Create Date: 2026-12-20 00:00:00

No recommendation has a Welsh wording yet (none of the report is known to us in Welsh).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "cfde790edb00"
down_revision: str | Sequence[str] | None = "19654c841b57"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch): the table is not copied.
    op.add_column("recommendation", sa.Column("text_cy", sa.Text(), nullable=True))
    op.add_column("recommendation", sa.Column("text_cy_source", sa.String(length=32), nullable=True))
    op.add_column("recommendation", sa.Column("text_cy_citation", sa.Text(), nullable=True))


def downgrade() -> None:
    for column in ("text_cy_citation", "text_cy_source", "text_cy"):
        with op.batch_alter_table("recommendation") as batch:
            batch.drop_column(column)
