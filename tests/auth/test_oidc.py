"""Issue 23: single sign-on with OpenID Connect, through the real client code (Authlib + requests) against the
built-in provider (contracts_app/auth/oidc_dev_provider.py) served in-process: no sockets, no network.

A provider "op" (issuer https://op.test, which never resolves) is configured as an operator would configure
Entra ID or ID-porten; its HTTP calls go through an in-process transport. ``sso_login`` plays the browser:
the app's test client for the app, the provider's test client for the provider.
"""
from __future__ import annotations

import html
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from contracts_app import clock as clock_module
from contracts_app import create_app
from contracts_app.audit import AuditEvent
from contracts_app.auth import oidc
from contracts_app.auth.access import PUBLIC
from contracts_app.auth.models import OidcLogin, Role, User
from contracts_app.auth.oidc_dev_provider import TAMPER_MODES, DevClient, DevProvider, WSGITransport, route_http_to
from contracts_app.notifications.models import Notification

from ..support import FIXED_NOW, PASSWORD, login

ISSUER = "https://op.test"
CLIENT_ID, SECRET = "contracts-portal", "9876543210"  # digits only: from_prefixed_env would make it a number
CALLBACK = "http://localhost/auth/oidc/op/callback"
LOGGED_OUT = "http://localhost/auth/oidc/op/logged-out"
REFUSED = "Innloggingen ble avvist"


def make_sso_app(database_url: str, **settings) -> tuple[Flask, DevProvider]:
    config = {
        "ENV": "testing", "DATABASE_URL": database_url, "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": False,
        "TESTING": True, "OIDC_PROVIDERS": "op", "OIDC_OP_DISCOVERY_URL": ISSUER + "/.well-known/openid-configuration",
        "OIDC_OP_CLIENT_ID": int(CLIENT_ID) if CLIENT_ID.isdigit() else CLIENT_ID, "OIDC_OP_CLIENT_SECRET": int(SECRET),
        "OIDC_OP_DISPLAY_NAME": "Testleverandør", "OIDC_OP_ACCEPTED_ACR": "idporten-loa-high",
    }
    config.update(settings)
    app = create_app(config)
    provider = DevProvider(issuer=ISSUER, clients={CLIENT_ID: DevClient(
        secret=SECRET, redirect_uris=(CALLBACK,), post_logout_redirect_uris=(LOGGED_OUT,))})
    with app.app_context():
        route_http_to(oidc.client("op"), WSGITransport(provider.app, "op.test"))
    app.extensions["clock"] = clock_module.FixedClock(FIXED_NOW)
    return app, provider


@pytest.fixture
def sso(database_url, engine, clock):
    """An app with the provider "op", a database session rolled back after the test, and the provider."""
    app, provider = make_sso_app(database_url)
    yield from _with_session(app, engine, provider)


def _with_session(app, engine, provider):
    conn = engine.connect()
    outer = conn.begin()
    session = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    app.extensions["contracts_db"].override = lambda: session
    yield app, provider, session
    app.extensions["contracts_db"].override = None
    session.close()
    outer.rollback()
    conn.close()
    app.extensions["contracts_db"].engine.dispose()


@pytest.fixture
def sso_world(sso):
    from ..factories import make_world

    app, provider, session = sso
    return app, provider, session, make_world(session)


def sso_login(client, provider: DevProvider, email: str, *, name: str = "op", next_path: str | None = None,
              tamper_callback=None):
    """Play the browser: app → provider's login form → (POST email) → app's callback. Returns the callback's
    response and the authorize request's parameters."""
    start = client.get(f"/auth/oidc/{name}/login" + (f"?next={next_path}" if next_path else ""))
    assert start.status_code == 302, start.get_data(as_text=True)
    authorize = urlsplit(start.location)
    assert authorize.netloc == "op.test"
    params = {k: v[0] for k, v in parse_qs(authorize.query).items()}
    op = provider.app.test_client()
    form = op.get(authorize.path, query_string=authorize.query)
    assert form.status_code == 200 and 'name="email"' in form.get_data(as_text=True)
    answer = op.post(authorize.path, query_string=authorize.query, data={"email": email})
    assert answer.status_code == 302
    callback = urlsplit(answer.location)
    query = callback.query if tamper_callback is None else tamper_callback(callback.query)
    return client.get(callback.path, query_string=query), params


