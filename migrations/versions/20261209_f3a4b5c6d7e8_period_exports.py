"""period exports: what a frozen period's data exports hold, stored when it is frozen (outsider pass 5, finding 2)

Revision ID: f3a4b5c6d7e8
Revises: e2f3a4b5c6d7
Create Date: 2026-12-09 00:00:00

Periods frozen before this revision have nothing stored: their first export stores it, with a note saying when
it was captured (tracker.reports.period_exports), since the records as they stood at their freeze are gone.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "f3a4b5c6d7e8"
down_revision: str | Sequence[str] | None = "e2f3a4b5c6d7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "period_export",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("set_id", sa.Integer(), nullable=True),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["period_id"], ["reporting_period.id"], name=op.f("fk_period_export_period_id_reporting_period")
        ),
        sa.ForeignKeyConstraint(
            ["set_id"], ["recommendation_set.id"], name=op.f("fk_period_export_set_id_recommendation_set")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_period_export")),
    )
    op.create_index(op.f("ix_period_export_period_id"), "period_export", ["period_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_period_export_period_id"), table_name="period_export")
    op.drop_table("period_export")
