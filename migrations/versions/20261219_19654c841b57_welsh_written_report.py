"""the written progress report in Welsh: a Welsh version of each written section, and the published report's
Welsh HTML and PDF with their SHA-256 (issue 20, part 3)

Revision ID: 19654c841b57
Revises: 660976d5ae3e
Create Date: 2026-12-18 00:00:00

Existing drafts have no Welsh yet (their Welsh report shows the English, saying so); reports published before
have no Welsh files (their public page in Welsh serves the English files).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "19654c841b57"
down_revision: str | Sequence[str] | None = "660976d5ae3e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WELSH_SECTIONS = ("foreword_cy", "summary_cy", "next_steps_cy")


def upgrade() -> None:
    # Plain ADD COLUMN (no batch): neither table is copied.
    for column in WELSH_SECTIONS:
        op.add_column("report_draft", sa.Column(column, sa.Text(), nullable=False, server_default=""))
    op.add_column("report_draft", sa.Column("commentary_cy", sa.JSON(), nullable=False, server_default="{}"))
    for column in ("html_cy", "pdf_cy"):
        op.add_column("published_report", sa.Column(column, sa.LargeBinary(), nullable=True))
    for column in ("html_cy_sha256", "pdf_cy_sha256"):
        op.add_column("published_report", sa.Column(column, sa.String(length=64), nullable=True))


def downgrade() -> None:
    for column in ("pdf_cy_sha256", "html_cy_sha256", "pdf_cy", "html_cy"):
        with op.batch_alter_table("published_report") as batch:
            batch.drop_column(column)
    for column in ("commentary_cy", *reversed(WELSH_SECTIONS)):
        with op.batch_alter_table("report_draft") as batch:
            batch.drop_column(column)
