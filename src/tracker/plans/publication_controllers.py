"""Publishing a plan in three steps: what would change for the public, a preview of the public page, then confirm.

Every step is a plain page or form (no JavaScript). The confirm form carries a fingerprint of the content the
person looked at (``content_key``): if the plan changed since, nothing is published and the changes are shown
again, so what goes public is always what was seen.
"""

from __future__ import annotations

from litestar import get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlmodel import Session

from tracker.db import saved_id
from tracker.organisations.models import Organisation
from tracker.permissions import Permission
from tracker.plans.publication import (
    NothingToPublish,
    content_key,
    latest_publication,
    preview_publication,
    publish_plan,
)
from tracker.plans.welsh import WelshMissing, missing_public_welsh, require_welsh
from tracker.plans.workspace import organisation_for
from tracker.public import data as public_data
from tracker.public.opendata import evidence_download_path
from tracker.web.forms import FormData
from tracker.web.guards import SignedInPages
from tracker.web.handler_types import AnyRequest, Db
from tracker.web.i18n import N_
from tracker.web.templating import page


class PublicationController(SignedInPages):
    path = "/plan"

    @get("/{slug:str}/publish", sync_to_thread=True, name="publication:confirm")
    def confirm(self, request: AnyRequest, db: Db, slug: FromPath[str]) -> Template:
        """What the public will see that it does not see now, and what it will stop seeing; then Publish."""
        return _confirm_page(request, db, organisation_for(db, request.user, slug, Permission.PUBLISH_PLAN))

    @get("/{slug:str}/publish/preview", sync_to_thread=True, name="publication:preview")
    def preview(self, request: AnyRequest, db: Db, slug: FromPath[str]) -> Template:
        """The public page of the plan as publishing now would show it (nothing is saved)."""
        organisation = organisation_for(db, request.user, slug, Permission.PUBLISH_PLAN)
        draft, _changes = preview_publication(db, organisation)
        view = public_data.organisation_page(db, organisation.slug, draft)
        db.rollback()
        if view is None:
            raise NotFoundException(N_("This organisation has no public page, so there is nothing to preview."))
        return page(
            request,
            "plans/publish_preview.html",
            view=view,
            download_path=evidence_download_path,
            statuses=public_data.STATUS_ORDER,
            organisation=organisation,
        )

    @post("/{slug:str}/publish", sync_to_thread=True, name="publication:publish")
    def publish(self, request: AnyRequest, db: Db, slug: FromPath[str], data: FormData) -> Template | Redirect:
        """Publish the plan as it stands, if it is still what the person saw; the public sees it until the next."""
        organisation = organisation_for(db, request.user, slug, Permission.PUBLISH_PLAN)
        seen = data.get("content_key")
        if seen is not None:  # sent by the confirm form: publish only what it showed (a bad key is a stale one)
            draft, _changes = preview_publication(db, organisation)
            if content_key(draft.content) != seen:
                db.rollback()
                return _confirm_page(request, db, organisation, stale=True)
        try:
            require_welsh(db, organisation)
            publish_plan(db, organisation, request.user)
        except NothingToPublish:
            return _confirm_page(request, db, organisation, refused=True)
        except WelshMissing:
            db.rollback()
            return _confirm_page(request, db, organisation, welsh_refused=True)
        return Redirect(request.app.route_reverse("plans:organisation", slug=slug) + "?published=1", status_code=303)


def _confirm_page(
    request: AnyRequest,
    db: Session,
    organisation: Organisation,
    *,
    stale: bool = False,
    refused: bool = False,
    welsh_refused: bool = False,
) -> Template:
    """The changes page; 409 with the reason when a publish was refused (``stale``, ``refused``: an empty plan,
    ``welsh_refused``: public texts lack the Welsh the organisation requires), with the texts lacking their Welsh."""
    missing_welsh = missing_public_welsh(db, organisation)
    draft, changes = preview_publication(db, organisation)
    latest = latest_publication(db, saved_id(organisation))
    db.rollback()  # only read
    if stale and latest is None and not changes:  # an empty plan did not change: it has nothing to publish
        stale, refused = False, True
    return page(
        request,
        "plans/publish.html",
        status_code=409 if stale or refused or welsh_refused else 200,
        organisation=organisation,
        changes=changes,
        latest=latest,
        content_key=content_key(draft.content),
        stale=stale,
        refused=refused,
        welsh_refused=welsh_refused,
        missing_welsh=missing_welsh,
    )