def provider_logout_link(response) -> str:
    """The provider's logout URL on the page the local logout answers with (it moves on by itself)."""
    match = re.search(r'id="provider-logout" href="([^"]+)"', response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)
    return html.unescape(match.group(1))


def session_of(client) -> dict:
    with client.session_transaction() as s:
        return dict(s)


def logged_in(client) -> bool:
    return "_user_id" in session_of(client)


# --- the happy path ------------------------------------------------------------------------------------------------


def test_sso_login_links_the_registered_user_and_starts_a_session(sso_world):
    app, provider, db, world = sso_world
    provider.extra_claims = {"pid": "01017012345"}  # ID-porten's national identity number: never kept
    client = app.test_client()
    callback, params = sso_login(client, provider, "Advisor@Test.no", next_path="/purchases")
    assert callback.status_code == 302 and callback.location == "/purchases"
    assert params["response_type"] == "code" and params["scope"] == "openid profile email"
    assert params["client_id"] == CLIENT_ID and params["redirect_uri"] == CALLBACK
    assert params["state"] and params["nonce"] and params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43 and params["acr_values"] == "idporten-loa-high"
    cookie = session_of(client)
    assert cookie["_user_id"] == str(world.users["advisor"].id)
    assert not [k for k in cookie if k.startswith("_state_")]  # state, nonce and verifier are used up
    assert "01017012345" not in json.dumps(cookie, default=str) and "id_token" not in json.dumps(cookie, default=str)
    user = db.get(User, world.users["advisor"].id)
    assert (user.oidc_issuer, user.oidc_subject) == (ISSUER, provider.issued[-1]["sub"])
    assert user.last_login_at == FIXED_NOW and user.last_login_method == "sso:op"
    # The ID token for the logout hint is kept sealed: the database row does not hold it readable.
    row = db.scalar(select(OidcLogin).where(OidcLogin.user_id == user.id))
    assert row is not None and "01017012345" not in row.sealed_id_token and "." in row.sealed_id_token
    home = client.get("/home")
    assert home.status_code == 200 and "Nav Testvik" in home.get_data(as_text=True)
    actions = list(db.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(user.id))))
    assert "user.sso_linked" in actions and "user.logged_in" in actions


def test_the_login_page_offers_each_provider(sso):
    app, _provider, _db = sso
    page = app.test_client().get("/login").get_data(as_text=True)
    assert "Logg inn med Testleverandør" in page and 'href="/auth/oidc/op/login"' in page
    assert 'name="password"' in page  # local login is on by default


def test_an_unknown_provider_name_is_404(sso):
    app, _provider, _db = sso
    assert app.test_client().get("/auth/oidc/nope/login").status_code == 404


# --- linking and matching -------------------------------------------------------------------------------------------


def test_later_logins_match_by_subject_even_when_the_address_changed(sso_world):
    app, provider, db, world = sso_world
    sso_login(app.test_client(), provider, "advisor@test.no")
    subject = provider.issued[-1]["sub"]
    provider.subjects["renamed@test.no"] = subject  # same person, new address at the provider
    client = app.test_client()
    callback, _ = sso_login(client, provider, "renamed@test.no")
    assert callback.status_code == 302 and session_of(client)["_user_id"] == str(world.users["advisor"].id)


def test_an_address_arriving_with_another_subject_is_refused(sso_world):
    app, provider, db, world = sso_world
    sso_login(app.test_client(), provider, "advisor@test.no")
    provider.subjects["advisor@test.no"] = "someone-else"  # a reused mailbox: not the linked person
    client = app.test_client()
    callback, _ = sso_login(client, provider, "advisor@test.no")
    assert callback.status_code == 403 and "er knyttet til en annen innlogging" in callback.get_data(as_text=True)
    assert not logged_in(client)
    assert db.get(User, world.users["advisor"].id).oidc_subject != "someone-else"


