"""No hostile input gets a 5xx: every form handler and every path and query parameter of the app, as every role.

The routes are those of the route-by-role matrices (``tests/support/routes.py::matrix_entries``, which
``test_every_route_of_the_app_is_in_a_role_matrix`` proves cover the app's whole route table), the roles and
their users those of the matrices too. Hypothesis draws the values: NUL and other control characters, huge, odd
and non-ASCII integers ("²", Arabic-Indic digits), 100 kB strings, right-to-left and zero-width text; each value
in the fixed list below is always tried (``@example``), and a few more are generated (derandomised, so every run
sends the same requests). A route is fuzzed with every value as the role that gets furthest into it (``deepest``:
the owning editor, else an admin), and with the sharpest values (``SHARPEST``) as each other role it lets through:
a value is parsed the same way whoever sends it, and what differs by role (what the page shows, a 404 for another
organisation) is reached by those. A role it refuses (the route matrices say which) sends one hostile request.
The JSON API's bodies are fuzzed from its schema by
``tests/security/test_api_fuzz.py``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient

from tests.support.accounts import ROLES, sign_in
from tests.support.plans import response_of
from tests.support.routes import REFUSED, answers_of, app_routes, matrix_entries, route_of
from tracker.permissions import Permission
from tracker.plans import services
from tracker.plans.services import load_response
from tracker.practice import services as practice
from tracker.vocabulary import PracticeStatus

# Values that broke (or could break) something once: each is always sent.
HOSTILE = [
    "\x00",
    "kent\x00",
    "line\x0bbreak",
    "bell\x07\x1b[31m\x7f\x85",
    "0",
    "-1",
    "2147483648",
    "9223372036854775808",
    "9" * 5000,
    "²",
    "١٢",
    "1e3",
    "\u202eevil\u202c",
    "zero\u200bwidth\ufeff",
    '=HYPERLINK("https://example.org")',
    "x" * 100_000,
]
# Values aimed at the fields read as numbers, choices and dates (sent in every field at once).
STEERING = ["\x00", "0", "-1", "2147483648", "9" * 5000, "²", "١٢", "1e3", "\u202e1"]
# Path segments: the same, without the 100 kB string (no server takes a URL that long).
HOSTILE_PATH = [value for value in HOSTILE if len(value) < 10_000]
# The values each further role a route lets through sends: a NUL, ints out of range, another script's digits, a
# direction override, a long string.
SHARPEST = ["\x00", "2147483648", "9" * 5000, "١٢", "\u202eevil\u202c"]
# Who gets furthest into a route (the first of these it lets through): the owning editor writes and sees the most
# of Kent's records, an admin everything else.
DEPTH_ORDER = ("kent editor", "admin")
# Any text a browser can send (not lone surrogates, which no client can encode), weighted to the odd characters.
GENERATED = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8", categories=("Cc", "Cf", "Nd", "No", "Zs", "Zl", "Zp")),
        st.characters(codec="utf-8"),
    ),
    max_size=40,
)
FUZZ = settings(
    max_examples=3,  # generated ones, on top of the explicit examples
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Plausible values, so that a hostile value in one field gets past the checks of the others.
PLAUSIBLE = {
    "version": "1",
    "status": "in_progress",
    "rag": "green",
    "visibility": "public",
    "kind": "note",
    "rating": "partly_met",
    "direction": "up",
    "role": "editor",
    "is_active": "yes",
    "email": "someone@example.org",
    "password": "correct-horse-battery",
    "current_password": "wrong",
    "cut_off": "01/10/2025",
    "update_on": "01/01/2025",
    "target_date": "01/01/2030",
    "deadline": "01/01/2030",
    "url": "https://www.example.org/",
    "stage": "",
    "theme": "",
    "themes": "",
    "recommendations": "",
    "action": "dry_run",
    "provenance": "to_be_confirmed",
    "text_cy_source": "project_translation",  # so a Welsh wording (and its citation) gets as far as saving
}
# Every field name a template's form sends (so a new form's fields are covered without listing them here).
TEMPLATE_FIELD = re.compile(r"""name['"]?\s*[:=]\s*['"]([a-z_0-9]+)['"]""")


# Every free-text field the form layer's macros draw (templates/macros/fields.html), by the name it is given.
TEXT_FIELD = re.compile(r"""\b(?:text_input|textarea|character_count)\(\s*['"]([a-z_0-9]+)['"]""")


def form_fields(pattern: re.Pattern[str] = TEMPLATE_FIELD) -> list[str]:
    from tracker.settings import TEMPLATES_DIR

    found = {name for path in TEMPLATES_DIR.rglob("*.html") for name in pattern.findall(path.read_text())}
    return sorted(found | set(PLAUSIBLE))


def welsh_fields() -> set[str]:
    """The Welsh twin of every bilingual text of every model (``tracker.organisations.bilingual``): a bilingual
    organisation's forms send them (templates/macros/bilingual.html builds their names), so they are covered too."""
    from sqlmodel import SQLModel

    import tracker.models  # noqa: F401  (every model mapped)
    from tracker.organisations.bilingual import bilingual_fields, welsh_of

    models = [mapper.class_ for mapper in SQLModel._sa_registry.mappers]
    return {welsh_of(field) for model in models for field in bilingual_fields(model)}


FIELDS = sorted({*form_fields(), *form_fields(TEXT_FIELD), *welsh_fields()})
# Fields nobody types text to be kept into: passwords (never shown, so an override disguises nothing), the hidden
# values forms carry (tokens, digests, a file's data), where to go next, searches and choices of set, ids and days.
NOT_KEPT_TEXT = {
    "confirm_password", "new_password", "content_key", "file", "file_data", "file_reviewed", "next", "q", "set",
    "day", "parent_id", "upload", "upload_sha256",
}  # fmt: skip
# The fields a person types text into that is kept: each gets the override, one at a time.
TEXT_FIELDS = [name for name in FIELDS if name not in PLAUSIBLE and name not in NOT_KEPT_TEXT]
UPLOADS = ("/evidence", "/import", "/load")  # multipart forms: a file goes with the fields


@pytest.fixture
def records(session, world) -> tuple[dict[str, Any], dict[str, str], Any]:
    """The matrices' records (one of each kind, Kent's) by every name the matrices give them, and the users."""
    users, fresh = world
    values: dict[str, Any] = fresh()
    owner = users["kent editor"]
    ctx = load_response(session, owner, response_of(session, "kent", "1").id, Permission.EDIT_PLAN)
    action = services.add_action(session, ctx, owner, {"description": "An action"})
    second = services.add_action(session, ctx, owner, {"description": "A second action"})
    update = services.add_update(session, ctx, owner, {"text": "An update"})
    draft = practice.create_practice(session, owner, {"title": "Draft practice"}, submit=False)
    public = practice.create_practice(session, owner, {"title": "Public practice"}, submit=False)
    public.status = PracticeStatus.APPROVED
    session.commit()
    values |= {
        "rid": ctx.response.id,
        "aid": action.id,
        "aid2": second.id,
        "action_id": action.id,
        "uid": update.id,
        "update_id": update.id,
        "eid": values["evidence_id"],
        "recid": ctx.recommendation.id,
        "pid": draft.id,
        "pslug": draft.slug,
        "public_slug": public.slug,
    }
    return values, users, fresh


def as_role(client: TestClient, users: dict[str, Any], jars: dict[str, dict[str, str]], role: str) -> dict[str, str]:
    """Switch ``client`` to ``role`` (signing in once per test) and return the CSRF header."""
    if role not in jars:
        client.cookies.clear()
        client.get("/sign-in")
        if role != "anonymous":
            sign_in(client, users[role].email)
        jars[role] = dict(client.cookies)
    client.cookies.clear()
    client.cookies.update(jars[role])
    return {"x-csrftoken": jars[role].get("csrftoken", "")}


def parameters_of(app_path: str, matrix_path: str, values: dict[str, Any]) -> dict[str, str]:
    """Each path parameter of the app's route, with the valid value the matrix entry gives it."""
    valid = {}
    for app_part, matrix_part in zip(app_path.split("/"), matrix_path.split("?")[0].split("/"), strict=False):
        if app_part.startswith("{"):
            valid[app_part[1:-1]] = matrix_part.format(**values)
    if app_path == "/static/{file_path}":
        valid["file_path"] = matrix_path.removeprefix("/static/").format(**values)
    return valid


def query_names(client: TestClient, method: str, app_path: str) -> list[str]:
    """The query parameters the route's handler takes (from its signature: new parameters are covered)."""
    for route in client.app.routes:
        if re.sub(r"\{(\w+):[^}]+\}", r"{\1}", route.path) != app_path or method not in getattr(route, "methods", ()):
            continue
        handler = route.route_handler_map[method][0]  # type: ignore[attr-defined]
        signature = handler.parsed_fn_signature
        skip = {"self", "request", "db", "data", "state", "scope", *re.findall(r"\{(\w+)", app_path)}
        return [name for name in signature.parameters if name not in skip]
    return []


def entries(unsafe: bool) -> list[tuple[str, str]]:
    found = sorted(e for e in matrix_entries() if (e[0] != "GET") == unsafe and not e[1].startswith("/api/"))
    return found if unsafe else sorted(e for e in matrix_entries() if e[0] == "GET")


def url_with(app_path: str, params: dict[str, str]) -> str:
    url = app_path
    for name, value in params.items():
        url = url.replace("{" + name + "}", quote(value, safe="/" if name == "file_path" else ""))
    return url


def roles_of(method: str, path: str) -> tuple[list[str], list[str]]:
    """The roles the route lets through (fuzzed), and those it refuses (signed out, or forbidden) before it reads
    a value: what runs before the refusal runs for the let-through roles too, so a refused role needs one request
    with a hostile value, not a fuzz run. A "not found" role is fuzzed: the handler reads the values first."""
    answers = answers_of(method, path)
    refused = [role for role in ROLES if answers[role] in REFUSED]
    return [role for role in ROLES if role not in refused], refused


def deepest(fuzzed: list[str]) -> tuple[list[str], list[str]]:
    """The let-through role fuzzed with every value, and the others (sent ``SHARPEST`` only)."""
    first = next((role for role in DEPTH_ORDER if role in fuzzed), fuzzed[0] if fuzzed else None)
    return ([first] if first else []), [role for role in fuzzed if role != first]


def server_errors(response: Any, role: str, what: str) -> list[str]:
    if response.status_code >= 500:
        return [f"{role}: {what} -> {response.status_code}"]
    return []


@pytest.mark.usefixtures("small_reference")  # the records' data, so the test runs on the database holding it
@pytest.mark.parametrize(("method", "path"), entries(unsafe=False), ids=[f"{m} {p}" for m, p in entries(False)])
def test_no_path_or_query_value_gets_a_5xx(client: TestClient, request, method, path):
    app_path = route_of(app_routes(client.app), method, path)[1]
    queries = query_names(client, method, app_path)
    if "{" not in app_path and not queries:
        pytest.skip("no parameter to fuzz")
    values, users, _ = request.getfixturevalue("records")  # only now: a route with nothing to fuzz needs none
    valid = parameters_of(app_path, path, values)
    jars: dict[str, dict[str, str]] = {}
    fuzzed, refused = roles_of(method, path)

    def send(roles: list[str], value: str) -> None:
        failures = []
        for role in roles:
            as_role(client, users, jars, role)
            for name in valid:
                url = url_with(app_path, valid | {name: value})
                response = client.get(url, follow_redirects=False)
                failures += server_errors(response, role, f"GET {app_path} with {name}={value[:40]!r}")
            for name in queries:
                url = url_with(app_path, valid)
                response = client.get(url, params={name: value}, follow_redirects=False)
                failures += server_errors(response, role, f"GET {app_path}?{name}={value[:40]!r}")
        assert not failures, "\n".join(failures)

    deep, others = deepest(fuzzed)

    @FUZZ
    @given(value=st.one_of(st.sampled_from(HOSTILE_PATH), GENERATED))
    def run(value: str) -> None:
        send(deep, value)

    for value in HOSTILE_PATH:
        run = example(value=value)(run)
    run()
    for value in SHARPEST:
        send(others, value)
    send(refused, HOSTILE_PATH[0])


@pytest.mark.parametrize(("method", "path"), entries(unsafe=True), ids=[f"{m} {p}" for m, p in entries(True)])
def test_no_form_value_gets_a_5xx(client: TestClient, records, method, path):
    values, users, _ = records
    app_path = route_of(app_routes(client.app), method, path)[1]
    valid = parameters_of(app_path, path, values)
    url = url_with(app_path, valid)
    jars: dict[str, dict[str, str]] = {}
    hostile = st.one_of(st.sampled_from(HOSTILE), GENERATED)
    body = st.fixed_dictionaries({f: st.one_of(st.just(PLAUSIBLE.get(f, "Some text")), hostile) for f in FIELDS})

    fuzzed, refused = roles_of(method, path)

    def send(roles: list[str], data: dict[str, str]) -> None:
        failures = []
        for role in roles:
            headers = as_role(client, users, jars, role)
            if any(part in app_path for part in UPLOADS):
                name = data.get("file_name") or "plan.csv"
                files = {"file": (name, data.get("text", "x").encode(errors="replace") or b"x", "text/csv")}
                response = client.post(url, data=data, files=files, headers=headers, follow_redirects=False)
            else:
                response = client.post(url, data=data, headers=headers, follow_redirects=False)
            failures += server_errors(response, role, f"POST {app_path} with {_summary(data)}")
        assert not failures, "\n".join(failures)

    deep, others = deepest(fuzzed)

    @FUZZ
    @given(data=body)
    def run(data: dict[str, str]) -> None:
        send(deep, data)

    for value in HOSTILE:
        # the value in every field but those that steer the form (version, kind, dates...), so it gets stored
        run = example(data={f: PLAUSIBLE.get(f, value) for f in FIELDS})(run)
    for value in STEERING:
        # and in every field at once, so the steering fields read it too (an id, a version, a choice, a date)
        run = example(data=dict.fromkeys(FIELDS, value))(run)
    run()
    for value in SHARPEST:
        send(others, {f: PLAUSIBLE.get(f, value) for f in FIELDS})
        send(others, dict.fromkeys(FIELDS, value))
    send(refused, dict.fromkeys(FIELDS, STEERING[0]))


def _summary(data: dict[str, str]) -> str:
    odd = {k: v[:30] for k, v in data.items() if v != PLAUSIBLE.get(k, "Some text")}
    return repr(odd)[:300]


def stored_overrides(session: Any) -> list[str]:
    """Every text or JSON column of every table that holds a direction override (JSON may keep it escaped)."""
    import sqlalchemy as sa
    from sqlmodel import SQLModel

    import tracker.models  # noqa: F401  (every table mapped)

    session.rollback()  # see what the app committed
    found = []
    for table in SQLModel.metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(column.type, sa.String | sa.JSON):
                continue
            text = sa.cast(column, sa.Text)
            hit = sa.or_(text.contains("\u202e", autoescape=True), text.contains("\\u202e", autoescape=True))
            if session.execute(sa.select(sa.func.count()).select_from(table).where(hit)).scalar():
                found.append(f"{table.name}.{column.name}")
    return found


@pytest.mark.parametrize(("method", "path"), entries(unsafe=True), ids=[f"{m} {p}" for m, p in entries(True)])
def test_a_direction_override_in_any_text_field_of_any_form_is_never_stored(
    client: TestClient, session, records, method, path
):
    """Outsider pass 5, findings 1, 6 and 7: links, sources and token names took U+202E. Each text field of every
    template's forms, one at a time (the others plausible, so the form gets as far as saving), as a role the route
    lets through: whatever the answer, nothing stored holds the override."""
    values, users, _ = records
    app_path = route_of(app_routes(client.app), method, path)[1]
    url = url_with(app_path, parameters_of(app_path, path, values))
    fuzzed, _ = roles_of(method, path)
    headers = as_role(client, users, {}, fuzzed[0])
    plausible = {f: PLAUSIBLE.get(f, "Some text") for f in FIELDS} | {"action": "draft"}
    for name in TEXT_FIELDS:
        data = plausible | {name: "https://example.org/\u202egpj.exe"}  # a web address where one is asked
        files = (
            {"file": ("plan.csv", b"Rec No.,Action\n1,x\n", "text/csv")}
            if any(p in app_path for p in UPLOADS)
            else None
        )
        response = client.post(url, data=data, files=files, headers=headers, follow_redirects=False)
        assert response.status_code < 500, (name, response.status_code)
    assert stored_overrides(session) == []
