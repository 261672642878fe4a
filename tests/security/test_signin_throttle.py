"""Sign-in throttling per client address (password spraying), and locks that cannot keep an account's owner out.

tests/web/test_accounts.py and tests/security/test_security_session.py prove the per-account lock (in one process and
across two). This file adds: guesses spread over many accounts from one address are locked after ADDRESS_LOCK_AFTER,
whichever app process they reach, while other addresses carry on; X-Forwarded-For is believed only from a
trusted proxy; a browser that signed in to an account before gets in with the right password during a lock
that strangers (or the same network) caused, and nobody else does; addresses are stored only as keyed hashes
and only for as long as the window needs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator

import pytest
from litestar.testing import TestClient
from sqlmodel import select

from tests.support.accounts import USER_PASSWORD, sign_in
from tests.support.web import csrf_headers
from tracker.accounts.models import SignInThrottle, User
from tracker.accounts.passwords import hash_password
from tracker.accounts.sessions import COOKIE_NAME
from tracker.accounts.signin import ADDRESS_LOCK_AFTER, DEVICE_COOKIE, FORGET_AFTER, LOCK_AFTER
from tracker.settings import Settings, SettingsError
from tracker.vocabulary import Role

SPRAYER = "203.0.113.7"  # documentation addresses (RFC 5737), never a real client
NEIGHBOUR = "198.51.100.9"
PROXY = "10.0.0.1"
WRONG = "wrong-password-here"


def from_address(client: TestClient, address: str) -> TestClient:
    """Make every request of ``client`` arrive from the socket peer ``address`` (the test transport otherwise
    always says "testclient")."""
    transport = client._transport  # type: ignore[attr-defined]
    parse = transport.parse_request

    def parse_from_address(request):  # type: ignore[no-untyped-def]
        scope = parse(request)
        scope["client"] = (address, 50000)
        return scope

    transport.parse_request = parse_from_address
    return client


@pytest.fixture
def browser(app_client_factory):
    """browser(address) -> a new browser (and app process) whose requests come from ``address``."""
    return lambda address: from_address(app_client_factory(), address)


@pytest.fixture
def proxied_browser(settings: Settings, make_app) -> Iterator[object]:
    """proxied_browser() -> a browser whose requests reach an app that trusts the reverse proxy PROXY."""
    clients: list[TestClient] = []

    def make() -> TestClient:
        client = TestClient(app=make_app(dataclasses.replace(settings, trusted_proxies=(PROXY,))))
        client.__enter__()
        clients.append(client)
        return from_address(client, PROXY)

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def accounts(make_user) -> list[User]:
    return [make_user(Role.INSPECTOR, email=f"inspector-{n}@example.org") for n in range(20)]


def test_guessing_across_many_accounts_from_one_address_is_locked_in_every_process(browser, accounts):
    first, second = browser(SPRAYER), browser(SPRAYER)
    statuses = []
    for n, account in enumerate(accounts):
        # one guess per account, alternating between two app processes: no account comes near LOCK_AFTER
        statuses.append(sign_in(first if n % 2 else second, account.email, WRONG).status_code)
    assert statuses == [422] * (ADDRESS_LOCK_AFTER - 1) + [429] * (len(accounts) - ADDRESS_LOCK_AFTER + 1)
    for client in (first, second):
        for email in (accounts[0].email, "nobody@example.org"):
            refused = sign_in(client, email, USER_PASSWORD)
            # the same answer whether or not the account exists, and even the right password waits
            assert refused.status_code == 429 and "Sign-in is locked until" in refused.text
            assert COOKIE_NAME not in refused.cookies
    other = browser(NEIGHBOUR)
    assert sign_in(other, accounts[-1].email, WRONG).status_code == 422, "another address is not locked"
    assert sign_in(other, accounts[0].email).status_code == 303


def test_x_forwarded_for_is_ignored_unless_the_proxy_is_trusted(browser, accounts):
    spoofer = browser(SPRAYER)
    for n in range(ADDRESS_LOCK_AFTER):
        answer = sign_in_via(spoofer, accounts[n].email, f"192.0.2.{n}")  # a new "address" each time
    assert answer.status_code == 429, "the header is the client's to choose: the socket peer counts"


def test_behind_a_trusted_proxy_the_address_it_saw_counts_not_what_the_client_claims(proxied_browser, accounts):
    sprayer = proxied_browser()
    for n in range(ADDRESS_LOCK_AFTER):
        # the client prepends a new address each time; the proxy appends the one it really saw
        answer = sign_in_via(sprayer, accounts[n].email, f"192.0.2.{n}, {SPRAYER}")
    assert answer.status_code == 429
    neighbour = proxied_browser()
    assert sign_in_via(neighbour, accounts[-1].email, NEIGHBOUR, USER_PASSWORD).status_code == 303


def sign_in_via(client: TestClient, email: str, forwarded_for: str, password: str = WRONG):
    return client.post(
        "/sign-in",
        data={"email": email, "password": password},
        headers={**csrf_headers(client), "x-forwarded-for": forwarded_for},
        follow_redirects=False,
    )


def test_a_locked_accounts_owner_still_gets_in_from_a_browser_that_signed_in_before(browser, accounts):
    owner = accounts[0]
    owners_browser = browser(SPRAYER)  # the owner works on the same network as the attacker
    first = sign_in(owners_browser, owner.email)
    assert first.status_code == 303 and DEVICE_COOKIE in first.cookies
    owners_browser.post("/sign-out", headers=csrf_headers(owners_browser))
    stranger = browser(SPRAYER)  # another app process too
    for _ in range(LOCK_AFTER):
        sign_in(stranger, owner.email, WRONG)
    for account in accounts[1:ADDRESS_LOCK_AFTER]:
        sign_in(stranger, account.email, WRONG)  # and the address is locked as well
    assert sign_in(stranger, owner.email).status_code == 429, "the right password from an unknown browser waits"
    assert sign_in(browser(NEIGHBOUR), owner.email).status_code == 429, "from any address"
    answer = sign_in(owners_browser, owner.email)
    assert answer.status_code == 303 and COOKIE_NAME in answer.cookies
    assert owners_browser.get("/account/password", follow_redirects=False).status_code == 200, "signed in"
    assert sign_in(stranger, owner.email).status_code == 429, "the lock still holds for everyone else"


def test_a_known_browsers_failures_lock_only_that_browser(browser, accounts):
    owner = accounts[0]
    owners_browser = browser(SPRAYER)
    sign_in(owners_browser, owner.email)
    statuses = [sign_in(owners_browser, owner.email, WRONG).status_code for _ in range(LOCK_AFTER)]
    assert statuses == [422] * (LOCK_AFTER - 1) + [429]
    assert sign_in(owners_browser, owner.email).status_code == 429, "a stolen cookie gives no unlimited guesses"
    assert sign_in(browser(NEIGHBOUR), owner.email).status_code == 303, "the account itself is not locked"


def test_a_known_browser_cookie_counts_only_for_its_account_and_its_password(browser, accounts, session):
    owner, other = accounts[0], accounts[1]
    owners_browser = browser(NEIGHBOUR)
    sign_in(owners_browser, owner.email)
    cookie = owners_browser.cookies[DEVICE_COOKIE]
    stranger = browser(SPRAYER)
    for account in (owner, other):
        for _ in range(LOCK_AFTER):
            sign_in(stranger, account.email, WRONG)
    assert sign_in(owners_browser, other.email).status_code == 429, "another account's lock holds"
    user_id, nonce, signature = cookie.split(".")
    for forged in (f"{other.id}.{nonce}.{signature}", f"{user_id}.{nonce}.{'0' * len(signature)}", "9" * 40, "x"):
        forger = browser(NEIGHBOUR)
        forger.cookies.set(DEVICE_COOKIE, forged, domain="testserver.local", path="/sign-in")
        assert sign_in(forger, owner.email).status_code == 429, forged
    user = session.get(User, owner.id)
    user.password_hash = hash_password("a-new-password-set-by-an-admin")  # e.g. reset after a compromise
    session.commit()
    assert sign_in(owners_browser, owner.email, "a-new-password-set-by-an-admin").status_code == 429, (
        "changing the password makes earlier known-browser cookies worthless"
    )


def test_a_non_ascii_known_browser_cookie_is_ignored_not_an_error(browser, accounts):
    forger = browser(NEIGHBOUR)
    token = csrf_headers(forger)["x-csrftoken"]
    answer = forger.post(
        "/sign-in",
        data={"email": accounts[0].email, "password": WRONG},
        headers={"x-csrftoken": token, "cookie": f"csrftoken={token}; {DEVICE_COOKIE}=1.\xe9.\xfc".encode("latin-1")},
        follow_redirects=False,
    )
    assert answer.status_code == 422


def test_the_known_browser_cookie_is_http_only_and_read_only_by_the_sign_in_form(browser, accounts):
    answer = sign_in(browser(NEIGHBOUR), accounts[0].email)
    header = next(h for h in answer.headers.get_list("set-cookie") if h.startswith(f"{DEVICE_COOKIE}="))
    assert "HttpOnly" in header and "Path=/sign-in" in header and "samesite=lax" in header.lower()
    assert f"Max-Age={365 * 24 * 3600}" in header


def test_the_sign_in_form_needs_the_csrf_token_even_from_a_known_browser(browser, accounts):
    owners_browser = browser(NEIGHBOUR)
    sign_in(owners_browser, accounts[0].email)
    owners_browser.post("/sign-out", headers=csrf_headers(owners_browser))
    answer = owners_browser.post(
        "/sign-in", data={"email": accounts[0].email, "password": USER_PASSWORD}, follow_redirects=False
    )
    assert answer.status_code == 403 and COOKIE_NAME not in answer.cookies


def test_addresses_are_stored_only_as_keyed_hashes_and_only_while_they_count(browser, accounts, session):
    sprayer = browser(SPRAYER)
    for account in accounts[:3]:
        sign_in(sprayer, account.email, WRONG)
    keys = list(session.exec(select(SignInThrottle.key)))
    assert len(keys) == 4 and not any(SPRAYER in key for key in keys), keys
    for throttle in session.exec(select(SignInThrottle)):
        throttle.last_failure_at = dt.datetime.now(dt.UTC) - FORGET_AFTER - dt.timedelta(minutes=1)
    session.commit()
    sign_in(browser(NEIGHBOUR), "nobody@example.org", WRONG)  # any attempt clears out what no longer counts
    session.expire_all()
    remaining = list(session.exec(select(SignInThrottle.key)))
    assert len(remaining) == 2 and "nobody@example.org" in remaining and not set(remaining) & set(keys), remaining


def test_trusted_proxies_are_read_from_the_environment_and_checked():
    settings = Settings.from_env({"TRUSTED_PROXIES": " 10.0.0.1, 192.168.0.0/16 ,"})
    assert settings.trusted_proxies == ("10.0.0.1", "192.168.0.0/16")
    assert Settings.from_env({}).trusted_proxies == (), "by default no proxy is believed"
    with pytest.raises(SettingsError, match="TRUSTED_PROXIES"):
        Settings.from_env({"TRUSTED_PROXIES": "proxy.internal"})
