"""national pages that read less: each response's summary keeps the date of its latest public update and a
response's updates are indexed in date order (a recommendation's latest public updates without sorting every
update), and the snapshots are indexed by period and status (the progress across periods from the index alone)
(issue 19, part 2)

Revision ID: f5728c7b49e2
Revises: cfde790edb00
Create Date: 2026-12-19 00:00:00

The new summary column is filled here by the app's own function, as the summaries were first filled.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "f5728c7b49e2"
down_revision: str | Sequence[str] | None = "cfde790edb00"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN and CREATE/DROP INDEX (no batch): no table is copied.
    op.add_column("response_summary", sa.Column("last_public_update_on", sa.Date(), nullable=True))
    op.create_index("ix_progress_update_response_id_update_on", "progress_update", ["response_id", "update_on"])
    op.drop_index("ix_progress_update_response_id", table_name="progress_update")
    op.create_index("ix_snapshot_period_id_status", "snapshot", ["period_id", "status", "recommendation_id"])
    op.drop_index("ix_snapshot_period_id", table_name="snapshot")

    from sqlmodel import Session

    from tracker.plans.summaries import refresh

    session = Session(bind=op.get_bind())
    refresh(session)
    session.flush()


def downgrade() -> None:
    op.create_index("ix_snapshot_period_id", "snapshot", ["period_id"])
    op.drop_index("ix_snapshot_period_id_status", table_name="snapshot")
    op.create_index("ix_progress_update_response_id", "progress_update", ["response_id"])
    op.drop_index("ix_progress_update_response_id_update_on", table_name="progress_update")
    with op.batch_alter_table("response_summary") as batch:
        batch.drop_column("last_public_update_on")
