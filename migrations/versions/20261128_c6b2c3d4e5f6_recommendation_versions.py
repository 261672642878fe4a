"""recommendation versions, who confirmed a recommendation, removed sub-recommendations

Revision ID: c6b2c3d4e5f6
Revises: a96b7fd9218a
Create Date: 2026-11-28 18:00:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "c6b2c3d4e5f6"
down_revision: str | Sequence[str] | None = "a96b7fd9218a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "recommendation_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("actor_label", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendation.id"],
            name=op.f("fk_recommendation_version_recommendation_id_recommendation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommendation_version")),
        sa.UniqueConstraint("recommendation_id", "version", name="uq_recommendation_version_recommendation_id"),
    )
    with op.batch_alter_table("recommendation_version", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recommendation_version_recommendation_id"), ["recommendation_id"], unique=False
        )
    with op.batch_alter_table("recommendation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("confirmed_by_label", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("recommendation", schema=None) as batch_op:
        batch_op.drop_column("removed_at")
        batch_op.drop_column("confirmed_by_label")
    with op.batch_alter_table("recommendation_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recommendation_version_recommendation_id"))
    op.drop_table("recommendation_version")