def test_a_deactivated_user_is_refused(sso_world):
    app, provider, db, world = sso_world
    world.users["advisor"].is_active = False
    db.flush()
    client = app.test_client()
    callback, _ = sso_login(client, provider, "advisor@test.no")
    assert callback.status_code == 403 and "deaktivert" in callback.get_data(as_text=True)
    assert not logged_in(client) and db.get(User, world.users["advisor"].id).oidc_subject is None


def test_an_unknown_person_is_told_and_can_ask_for_access(sso_world):
    app, provider, db, world = sso_world
    provider.names["ny@kommune.no"] = "Nina Ny"
    client = app.test_client()
    callback, _ = sso_login(client, provider, "ny@kommune.no")
    page = callback.get_data(as_text=True)
    assert callback.status_code == 403 and "er ikke registrert" in page and 'name="message"' in page
    assert not logged_in(client)
    sent = client.post("/auth/oidc/access-request", data={"message": "Jeg jobber i Nav Testvik."})
    assert sent.status_code == 200 and "Forespørselen er sendt" in sent.get_data(as_text=True)
    notices = db.scalars(select(Notification).where(Notification.kind == "auth.access_requested")).all()
    assert [n.user_id for n in notices] == [world.users["admin"].id]
    assert notices[0].params == {"name": "Nina Ny (ny@kommune.no, Testleverandør)", "note": "Jeg jobber i Nav Testvik."}
    assert notices[0].link.startswith("/admin/users/new?from=") and len(notices[0].link) <= 300
    # The admin's inbox shows it; the link fills in the new-user form.
    admin = app.test_client()
    assert login(admin, "admin@test.no").status_code == 302
    assert "Nina Ny (ny@kommune.no, Testleverandør) logget inn med enkel pålogging" in admin.get("/inbox").get_data(as_text=True)
    assert 'value="ny@kommune.no"' in admin.get(notices[0].link).get_data(as_text=True)
    # The same person again the same day tells nobody twice; without an SSO identity there is nothing to send.
    sso_login(client, provider, "ny@kommune.no")
    client.post("/auth/oidc/access-request", data={"message": "Igjen"})
    assert db.scalar(select(func.count()).select_from(Notification).where(Notification.kind == "auth.access_requested")) == 1
    assert app.test_client().post("/auth/oidc/access-request", data={"message": "x"}).status_code == 400


def test_an_sso_only_user_can_be_created_and_has_no_password(sso_world):
    app, provider, db, world = sso_world
    admin = app.test_client()
    assert login(admin, "admin@test.no").status_code == 302
    r = admin.post("/admin/users/new", data={"email": "Kun.SSO@test.no", "name": "Kun SSO", "password": ""})
    assert r.status_code == 302
    user = db.scalar(select(User).where(User.email == "kun.sso@test.no"))
    assert user.password_hash == "" and not user.has_password
    assert login(app.test_client(), "kun.sso@test.no", "").status_code == 422
    assert login(app.test_client(), "kun.sso@test.no", "anything-at-all").status_code == 401
    assert sso_login(app.test_client(), provider, "kun.sso@test.no")[0].status_code == 302


def test_the_user_list_shows_how_each_user_logs_in_and_when(sso_world):
    app, provider, db, world = sso_world
    sso_login(app.test_client(), provider, "advisor@test.no")
    world.users["budget_owner"].password_hash = ""
    world.users["budget_owner"].oidc_issuer, world.users["budget_owner"].oidc_subject = ISSUER, "b-1"
    db.flush()
    admin = app.test_client()
    login(admin, "admin@test.no")
    page = admin.get("/admin/users").get_data(as_text=True)
    rows = {row.split("</td>")[1].split("<td>")[-1]: row for row in page.split("<tr>")[2:]}
    assert "Enkel pålogging og passord" in rows["advisor@test.no"] and "02.03.2026" in rows["advisor@test.no"]
    assert "Enkel pålogging</td>" in rows["budget@test.no"]
    assert "Passord</td>" in rows["coordinator@test.no"] and "—</td>" in rows["coordinator@test.no"]


