from __future__ import annotations


import pytest
from sqlalchemy import func, select

from contracts_app.audit import AuditEvent
from contracts_app.auth.models import LoginThrottle, Role, User

from ..support import FIXED_NOW, PASSWORD, login
from ..factories import make_user


def test_login_lands_on_home_and_is_audited(client, world, db):
    response = login(client, "advisor@test.no")
    assert response.status_code == 302 and response.location.endswith("/home")
    page = client.get("/home")
    assert page.status_code == 200
    assert "Nav Testvik" in page.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "user.logged_in")) == 1


@pytest.mark.parametrize(
    "email,password",
    [("advisor@test.no", "wrong-password"), ("nobody@test.no", PASSWORD), ("", ""), ("x" * 300 + "@t.no", "p")],
    ids=["wrong-password", "unknown-user", "empty", "over-long"],
)
def test_bad_login_gives_a_message_not_a_session(client, world, email, password):
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code in (401, 422)
    text = response.get_data(as_text=True)
    assert "Feil e-postadresse eller passord" in text or "feil" in text.lower()
    assert client.get("/home").status_code == 302


def test_login_message_is_the_same_for_unknown_user_and_wrong_password(client, world):
    a = client.post("/login", data={"email": "advisor@test.no", "password": "wrong-password"}).get_data(as_text=True)
    b = client.post("/login", data={"email": "nobody@test.no", "password": "wrong-password"}).get_data(as_text=True)
    assert ("Feil e-postadresse eller passord" in a) and ("Feil e-postadresse eller passord" in b)


def test_repeated_failures_lock_the_login_for_a_while(app, client, world, db, clock):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post("/login", data={"email": "advisor@test.no", "password": "wrong-password"})
    locked = login(client, "advisor@test.no")  # right password, but locked
    assert locked.status_code == 429
    assert "For mange mislykkede forsøk" in locked.get_data(as_text=True)
    clock.advance(minutes=app.config["LOGIN_LOCKOUT_MINUTES"] + 1)
    assert login(client, "advisor@test.no").status_code == 302
    assert db.scalar(select(LoginThrottle.failures).where(LoginThrottle.login == "advisor@test.no",
                                                          LoginThrottle.address == "127.0.0.1")) == 0  # a new window; the success given back


def test_logout_ends_the_session(client, world):
    login(client, "advisor@test.no")
    assert client.post("/logout").status_code == 302
    assert client.get("/home").status_code == 302


def test_next_parameter_only_allows_local_paths(client, world):
    r = client.post("/login", data={"email": "admin@test.no", "password": PASSWORD, "next": "https://evil.example/"})
    assert r.location.endswith("/home")
    client.post("/logout")
    r = client.post("/login", data={"email": "admin@test.no", "password": PASSWORD, "next": "/admin/audit"})
    assert r.location.endswith("/admin/audit")


def test_missing_csrf_token_is_refused_with_a_page(app, db, world):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = app.test_client().post("/login", data={"email": "advisor@test.no", "password": PASSWORD})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    assert "skjemaet" in response.get_data(as_text=True).lower()


def test_csrf_token_from_the_form_is_accepted(app, db, world):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        c = app.test_client()
        page = c.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        response = c.post("/login", data={"email": "advisor@test.no", "password": PASSWORD, "csrf_token": token})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 302


def test_user_with_two_units_switches_the_active_unit(client, db, world):
    from contracts_app.auth import services
    from contracts_app.audit import SYSTEM

    user = world.users["advisor"]
    services.add_membership(db, user, role=Role.budget_owner, unit=world.adult_education, actor=SYSTEM, now=FIXED_NOW)
    db.commit()
    login(client, user.email)
    home = client.get("/home").get_data(as_text=True)
    assert 'id="header-unit"' in home
    client.post("/active-unit", data={"unit_id": world.adult_education.id})
    me = client.get("/api/v1/me").get_json()
    assert me["unit_id"] == world.adult_education.id and me["roles"] == ["budget_owner"]
    # A unit the user does not belong to is refused.
    assert client.post("/active-unit", data={"unit_id": world.legal_unit.id}).status_code == 400


def test_language_choice_is_remembered_for_the_user(client, db, world):
    login(client, "advisor@test.no")
    assert "Logg ut" in client.get("/home").get_data(as_text=True)
    client.post("/language", data={"locale": "en", "back": "/home"})
    assert "Log out" in client.get("/home").get_data(as_text=True)
    assert db.get(User, world.users["advisor"].id).locale == "en"
    client.post("/logout")
    fresh = client.application.test_client()
    login(fresh, "advisor@test.no")
    assert "Log out" in fresh.get("/home").get_data(as_text=True)


