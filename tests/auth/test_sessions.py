"""Issue 18, item 2: sessions end — on logout, password change, deactivation and an administrator's "log out
everywhere" every session of the user ends (a copied cookie too); idle and absolute limits."""
from __future__ import annotations

import pytest

from ..support import PASSWORD, login

NEW_PASSWORD = "blåbærsyltetøy og kanelsnurrer"


def _two_sessions(app, email: str):
    first, copy = app.test_client(), app.test_client()
    assert login(first, email).status_code == 302
    copy.set_cookie("session", first.get_cookie("session").value)  # the stolen cookie
    assert copy.get("/api/v1/me").status_code == 200
    return first, copy


def _admin(app):
    c = app.test_client()
    assert login(c, "admin@test.no").status_code == 302
    return c


@pytest.mark.parametrize(
    "ending",
    ["logout", "password_change", "deactivation", "log_out_everywhere"],
)
def test_every_session_of_the_user_ends(app, db, world, ending):
    first, copy = _two_sessions(app, "advisor@test.no")
    user_id = world.users["advisor"].id
    if ending == "logout":
        assert first.post("/logout").status_code == 302
    elif ending == "password_change":
        r = first.post("/account/password", data={"current": PASSWORD, "password": NEW_PASSWORD, "repeat": NEW_PASSWORD})
        assert r.status_code == 302
        assert first.get("/api/v1/me").status_code == 200  # the browser that changed it carries on
    elif ending == "deactivation":
        assert _admin(app).post(f"/admin/users/{user_id}/deactivate").status_code == 302
    else:
        assert _admin(app).post(f"/admin/users/{user_id}/logout-everywhere").status_code == 302
    assert copy.get("/api/v1/me").status_code == 401
    assert copy.get("/home").status_code == 302


@pytest.mark.parametrize(
    "minutes,status",
    [
        (29, 200),  # inside the idle time
        (31, 401),  # idle for longer than CONTRACTS_SESSION_IDLE_MINUTES (30)
    ],
)
def test_idle_sessions_end(client, world, clock, minutes, status):
    login(client, "advisor@test.no")
    clock.advance(minutes=minutes)
    assert client.get("/api/v1/me").status_code == status


def test_sessions_end_after_the_absolute_lifetime_however_busy(client, world, clock):
    login(client, "advisor@test.no")
    for _ in range(9 * 4 + 3):  # a request every 15 minutes for 9 h 45 min
        clock.advance(minutes=15)
        assert client.get("/api/v1/me").status_code == 200
    clock.advance(minutes=16)  # 10 h 1 min after login
    assert client.get("/api/v1/me").status_code == 401


def test_the_limits_are_settings(app, client, world, clock):
    app.config["SESSION_IDLE_MINUTES"] = 5
    try:
        login(client, "advisor@test.no")
        clock.advance(minutes=6)
        assert client.get("/api/v1/me").status_code == 401
    finally:
        app.config["SESSION_IDLE_MINUTES"] = 30


def test_a_session_from_before_the_generation_check_is_not_accepted(app, client, world):
    """A cookie with only Flask-Login's user id (as issued before this change, or forged with the key) is no login."""
    with client.session_transaction() as s:
        s["_user_id"] = str(world.users["admin"].id)
        s["_fresh"] = True
    assert client.get("/api/v1/me").status_code == 401


def test_the_language_survives_an_ended_session(client, world, clock):
    login(client, "advisor@test.no")
    client.post("/language", data={"locale": "en", "back": "/home"})
    clock.advance(hours=11)
    assert "Log in" in client.get("/login").get_data(as_text=True)
