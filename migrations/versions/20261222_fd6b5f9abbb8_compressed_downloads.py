"""compressed downloads: cached_page.body_gzip holds a stored download gzipped (its body is then empty)

Revision ID: fd6b5f9abbb8
Revises: 6c1e0a2b9d47
Create Date: 2026-12-22 00:00:00

Rows stored before it have no compressed body: the app renders such a download again (tracker.public.caching).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "fd6b5f9abbb8"
down_revision: str | Sequence[str] | None = "6c1e0a2b9d47"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("cached_page", sa.Column("body_gzip", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cached_page") as batch:
        batch.drop_column("body_gzip")
