"""declared responses: an organisation answers a recommendation whose addressees are not yet known (issue 17, part 3)

Revision ID: a4b5c6d7e8f9
Revises: f3a4b5c6d7e8
Create Date: 2026-12-10 00:00:00

A plan import with rows on such a recommendation creates the organisation's response marked declared, instead of
refusing the file; when the addressees become known it reconciles (tracker.plans.obligations). Existing responses
all rest on their recommendations' addressees: declared is false for them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "a4b5c6d7e8f9"
down_revision: str | Sequence[str] | None = "f3a4b5c6d7e8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("response") as batch_op:
        batch_op.add_column(sa.Column("declared", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("declared_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_response_declared"), ["declared"], unique=False)
    with op.batch_alter_table("response") as batch_op:
        batch_op.alter_column("declared", server_default=None)  # the model sets it; no default in the schema


def downgrade() -> None:
    with op.batch_alter_table("response") as batch_op:
        batch_op.drop_index(batch_op.f("ix_response_declared"))
        batch_op.drop_column("declared_at")
        batch_op.drop_column("declared")
