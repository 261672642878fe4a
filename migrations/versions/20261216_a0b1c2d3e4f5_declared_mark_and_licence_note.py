"""declared mark and licence note: each published response says whether its plan marks it declared; the bundled
set's licence note no longer claims every text is our own summary

Revision ID: a0b1c2d3e4f5
Revises: f9a0b1c2d3e4
Create Date: 2026-12-16 00:00:00

A recommendation's public page labels a declared response "Declared by the organisation", as the organisation's
published plan holds it (outsider pass 8, finding 6), without reading whole plans. Existing publications are filled
in from their content, as ``tracker.plans.publication.published_responses`` does for new ones.

The home page now says what the texts are by counting them (outsider pass 8, finding 5). The stalking set's licence
note, as ``recommendations/stalking-2024.yaml`` loaded it, began "The texts in this tracker are our own summaries of
the recommendations, not quotations from the report.", untrue once the report is loaded: a database holding that
note word for word gets the file's new one (a note an admin wrote is left alone).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "a0b1c2d3e4f5"
down_revision: str | Sequence[str] | None = "f9a0b1c2d3e4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("published_response") as batch_op:
        batch_op.add_column(sa.Column("declared", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("published_response") as batch_op:
        batch_op.alter_column("declared", server_default=None)  # the model sets it; no default in the schema

    publications = sa.table("plan_publication", sa.column("id", sa.Integer), sa.column("content", sa.JSON))
    published = sa.table(
        "published_response",
        sa.column("publication_id", sa.Integer),
        sa.column("recommendation_id", sa.Integer),
        sa.column("declared", sa.Boolean),
    )
    bind = op.get_bind()
    declared = [
        {"p": publication_id, "r": response["recommendation_id"]}
        for publication_id, content in bind.execute(sa.select(publications.c.id, publications.c.content))
        for response in (content or {}).get("responses", [])
        if response.get("declared") and response.get("recommendation_id") is not None
    ]
    if declared:
        bind.execute(
            published.update()
            .where(published.c.publication_id == sa.bindparam("p"), published.c.recommendation_id == sa.bindparam("r"))
            .values(declared=True),
            declared,
        )

    sets = sa.table("recommendation_set", sa.column("licence_note", sa.Text))
    bind.execute(sets.update().where(sets.c.licence_note == OLD_NOTE).values(licence_note=NEW_NOTE))


OLD_NOTE = (
    "The texts in this tracker are our own summaries of the recommendations, not quotations from the report. The "
    "report itself is published by HMICFRS, the College of Policing and the IOPC; consult the copyright notice in "
    "the report for the terms on which it may be reused. No licence for the report's text is claimed here."
)
NEW_NOTE = (
    "The report is published by HMICFRS, the College of Policing and the IOPC; consult the copyright notice in "
    "the report for the terms on which it may be reused. No licence for the report's text is claimed here."
)


def downgrade() -> None:
    with op.batch_alter_table("published_response") as batch_op:
        batch_op.drop_column("declared")