def test_admin_creates_a_user_and_gives_a_role(client, db, world):
    login(client, "admin@test.no")
    r = client.post("/admin/users/new", data={"email": "Ny.Bruker@Test.no", "name": "Ny Bruker", "password": "langt-passord-1"})
    assert r.status_code == 302
    user = db.scalar(select(User).where(User.email == "ny.bruker@test.no"))
    r = client.post(f"/admin/users/{user.id}", data={"unit_id": world.nav_office.id, "role": "advisor"})
    assert r.status_code == 302
    db.refresh(user)
    assert [(m.unit_id, m.role) for m in user.memberships] == [(world.nav_office.id, Role.advisor)]


@pytest.mark.parametrize(
    "data,field",
    [
        ({"email": "not-an-address", "name": "A", "password": "langt-passord-1"}, "email"),
        ({"email": "advisor@test.no", "name": "A", "password": "langt-passord-1"}, "email"),
        ({"email": "a@test.no", "name": "A" * 201, "password": "langt-passord-1"}, "name"),
        ({"email": "a@test.no", "name": "A", "password": "kort"}, "password"),
    ],
    ids=["bad-email", "duplicate", "long-name", "short-password"],
)
def test_bad_user_input_gives_field_error_and_stores_nothing(client, db, world, data, field):
    login(client, "admin@test.no")
    before = db.scalar(select(func.count()).select_from(User))
    r = client.post("/admin/users/new", data=data)
    assert r.status_code == 422
    assert f'id="{field}-error"' in r.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(User)) == before


def test_role_other_than_admin_needs_a_unit(client, db, world):
    login(client, "admin@test.no")
    user = make_user(db, "x@test.no")
    db.commit()
    r = client.post(f"/admin/users/{user.id}", data={"unit_id": "", "role": "advisor"})
    assert r.status_code == 422
    db.refresh(user)
    assert user.memberships == []


def test_users_create_cli_makes_the_first_admin(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "--email", "first@test.no", "--name", "First", "--password", "langt-passord-1"])
    assert result.exit_code == 0, result.output
    user = db.scalar(select(User).where(User.email == "first@test.no"))
    assert [m.role for m in user.memberships] == [Role.admin]
    again = runner.invoke(args=["users", "create", "--email", "first@test.no", "--name", "First", "--password", "langt-passord-1"])
    assert again.exit_code == 2


USER_LOADER_BUDGET = 2  # measured: 1 (the user with memberships, units and legal persons)


def test_the_user_loader_reads_user_units_and_legal_persons_within_its_statement_budget(app, db, world, count_statements):
    """Every request loads the user with their memberships, units and the units' legal persons within a fixed
    statement budget (not one per membership); the principal and the header then need no statement; an
    inactive user is not loaded."""
    from contracts_app.auth import services
    from contracts_app.auth.access import _load_user
    from contracts_app.audit import SYSTEM

    user = world.users["advisor"]
    services.add_membership(db, user, role=Role.budget_owner, unit=world.adult_education, actor=SYSTEM, now=FIXED_NOW)
    services.add_membership(db, user, role=Role.admin, unit=None, actor=SYSTEM, now=FIXED_NOW)
    db.commit()
    db.expunge_all()
    with app.test_request_context():
        from flask import session

        from contracts_app.auth import access

        session.update({access.SESSION_GENERATION: 0, access.SESSION_STARTED: FIXED_NOW.timestamp(),
                        access.SESSION_SEEN: FIXED_NOW.timestamp()})
        with count_statements() as seen:
            loaded = _load_user(str(user.id))
        assert len(seen) <= USER_LOADER_BUDGET and loaded.id == user.id, "\n".join(seen)
        with count_statements() as seen:
            units, roles = [u.name for u in loaded.units()], loaded.roles_at(world.nav_office.id)
            entity_names = {u.legal_entity.name for u in loaded.units()}
        assert seen == []
        assert units == sorted([world.nav_office.name, world.adult_education.name])
        assert roles == {Role.advisor, Role.admin} and entity_names == {world.state.name, world.municipality.name}
        assert [m.role for m in loaded.memberships] == [Role.advisor, Role.budget_owner, Role.admin]
        assert loaded.memberships[0].user is loaded and loaded.memberships[2].unit is None
        assert services._hasher.verify(loaded.password_hash, PASSWORD)
        loaded.is_active = False
        db.flush()
        db.expunge_all()
        assert _load_user(str(user.id)) is None
        assert _load_user("not-a-number") is None and _load_user("999999") is None
