"""Schemathesis fuzzes the JSON API from the OpenAPI schema the app serves, signed in as each role.

For every operation and every role, Hypothesis generates requests that fit the schema (positive) and requests
that break it (negative), and sends them to the app in-process (ASGI). Path ids are drawn partly from the real
records of a small plan, so the fuzzing reaches the use cases and not only the 404 of an unknown id. Every
answer must:

- never be a server error (5xx);
- have a status code the operation documents, with the documented content type and a body that matches its
  schema (Schemathesis' status_code_conformance, content_type_conformance, response_schema_conformance);
- when it is an error (4xx), be an RFC 9457 problem document (``application/problem+json`` with type, title
  and status);
- refuse a request that breaks the schema (4xx), never carry it out (negative_data_rejection).

The number of examples is bounded (FUZZ_EXAMPLES per operation, mode and role; default 8) and the data is
derandomised, so a run takes well under a minute per database and fails the same way every time. Set
FUZZ_RANDOM=1 (and more FUZZ_EXAMPLES) to explore further.
"""

from __future__ import annotations

import os
import re
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from sqlmodel import Session

from tests.support.accounts import roles
from tests.support.api import add_evidence, bearer, token_for
from tests.support.plans import response_of
from tracker.inputs import MAX_ID
from tracker.permissions import Permission
from tracker.plans import services
from tracker.plans.services import load_response
from tracker.vocabulary import Role, Visibility

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
RANDOM = bool(os.environ.get("FUZZ_RANDOM"))
PROBLEM = "application/problem+json"
SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")

ROLES = roles("anonymous", "admin", "coordinator", "inspector", "kent editor", "kent viewer")


def problem_document(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every error answer is an RFC 9457 problem document."""
    if response.status_code < 400:
        return None
    media_type = response.headers.get("content-type", [""])
    media_type = (media_type[0] if isinstance(media_type, list) else media_type).split(";")[0].strip()
    assert media_type == PROBLEM, f"{response.status_code} answered as {media_type!r}, not {PROBLEM}"
    body = response.json()
    assert isinstance(body, dict), body
    assert body.get("status") == response.status_code, body
    assert isinstance(body.get("title"), str) and body["title"], body
    assert isinstance(body.get("type"), str) and body["type"], body
    return None


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    problem_document,
    negative_data_rejection,
]


@pytest.fixture
def records(session: Session, small_reference, make_user) -> dict[str, list[int]]:
    """A plan to aim at: Kent's responses with actions, public and internal updates, and evidence of each
    visibility; and a Gwent response (another organisation's record, which Kent's people must not reach)."""
    owner = make_user(Role.EDITOR, "kent", email="owner@kent.example.org")
    ids: dict[str, list[int]] = {"response_id": [], "action_id": [], "update_id": [], "evidence_id": []}
    for number in ("1", "1.1"):
        ctx = load_response(session, owner, response_of(session, "kent", number).id, Permission.EDIT_PLAN)
        ids["response_id"].append(ctx.response.id)
        for text in ("Train call handlers", "Review the policy"):
            ids["action_id"].append(services.add_action(session, ctx, owner, {"description": text}).id)
        for visibility in ("public", "internal"):
            update = services.add_update(session, ctx, owner, {"text": "Training began", "visibility": visibility})
            ids["update_id"].append(update.id)
        for visibility in Visibility:
            ids["evidence_id"].append(add_evidence(session, ctx.response.id, visibility, f"{visibility.value} policy"))
    ids["response_id"].append(response_of(session, "gwent", "1.1").id)
    return ids


def aimed(case: Any, ids: dict[str, list[int]], pick: st.DrawFn, mode: GenerationMode) -> Any:
    """Point some cases' path ids (and versions) at real records; leave the rest as generated.

    Only values that already fit the schema are replaced, so a negative case stays negative.
    """
    for name, value in list(case.path_parameters.items()):
        valid_id = isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID
        if name in ids and valid_id and pick(st.booleans()):
            case.path_parameters[name] = pick(st.sampled_from(ids[name]))
        valid_slug = isinstance(value, str) and SLUG.fullmatch(value)
        if name == "slug" and valid_slug and pick(st.booleans()):
            case.path_parameters[name] = pick(st.sampled_from(["kent", "gwent", "no-such-force"]))
    positive = mode is GenerationMode.POSITIVE
    if positive and isinstance(case.body, dict) and isinstance(case.body.get("version"), int) and pick(st.booleans()):
        case.body["version"] = pick(st.sampled_from([1, 2]))
    return case


@pytest.mark.parametrize("role", list(ROLES))
def test_the_api_answers_every_generated_request_by_its_schema(client, session, make_user, records, role):
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", client.app)
    headers = {}
    if ROLES[role] is not None:
        headers = bearer(token_for(session, make_user(*ROLES[role])))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 14, [op.label for op in operations]

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            fuzz(operation.as_strategy(generation_mode=mode), mode, records, headers)


def fuzz(strategy: Any, mode: GenerationMode, records: dict[str, list[int]], headers: dict[str, str]) -> None:
    """Run one operation's cases in one generation mode."""

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=not RANDOM,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy, data=st.data())
    def run(case: Any, data: st.DataObject) -> None:
        case = aimed(case, records, data.draw, mode)
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()
