"""The page of an organisation's language settings (``tracker.organisations.languages``), beside its plan."""

from __future__ import annotations

from litestar import get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from tracker.organisations.languages import set_languages
from tracker.organisations.models import Organisation
from tracker.permissions import Permission, can
from tracker.plans.workspace import organisation_for
from tracker.web.forms import Form, FormData
from tracker.web.guards import SignedInPages
from tracker.web.handler_types import AnyRequest, Db
from tracker.web.templating import page


class LanguagesController(SignedInPages):
    path = "/plan"

    @get("/{slug:str}/languages", sync_to_thread=True, name="organisations:languages")
    def languages(self, request: AnyRequest, db: Db, slug: FromPath[str], saved: FromQuery[bool] = False) -> Template:
        """Whether the organisation writes in Welsh, and whether it publishes only with every text in Welsh."""
        return _page(request, organisation_for(db, request.user, slug, Permission.PUBLISH_PLAN), saved=saved)

    @post("/{slug:str}/languages", sync_to_thread=True, name="organisations:save-languages")
    def save(self, request: AnyRequest, db: Db, slug: FromPath[str], data: FormData) -> Redirect:
        """Save the settings; ``bilingual`` is read only from the service team's form (with ``bilingual_shown``)."""
        organisation = organisation_for(db, request.user, slug, Permission.PUBLISH_PLAN)
        form = Form.of(data)
        bilingual = form.get("bilingual") == "yes" if form.get("bilingual_shown") else None
        set_languages(
            db, organisation, request.user, bilingual=bilingual, welsh_required=form.get("welsh_required") == "yes"
        )
        url = request.app.route_reverse("organisations:languages", slug=organisation.slug)
        return Redirect(url + "?saved=1", status_code=303)


def _page(request: AnyRequest, organisation: Organisation, *, saved: bool) -> Template:
    return page(
        request,
        "plans/languages.html",
        organisation=organisation,
        can_set_bilingual=can(request.user, Permission.MANAGE_ORGANISATIONS),
        saved=saved,
        form=Form(),
    )
