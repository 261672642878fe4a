"""report document uploads: the document an admin checks a set against, kept between the review and applying it

Revision ID: d7e8f9a0b1c2
Revises: c6d7e8f9a0b1
Create Date: 2026-12-13 00:00:00

The review page carried the whole document (base64) in a hidden field, so a 25 MB PDF made a 33 MB page posted
back on apply. The document is now kept in this table (the app keeps no state in process memory, and several
instances share one database) and the review carries only its id and sha256.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "d7e8f9a0b1c2"
down_revision: str | Sequence[str] | None = "c6d7e8f9a0b1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_document_upload",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("set_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user_account.id"],
            name=op.f("fk_report_document_upload_created_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["set_id"],
            ["recommendation_set.id"],
            name=op.f("fk_report_document_upload_set_id_recommendation_set"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_document_upload")),
    )
    op.create_index(op.f("ix_report_document_upload_created_by_id"), "report_document_upload", ["created_by_id"])
    op.create_index(op.f("ix_report_document_upload_set_id"), "report_document_upload", ["set_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_report_document_upload_set_id"), table_name="report_document_upload")
    op.drop_index(op.f("ix_report_document_upload_created_by_id"), table_name="report_document_upload")
    op.drop_table("report_document_upload")
