"""The API's problem documents in the caller's language: Welsh when ``Accept-Language`` prefers it (q-values
respected), English otherwise and by default, byte for byte as before. Only the words change: the type, the status
and the field names are the same in both languages, and ``Content-Language`` says which it is."""

from __future__ import annotations

import pytest

from tests.support.api import bearer, token_for
from tracker.settings import TRANSLATIONS_DIR
from tracker.vocabulary import Role
from tracker.web.i18n import Catalogues, preferred_locale

WELSH = {"Accept-Language": "cy"}
ENGLISH_PREFERRED = {"Accept-Language": "en;q=0.9, cy;q=0.8"}
CY = Catalogues.load(TRANSLATIONS_DIR).translations("cy")


def welsh(message: str) -> str:
    """``message`` as the Welsh catalogue has it (never the English: the catalogue holds it)."""
    text = CY.gettext(message)
    assert text != message, f"the catalogue has no Welsh for {message!r}"
    return text


def ask(client, method: str, url: str, token: str | None, headers: dict[str, str], **kwargs):
    return client.request(method, url, headers={**(bearer(token) if token else {}), **headers}, **kwargs)


def in_both(client, method: str, url: str, token: str | None = None, **kwargs):
    """The answer in English (no Accept-Language, and English preferred to Welsh) and in Welsh."""
    english = ask(client, method, url, token, {}, **kwargs)
    preferred = ask(client, method, url, token, ENGLISH_PREFERRED, **kwargs)
    assert preferred.content == english.content, "English preferred to Welsh: English"
    assert english.headers["content-language"] == preferred.headers["content-language"] == "en-GB"
    cymraeg = ask(client, method, url, token, WELSH, **kwargs)
    assert cymraeg.status_code == english.status_code
    assert cymraeg.headers["content-type"] == english.headers["content-type"] == "application/problem+json"
    assert cymraeg.headers["content-language"] == "cy"
    assert "accept-language" in cymraeg.headers["vary"].lower()
    return english.json(), cymraeg.json()


def same_machine_parts(english: dict, cymraeg: dict) -> None:
    assert (cymraeg["type"], cymraeg["status"]) == (english["type"], english["status"])
    assert set(cymraeg.get("errors", {})) == set(english.get("errors", {}))
    assert [f["field"] for f in cymraeg.get("faults", [])] == [f["field"] for f in english.get("faults", [])]


def test_a_body_that_does_not_match_the_schema_is_a_400_in_welsh(client, session, make_user, kent):
    token = token_for(session, make_user(Role.EDITOR, "kent"))
    url = f"/api/responses/{kent['rid']}"
    body = {"version": 2, "status": "finished", "sumary": "typo", "lead_role": "x" * 201}
    english, cymraeg = in_both(client, "PATCH", url, token, json=body)
    same_machine_parts(english, cymraeg)
    assert english["title"] == "There is a problem with the request"
    assert english["detail"] == f"Validation failed for PATCH {url}"
    assert english["errors"]["body"] == "Object contains unknown field `sumary`"
    assert cymraeg["title"] == welsh("There is a problem with the request")
    assert cymraeg["detail"] == welsh("Validation failed for %(method)s %(path)s") % {"method": "PATCH", "path": url}
    assert cymraeg["errors"]["body"] == welsh("Object contains unknown field `%(field)s`") % {"field": "sumary"}
    assert cymraeg["errors"]["status"].startswith("Gwerth nad yw ar y rhestr: ")
    assert cymraeg["errors"]["lead_role"] == "Rhaid iddo fod yn 200 nod neu lai"
    assert [f["message"] for f in cymraeg["faults"]] == [cymraeg["errors"][f["field"]] for f in cymraeg["faults"]]


def test_a_missing_body_and_a_bad_id_are_400s_in_welsh(client, session, make_user, kent):
    token = token_for(session, make_user(Role.EDITOR, "kent"))
    english, cymraeg = in_both(client, "PATCH", f"/api/responses/{kent['rid']}", token)
    assert english["errors"] == {"body": "Send a JSON object as the body"}
    assert cymraeg["errors"] == {"body": welsh("Send a JSON object as the body")}
    english, cymraeg = in_both(client, "GET", "/api/responses/0", token)
    same_machine_parts(english, cymraeg)
    assert english["errors"]["response_id"] == "Expected `int` >= 1"
    assert cymraeg["errors"]["response_id"] == welsh("Expected `%(type)s` >= %(limit)s") % {"type": "int", "limit": 1}


