"""reporting periods: one per name whatever its case (a unique index on lower(name) replaces unique name)

Revision ID: e2f3a4b5c6d7
Revises: d1e2f3a4b5c6
Create Date: 2026-12-08 00:00:00

Names were already trimmed and compared case-insensitively by tracker.reports.services.open_period; the index
holds the rule when two requests race. On SQLite lower() folds ASCII letters only ("É" and "é" still differ).
A database holding two names that differ only in case must have one renamed before this upgrade.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "e2f3a4b5c6d7"
down_revision: str | Sequence[str] | None = "d1e2f3a4b5c6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reporting_period") as batch_op:
        batch_op.drop_constraint("uq_reporting_period_name", type_="unique")
    op.create_index("uq_reporting_period_lower_name", "reporting_period", [sa.text("lower(name)")], unique=True)


def downgrade() -> None:
    op.drop_index("uq_reporting_period_lower_name", table_name="reporting_period")
    with op.batch_alter_table("reporting_period") as batch_op:
        batch_op.create_unique_constraint("uq_reporting_period_name", ["name"])
