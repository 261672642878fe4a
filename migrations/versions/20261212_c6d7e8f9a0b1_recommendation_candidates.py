"""recommendation candidates: wordings and addressees quoted by organisations' plans (issue 17, part 2)

Revision ID: c6d7e8f9a0b1
Revises: b5c6d7e8f9a0
Create Date: 2026-12-11 00:00:00

A plan import keeps each row's "Recommendation" wording and "Rec. Owner" as a candidate for an admin to accept,
never applied by itself. The new provenance level "quoted" needs no change to the schema (a short string).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "c6d7e8f9a0b1"
down_revision: str | Sequence[str] | None = "b5c6d7e8f9a0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "recommendation_candidate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=True),
        sa.Column("imported_on", sa.Date(), nullable=False),
        sa.Column("imported_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["imported_by_id"],
            ["user_account.id"],
            name=op.f("fk_recommendation_candidate_imported_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_recommendation_candidate_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["recommendation_id"],
            ["recommendation.id"],
            name=op.f("fk_recommendation_candidate_recommendation_id_recommendation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommendation_candidate")),
        sa.UniqueConstraint(
            "recommendation_id", "organisation_id", "kind", "key", name="uq_recommendation_candidate_quote"
        ),
    )
    op.create_index(
        op.f("ix_recommendation_candidate_organisation_id"), "recommendation_candidate", ["organisation_id"]
    )
    op.create_index(
        op.f("ix_recommendation_candidate_recommendation_id"), "recommendation_candidate", ["recommendation_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_recommendation_candidate_recommendation_id"), table_name="recommendation_candidate")
    op.drop_index(op.f("ix_recommendation_candidate_organisation_id"), table_name="recommendation_candidate")
    op.drop_table("recommendation_candidate")