def test_an_access_request_without_an_address_creates_a_linked_account(database_url, engine, clock):
    """ID-porten sends no e-mail: the administrator creates the user from the request's link, and the new account
    is linked to exactly that login. An altered link links nothing."""
    app, provider = make_sso_app(database_url, OIDC_OP_EMAIL_CLAIMS="")
    for app, provider, db in _with_session(app, engine, provider):
        from ..factories import make_world

        make_world(db)
        provider.names["innbygger@example.no"] = "Ine Innbygger"
        person = app.test_client()
        callback, _ = sso_login(person, provider, "innbygger@example.no")
        assert callback.status_code == 403 and "Ine Innbygger er ikke registrert" in callback.get_data(as_text=True)
        person.post("/auth/oidc/access-request", data={"message": ""})
        link = db.scalar(select(Notification.link).where(Notification.kind == "auth.access_requested"))
        admin = app.test_client()
        login(admin, "admin@test.no")
        form = admin.get(link).get_data(as_text=True)
        assert 'value="Ine Innbygger"' in form and "knyttet til innloggingen hos Testleverandør" in form
        assert "knyttet til" not in admin.get(link[:-3] + "xyz").get_data(as_text=True)
        created = admin.post(link, data={"email": "ine@kommune.no", "name": "Ine Innbygger", "password": ""})
        assert created.status_code == 302
        user = db.scalar(select(User).where(User.email == "ine@kommune.no"))
        assert (user.oidc_issuer, user.oidc_subject) == (ISSUER, provider.issued[-1]["sub"])
        again = app.test_client()
        assert sso_login(again, provider, "innbygger@example.no")[0].status_code == 302
        assert session_of(again)["_user_id"] == str(user.id)
        # The same link cannot link a second account to the same login.
        second = admin.post(link, data={"email": "ine2@kommune.no", "name": "Ine To", "password": ""})
        assert second.status_code == 422 and "allerede knyttet til en annen bruker" in second.get_data(as_text=True)


# --- refusals: nothing but a valid ID token for us, from our provider, for this login --------------------------------


@pytest.mark.parametrize("tamper", TAMPER_MODES)
def test_a_bad_id_token_is_refused(sso_world, tamper):
    app, provider, db, world = sso_world
    provider.tamper = tamper
    client = app.test_client()
    callback, _ = sso_login(client, provider, "advisor@test.no")
    assert callback.status_code == 401 and REFUSED in callback.get_data(as_text=True)
    cookie = session_of(client)
    assert "_user_id" not in cookie and oidc.SSO_SESSION not in cookie
    assert db.get(User, world.users["advisor"].id).oidc_subject is None


def _forge_state(query: str) -> str:
    params = {k: v[0] for k, v in parse_qs(query).items()}
    params["state"] = "forged-" + params["state"]
    return "&".join(f"{k}={v}" for k, v in params.items())


@pytest.mark.parametrize("case", ["forged_state", "low_acr", "error_from_provider"])
def test_a_login_that_was_not_ours_or_too_weak_is_refused(sso_world, case):
    app, provider, db, world = sso_world
    client = app.test_client()
    if case == "forged_state":
        callback, _ = sso_login(client, provider, "advisor@test.no", tamper_callback=_forge_state)
    elif case == "low_acr":
        provider.acr = "idporten-loa-substantial"
        callback, _ = sso_login(client, provider, "advisor@test.no")
    else:
        sso_login_start = client.get("/auth/oidc/op/login")
        state = parse_qs(urlsplit(sso_login_start.location).query)["state"][0]
        callback = client.get("/auth/oidc/op/callback", query_string={"error": "access_denied", "state": state})
    assert callback.status_code == 401 and REFUSED in callback.get_data(as_text=True)
    assert not logged_in(client)


