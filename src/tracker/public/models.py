"""The stored renderings of public pages (see ``tracker.public.caching``)."""

from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Field, Session, SQLModel

from tracker.db import created_at_field, text_field
from tracker.timeutil import utc_now

# The row that holds the public data's revision rather than a page (its ``etag`` a random token, its
# ``rendered_at`` when it last moved on): a retraction changes the published data without a new publication, so
# it moves this on, and the public pages' validators read it (``tracker.public.caching``).
REVISION_KEY = "public-data-revision"
# The same for what national oversight shows (the stored national pages, tracker.reports.oversight_store):
# moved on before every commit that wrote anything they read (tracker.plans.summaries).
OVERSIGHT_REVISION_KEY = "oversight-data-revision"


class CachedPage(SQLModel, table=True):
    """The last rendering of one public page for anonymous visitors, and the validator of the data it shows.

    A page has one row (its ``key`` names the code, the URL and the language, not the data), so the table holds
    at most one row per public page and language. The row is used only while ``etag`` is still the page's
    current ETag; the per-request value (the CSRF token) was rendered as a random mark that is replaced on the
    way out.
    """

    __tablename__ = "cached_page"

    key: str = Field(primary_key=True, max_length=64)
    etag: str = Field(max_length=80)
    # Unused, always "": it held a mark for the per-request CSP nonce, which pages no longer carry (the one
    # inline script is allowed by its hash, tracker.web.security). Kept rather than dropped by a migration.
    nonce_mark: str = Field(default="", max_length=64)
    csrf_mark: str = Field(max_length=64)
    body: str = text_field(default="", nullable=False)
    # A download's body, gzipped (``tracker.public.caching.public_download``; its ``body`` is empty); None for pages.
    body_gzip: bytes | None = Field(default=None, sa_type=sa.LargeBinary, nullable=True)
    rendered_at: dt.datetime = created_at_field()


def move_revision(session: Session, key: str) -> None:
    """Move the revision row ``key`` on to a new random token, in the caller's transaction (the row is made the
    first time). On PostgreSQL the row stays locked until the transaction ends, so call it last."""
    store_row(session, CachedPage(key=key, etag=secrets.token_hex(16), csrf_mark=""))


def store_row(session: Session, row: CachedPage) -> None:
    """Store ``row`` in the caller's transaction, replacing the row with its key (one row per key)."""
    values = row.model_dump()
    values["rendered_at"] = utc_now()
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(CachedPage).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=["key"], set_={k: v for k, v in values.items() if k != "key"}
    )
    session.exec(statement)
