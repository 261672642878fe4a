"""published Welsh summary: the national pages list each published response's summary in the reader's language
(issue 20, part 2)

Revision ID: 660976d5ae3e
Revises: a1b2c3d4e5f6
Create Date: 2026-12-18 00:00:00

Nothing to fill in: publications made before plans carried Welsh (``tracker.plans.publication.public_plan``) hold
none, which reads as no Welsh written.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "660976d5ae3e"
down_revision: str | Sequence[str] | None = "a1b2c3d4e5f6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch): a nullable column needs no copy of the table.
    op.add_column("published_response", sa.Column("summary_cy", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("published_response", schema=None) as batch_op:
        batch_op.drop_column("summary_cy")