def test_a_callback_without_a_login_started_here_is_refused(sso_world):
    app, provider, db, world = sso_world
    other = app.test_client()
    # The code and state were made for another browser (login CSRF): this one has no state for them.
    start = other.get("/auth/oidc/op/login")
    authorize = urlsplit(start.location)
    answer = provider.app.test_client().post(authorize.path, query_string=authorize.query, data={"email": "advisor@test.no"})
    victim = app.test_client()
    callback = victim.get(urlsplit(answer.location).path, query_string=urlsplit(answer.location).query)
    assert callback.status_code == 401 and not logged_in(victim)


def test_accepted_acr_values_can_include_substantial(database_url, engine, clock):
    app, provider = make_sso_app(database_url, OIDC_OP_ACCEPTED_ACR="idporten-loa-substantial idporten-loa-high")
    for app, provider, db in _with_session(app, engine, provider):
        from ..factories import make_world

        make_world(db)
        provider.acr = "idporten-loa-substantial"
        client = app.test_client()
        callback, params = sso_login(client, provider, "advisor@test.no")
        assert callback.status_code == 302 and logged_in(client)
        assert params["acr_values"] == "idporten-loa-substantial"


def test_key_rotation_is_followed(sso_world):
    app, provider, db, world = sso_world
    assert sso_login(app.test_client(), provider, "advisor@test.no")[0].status_code == 302  # JWKS now cached
    provider.rotate_key("test-key-2")
    client = app.test_client()
    callback, _ = sso_login(client, provider, "advisor@test.no")
    assert callback.status_code == 302 and logged_in(client)
    assert provider.issued[-1] and provider.key.kid == "test-key-2"


# --- logout -----------------------------------------------------------------------------------------------------------


def test_logout_ends_the_session_here_and_at_the_provider(sso_world):
    app, provider, db, world = sso_world
    client = app.test_client()
    sso_login(client, provider, "advisor@test.no")
    user = db.get(User, world.users["advisor"].id)
    generation = user.session_generation
    out = client.post("/logout")
    assert out.status_code == 200 and 'http-equiv="refresh"' in out.get_data(as_text=True)
    end = urlsplit(provider_logout_link(out))
    assert end.netloc == "op.test" and end.path == "/logout"
    args = {k: v[0] for k, v in parse_qs(end.query).items()}
    assert args["post_logout_redirect_uri"] == LOGGED_OUT and args["state"] and args["id_token_hint"].count(".") == 2
    assert not logged_in(client) and db.get(User, user.id).session_generation == generation + 1
    assert db.scalar(select(func.count()).select_from(OidcLogin).where(OidcLogin.user_id == user.id)) == 0
    back = provider.app.test_client().get(end.path, query_string=end.query)
    assert back.status_code == 302 and provider.logouts[-1]["sub"] == user.oidc_subject
    assert back.location.startswith(LOGGED_OUT)
    done = client.get(urlsplit(back.location).path, query_string=urlsplit(back.location).query)
    assert done.status_code == 302 and done.location == "/login"
    assert "Du er logget ut" in client.get("/login").get_data(as_text=True)
    assert client.get("/home").status_code == 302 and not logged_in(client)


def test_a_password_session_logs_out_locally_only(sso_world):
    app, provider, db, world = sso_world
    client = app.test_client()
    login(client, "advisor@test.no")
    out = client.post("/logout")
    assert out.status_code == 302 and out.location == "/login" and provider.logouts == []


# --- local passwords turned off ----------------------------------------------------------------------------------------


@pytest.fixture
def sso_only(database_url, engine, clock):
    app, provider = make_sso_app(database_url, LOCAL_LOGIN="off", BREAK_GLASS_ACCOUNTS="Admin@test.no, advisor@test.no")
    for app, provider, db in _with_session(app, engine, provider):
        from ..factories import make_world

        yield app, provider, db, make_world(db)


