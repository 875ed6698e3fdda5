"""Issue 18, item 1: the login throttle counts every attempt before the password is checked, atomically, per
(login, address), per login and per address — and holds when 40 logins arrive at once, on both databases."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from contracts_app.audit import AuditEvent
from contracts_app.auth import services, throttle
from contracts_app.auth.models import LoginThrottle

from ..factories import make_world
from ..support import FIXED_NOW, PASSWORD

WRONG = "wrong-password"


def attempt(client, email: str, password: str, address: str = "127.0.0.1"):
    return client.post("/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address})


@pytest.fixture
def small_limits(app):
    """Pair 3 per 15 min, account 5 per 60 min, address 8 per 15 min: small enough to walk through."""
    saved = {k: app.config[k] for k in ("LOGIN_MAX_FAILURES", "LOGIN_ACCOUNT_MAX_FAILURES", "LOGIN_ADDRESS_MAX_FAILURES")}
    app.config.update(LOGIN_MAX_FAILURES=3, LOGIN_ACCOUNT_MAX_FAILURES=5, LOGIN_ADDRESS_MAX_FAILURES=8)
    yield
    app.config.update(saved)


@pytest.mark.parametrize(
    "failures,then_address,then_password,status",
    [
        # (failed attempts from 10.0.0.1, then one attempt from …, with …, → status)
        (2, "10.0.0.1", PASSWORD, 302),  # under the pair limit: the right password still works
        (3, "10.0.0.1", PASSWORD, 429),  # the pair is locked: not even the right password is checked
        (3, "10.0.0.2", PASSWORD, 302),  # … but only that address is: the owner elsewhere logs in
        (3, "10.0.0.2", WRONG, 401),  # another address gets its own three tries
    ],
    ids=["under-limit", "pair-locked", "other-address-unaffected", "other-address-own-budget"],
)
def test_the_lock_is_per_login_and_address(client, world, small_limits, failures, then_address, then_password, status):
    for _ in range(failures):
        assert attempt(client, "advisor@test.no", WRONG, "10.0.0.1").status_code == 401
    assert attempt(client, "advisor@test.no", then_password, then_address).status_code == status


def test_the_account_wide_limit_spares_an_address_the_account_has_logged_in_from(app, client, world, db, small_limits, clock):
    assert attempt(client, "advisor@test.no", PASSWORD, "10.9.9.9").status_code == 302  # the owner's office
    client.post("/logout")
    # An attacker spreads guesses over many addresses: each stays under the pair limit.
    for i in range(5):
        assert attempt(app.test_client(), "advisor@test.no", WRONG, f"192.0.2.{i}").status_code == 401
    stranger = attempt(app.test_client(), "advisor@test.no", PASSWORD, "198.51.100.7")
    assert stranger.status_code == 429 and "For mange mislykkede forsøk" in stranger.get_data(as_text=True)
    # The owner at a known address is not kept out.
    assert attempt(app.test_client(), "advisor@test.no", PASSWORD, "10.9.9.9").status_code == 302
    clock.advance(minutes=61)  # the account window has run out
    assert attempt(app.test_client(), "advisor@test.no", PASSWORD, "198.51.100.7").status_code == 302


def test_the_address_limit_stops_spraying_over_many_accounts(app, client, world, small_limits):
    for i in range(8):
        assert attempt(client, f"user{i}@test.no", WRONG, "203.0.113.5").status_code == 401
    refused = attempt(client, "advisor@test.no", PASSWORD, "203.0.113.5")
    assert refused.status_code == 429 and "nettverket ditt" in refused.get_data(as_text=True)
    assert attempt(client, "advisor@test.no", PASSWORD, "203.0.113.6").status_code == 302


def test_a_success_gives_back_only_its_own_attempt(client, world, db, small_limits):
    for _ in range(2):
        attempt(client, "advisor@test.no", WRONG, "10.0.0.1")
    assert attempt(client, "advisor@test.no", PASSWORD, "10.0.0.1").status_code == 302
    rows = dict(((login, address), failures) for login, address, failures in db.execute(
        select(LoginThrottle.login, LoginThrottle.address, LoginThrottle.failures)))
    # The two failures stay counted everywhere; the success is not counted.
    assert rows == {("advisor@test.no", "10.0.0.1"): 2, ("", "10.0.0.1"): 2, ("advisor@test.no", ""): 2}
    for _ in range(10):  # correct logins never lock
        client.post("/logout")
        assert attempt(client, "advisor@test.no", PASSWORD, "10.0.0.1").status_code == 302
    client.post("/logout")
    assert attempt(client, "advisor@test.no", WRONG, "10.0.0.1").status_code == 401  # the third failure …
    assert attempt(client, "advisor@test.no", PASSWORD, "10.0.0.1").status_code == 429  # … locks the pair


def test_unknown_names_are_throttled_like_real_ones_and_the_first_refusal_is_audited(client, world, db, small_limits):
    answers = [attempt(client, "nobody@test.no", WRONG).status_code for _ in range(5)]
    assert answers == [401, 401, 401, 429, 429]
    assert db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "user.login_locked")) == 1


@pytest.mark.parametrize(
    "remote,key",
    [
        ("192.0.2.7", "192.0.2.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"),  # the same /64: the same counter
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("", "unknown"),
        ("not an address", "unknown"),
    ],
)
def test_client_address_keys(remote, key):
    assert throttle.client_address(remote) == key


@pytest.mark.parametrize(
    "proxies,forwarded,expected",
    [
        (0, "198.51.100.1", "127.0.0.1"),  # no proxy configured: a client cannot choose its address
        (1, "198.51.100.1", "198.51.100.1"),
        (1, "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # one proxy: only the address it added is believed
    ],
)
def test_the_address_comes_from_proxyfix_with_the_configured_number_of_proxies(db, proxies, forwarded, expected):
    from contracts_app import create_app

    app = create_app({"ENV": "testing", "DATABASE_URL": "sqlite://", "SECRET_KEY": "t", "WTF_CSRF_ENABLED": False,
                      "PROXY_COUNT": proxies})
    seen = []
    app.add_url_rule("/_addr", "addr", lambda: seen.append(__import__("flask").request.remote_addr) or "")
    app.view_functions["addr"].access = "public"
    app.test_client().get("/_addr", headers={"X-Forwarded-For": forwarded})
    assert seen == [expected]


# --- 40 logins at once, real commits -----------------------------------------------------------------------

LOGINS = 40


@pytest.mark.parametrize("right_one", [True, False], ids=["39-wrong-1-right", "40-wrong"])
def test_forty_simultaneous_logins_check_at_most_five_passwords(live_app, monkeypatch, right_one):
    """40 logins at once for one account from one address: at most five wrong passwords reach the hash, none
    answers 5xx, and every failure stays counted. With the right password among them (the issue's burst), that
    login may succeed — its own check is the only one allowed beyond the five, and only if it frees its slot before
    the burst has been counted."""
    with live_app.app_context():
        from contracts_app.db import get_session

        session = get_session()
        make_world(session)
        session.commit()

    checks = []
    lock = threading.Lock()

    class CountingHasher(PasswordHasher):
        def verify(self, hash_, password):
            with lock:
                checks.append(password)
            return super().verify(hash_, password)

    monkeypatch.setattr(services, "_hasher", CountingHasher(time_cost=1, memory_cost=1024, parallelism=1))
    clients = [live_app.test_client() for _ in range(LOGINS)]
    barrier = threading.Barrier(LOGINS)
    statuses = [0] * LOGINS

    def one(i: int) -> None:
        password = PASSWORD if right_one and i == LOGINS - 1 else WRONG
        barrier.wait()
        statuses[i] = attempt(clients[i], "advisor@test.no", password).status_code

    threads = [threading.Thread(target=one, args=(i,)) for i in range(LOGINS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    limit = live_app.config["LOGIN_MAX_FAILURES"]
    assert all(s < 500 for s in statuses), statuses
    assert checks.count(WRONG) <= limit == 5, len(checks)
    assert len(checks) <= limit + checks.count(PASSWORD)
    assert set(statuses) <= {302, 401, 429} and statuses.count(429) >= LOGINS - limit - 1, statuses
    with live_app.app_context():
        from contracts_app.db import get_session

        pair = get_session().scalar(select(LoginThrottle).where(LoginThrottle.login == "advisor@test.no",
                                                                 LoginThrottle.address == "127.0.0.1"))
        assert pair.failures == LOGINS - statuses.count(302)  # every failure counted; a success gave its own back


def test_admit_counts_in_one_statement_per_key(db, world, count_statements):
    """One upsert per counter (address, pair, account) — no read-modify-write that two requests could interleave."""
    with count_statements() as seen:
        admission = throttle.admit(db, "advisor@test.no", "10.0.0.1", limits=throttle.Limits(), now=FIXED_NOW)
    upserts = [s for s in seen if s.startswith("INSERT INTO login_throttle")]
    assert admission.allowed and len(upserts) == 3 and all("ON CONFLICT" in s and "RETURNING" in s for s in upserts)
    assert not any(s.startswith("SELECT") for s in seen), seen
    later = throttle.admit(db, "advisor@test.no", "10.0.0.1", limits=throttle.Limits(pair=1), now=FIXED_NOW + dt.timedelta(minutes=1))
    assert later.refused_by == "login" and later.retry_after == dt.timedelta(minutes=14)