def test_not_found_and_not_signed_in_are_in_welsh(client, session, make_user, kent):
    token = token_for(session, make_user(Role.ADMIN))
    for url in ("/api/responses/999999", "/api/no-such-thing"):  # a record, and a route, that is not there
        english, cymraeg = in_both(client, "GET", url, token)
        assert english["title"] == "Page not found"
        assert cymraeg["title"] == welsh("Page not found")
    english, cymraeg = in_both(client, "GET", f"/api/responses/{kent['rid']}")
    assert english["detail"].startswith("Send a personal API token")
    assert cymraeg["detail"] == welsh(english["detail"])


def test_a_stale_version_is_a_409_in_welsh_with_the_record_as_it_is(client, session, make_user, kent):
    token = token_for(session, make_user(Role.EDITOR, "kent"))
    url = f"/api/actions/{kent['aid']}"
    english, cymraeg = in_both(client, "PATCH", url, token, json={"version": 7, "description": "Stale"})
    same_machine_parts(english, cymraeg)
    assert english["title"] == "Someone else changed this record"
    assert english["detail"].startswith("Someone else changed this record since it was read.")
    assert cymraeg["title"] == welsh("Someone else changed this record")
    assert cymraeg["detail"] == welsh(english["detail"])
    assert cymraeg["current"] == english["current"], "the record is the record, in any language"


def test_input_that_breaks_a_rule_is_a_422_in_welsh(client, session, make_user, kent):
    token = token_for(session, make_user(Role.EDITOR, "kent"))
    body = {"version": kent["response_version"], "status": "blocked", "summary": "before\x00after"}
    english, cymraeg = in_both(client, "PATCH", f"/api/responses/{kent['rid']}", token, json=body)
    same_machine_parts(english, cymraeg)
    assert set(english["errors"]) == {"blocked_reason", "summary"}
    assert english["detail"] == "The input breaks a rule"
    assert cymraeg["detail"] == welsh("The input breaks a rule")
    for field, message in english["errors"].items():
        assert cymraeg["errors"][field] == welsh(message)


@pytest.mark.parametrize(
    ("header", "locale"),
    [
        ("cy", "cy"),
        ("cy-GB,cy;q=0.9", "cy"),
        ("en;q=0.9, cy;q=0.8", "en"),
        ("cy;q=0.8, en;q=0.9", "en"),
        ("en, cy", "en"),
        ("fr, cy;q=0.5", "cy"),
        ("cy;q=0, en;q=0.1", "en"),
        ("fr, de", "en"),
        ("*", "en"),
        ("cy;q=nonsense", "en"),
        ("", "en"),
    ],
)
def test_the_language_an_accept_language_header_prefers(header, locale):
    assert preferred_locale(header, ["en", "cy"]) == locale


def test_pages_still_ignore_accept_language(client):
    """A page's language is in its address (a shared cache keys pages by it): only the API follows the header."""
    response = client.get("/no-such-page", headers={**WELSH, "Accept": "text/html"})
    assert response.status_code == 404 and 'lang="en-GB"' in response.text


@pytest.mark.parametrize(
    ("body", "english_detail", "welsh_detail"),
    [
        (b'{"version": 3,}', "JSON is malformed: trailing comma in object (byte 14)", "coma dros ben"),
        (b"[" * 100, "Input data was truncated", None),
        (b"\xff\xfe", "JSON is malformed: invalid character (byte 0)", "nod annilys"),
    ],
)
def test_a_body_that_is_not_json_is_a_400_in_welsh(
    client,
    session,
    make_user,
    kent,
    body,
    english_detail,
    welsh_detail,
):
    """Outsider pass 12, F6: the JSON decoder's own words were English on a Welsh answer."""
    token = token_for(session, make_user(Role.EDITOR, "kent"))
    english, cymraeg = in_both(client, "PATCH", f"/api/responses/{kent['rid']}", token, content=body)
    assert english_detail in str(english)
    assert english_detail not in str(cymraeg)
    assert (welsh_detail or welsh(english_detail)) in str(cymraeg)


@pytest.mark.parametrize("depth", [500, 5_000, 50_000])
def test_a_body_nested_thousands_deep_is_a_400_not_a_500(client, session, make_user, kent, depth):
    """Outsider pass 12, F5: a body nested about a thousand deep made the decoder raise RecursionError (a 500)."""
    token = token_for(session, make_user(Role.EDITOR, "kent"))
    for body in (b"[" * depth, b'{"version": 1, "summary": ' + b"[" * depth + b"]" * depth + b"}"):
        for method, url in (
            ("PATCH", f"/api/responses/{kent['rid']}"),
            ("POST", f"/api/responses/{kent['rid']}/updates"),
        ):
            answer = client.request(method, url, headers=bearer(token), content=body)
            assert answer.status_code == 400, (method, depth, answer.text[:200])
            assert answer.headers["content-type"] == "application/problem+json"