@pytest.mark.parametrize("email,status", [
    ("admin@test.no", 302),  # a break-glass administrator
    ("advisor@test.no", 403),  # named break-glass, but not an administrator
    ("coordinator@test.no", 403),  # not named
    ("nobody@test.no", 403),
])
def test_without_local_login_only_break_glass_administrators_use_a_password(sso_only, email, status):
    app, provider, db, world = sso_only
    client = app.test_client()
    r = login(client, email)
    assert r.status_code == status and logged_in(client) is (status == 302)
    if status == 403:
        assert "Innlogging med passord er slått av" in r.get_data(as_text=True)


def test_without_local_login_the_page_leads_with_sso(sso_only):
    app, provider, db, world = sso_only
    page = app.test_client().get("/login").get_data(as_text=True)
    assert "Logg inn med Testleverandør" in page and "<details" in page and "Nødtilgang for administratorer" in page
    client = app.test_client()
    assert sso_login(client, provider, "coordinator@test.no")[0].status_code == 302 and logged_in(client)


# --- the route × role matrix holds for SSO users ------------------------------------------------------------------------


def _plain_get_routes(app) -> list[str]:
    """Every GET route without parameters that needs a login (the full matrix is tests/test_access_matrix.py)."""
    paths = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if "GET" in rule.methods and not rule.arguments and getattr(view, "access", PUBLIC) != PUBLIC:
            paths.append(rule.rule)
    return sorted(paths)


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_an_sso_user_has_the_access_their_memberships_give(sso_world, role):
    app, provider, db, world = sso_world
    user = world.users[role]
    by_password, by_sso = app.test_client(), app.test_client()
    assert login(by_password, user.email, PASSWORD).status_code == 302
    assert sso_login(by_sso, provider, user.email)[0].status_code == 302
    routes = _plain_get_routes(app)
    assert len(routes) > 10
    seen = {path: (by_password.get(path).status_code, by_sso.get(path).status_code) for path in routes}
    assert {p: s for p, s in seen.items() if s[0] != s[1]} == {}
    assert any(s == (403, 403) for s in seen.values()) or role == "admin"
    assert any(s[1] == 200 for s in seen.values())


# --- the built-in provider in the app itself (CONTRACTS_OIDC_DEV_PROVIDER) ---------------------------------------------


def test_the_built_in_provider_runs_in_the_app_and_logs_a_demo_user_in(database_url, engine, clock):
    app = create_app({"ENV": "testing", "DATABASE_URL": database_url, "SECRET_KEY": "t", "WTF_CSRF_ENABLED": False,
                      "TESTING": True, "OIDC_DEV_PROVIDER": True, "BASE_URL": "http://localhost"})
    app.extensions["clock"] = clock_module.FixedClock(FIXED_NOW)
    for app, _none, db in _with_session(app, engine, None):
        from ..factories import make_world

        world = make_world(db)
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        assert 'href="/auth/oidc/dev/login"' in page
        start = client.get("/auth/oidc/dev/login")
        authorize = urlsplit(start.location)
        assert (authorize.netloc, authorize.path) == ("localhost", "/dev-oidc/authorize")
        form = client.get(authorize.path, query_string=authorize.query)
        assert form.status_code == 200 and 'name="email"' in form.get_data(as_text=True)
        answer = client.post(authorize.path, query_string=authorize.query, data={"email": "budget@test.no"})
        callback = urlsplit(answer.location)
        done = client.get(callback.path, query_string=callback.query)
        assert done.status_code == 302 and session_of(client)["_user_id"] == str(world.users["budget_owner"].id)
        out = urlsplit(provider_logout_link(client.post("/logout")))
        assert out.path == "/dev-oidc/logout"
        back = client.get(out.path, query_string=out.query)
        assert urlsplit(back.location).path == "/auth/oidc/dev/logged-out" and not logged_in(client)
