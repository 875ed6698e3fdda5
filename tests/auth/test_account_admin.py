"""Issue 18, item 3: administrators deactivate, reactivate, unlock, log out everywhere and send reset links; users
change their own password (length, zxcvbn); the reset link works once, expires, is stored hashed; all audited."""
from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select

from contracts_app.audit import AuditEvent
from contracts_app.auth.models import User
from contracts_app.notifications.models import OutboxMessage

from ..support import PASSWORD, login

NEW_PASSWORD = "blåbærsyltetøy og kanelsnurrer"


@pytest.fixture
def admin(app, world):
    c = app.test_client()
    assert login(c, "admin@test.no").status_code == 302
    return c


def _actions(db, user_id: int) -> list[str]:
    return list(db.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "user_account",
                                                           AuditEvent.object_id == str(user_id)).order_by(AuditEvent.id)))


@pytest.mark.parametrize(
    "path,audited,active_after",
    [
        ("deactivate", ["user.deactivated", "user.sessions_ended"], False),
        ("logout-everywhere", ["user.sessions_ended"], True),
        ("unlock", ["user.login_unlocked"], True),
        ("send-reset", ["user.password_reset_sent"], True),
    ],
)
def test_admin_actions_are_audited(admin, db, world, path, audited, active_after):
    target = world.users["advisor"]
    r = admin.post(f"/admin/users/{target.id}/{path}")
    assert r.status_code == 302 and r.location.endswith(f"/admin/users/{target.id}")
    assert _actions(db, target.id)[-len(audited):] == audited
    assert db.get(User, target.id).is_active is active_after


def test_deactivated_users_cannot_log_in_until_reactivated(app, admin, db, world):
    target = world.users["advisor"]
    admin.post(f"/admin/users/{target.id}/deactivate")
    page = admin.get(f"/admin/users/{target.id}").get_data(as_text=True)
    assert "Deaktivert" in page and "Aktiver igjen" in page
    assert login(app.test_client(), target.email).status_code == 401
    admin.post(f"/admin/users/{target.id}/reactivate")
    assert "user.activated" in _actions(db, target.id)
    assert login(app.test_client(), target.email).status_code == 302


def test_an_admin_cannot_deactivate_themselves(admin, db, world):
    me = world.users["admin"]
    r = admin.post(f"/admin/users/{me.id}/deactivate", follow_redirects=True)
    assert "Du kan ikke deaktivere din egen konto" in r.get_data(as_text=True)
    assert db.get(User, me.id).is_active


def test_unlock_opens_a_locked_login(app, admin, db, world):
    target = world.users["advisor"]
    attacker = app.test_client()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        attacker.post("/login", data={"email": target.email, "password": "wrong-password"})
    assert login(app.test_client(), target.email).status_code == 429
    assert "Innlogging sperret" in admin.get(f"/admin/users/{target.id}").get_data(as_text=True)
    admin.post(f"/admin/users/{target.id}/unlock")
    assert login(app.test_client(), target.email).status_code == 302


def _reset_link(admin, db, user) -> str:
    assert admin.post(f"/admin/users/{user.id}/send-reset").status_code == 302
    mail = db.scalars(select(OutboxMessage).where(OutboxMessage.user_id == user.id).order_by(OutboxMessage.id.desc())).first()
    assert mail.subject == "Kursportalen: velg nytt passord"
    return re.search(r"http\S+/reset-password/(\S+)", mail.body).group(0).split("127.0.0.1:5000", 1)[1]


def test_a_reset_link_is_stored_hashed_and_works_once(app, admin, db, world):
    target = world.users["advisor"]
    path = _reset_link(admin, db, target)
    token = path.rsplit("/", 1)[1]
    db.refresh(target)
    assert target.password_reset_hash == hashlib.sha256(token.encode()).hexdigest() and token not in target.password_reset_hash
    visitor = app.test_client()
    assert visitor.get(path).status_code == 200
    r = visitor.post(path, data={"password": NEW_PASSWORD, "repeat": NEW_PASSWORD})
    assert r.status_code == 302 and r.location.endswith("/login")
    assert login(app.test_client(), target.email, NEW_PASSWORD).status_code == 302
    used = visitor.get(path)
    assert used.status_code == 410 and "utløpt eller allerede brukt" in used.get_data(as_text=True)
    assert visitor.post(path, data={"password": NEW_PASSWORD, "repeat": NEW_PASSWORD}).status_code == 410
    assert "user.password_reset" in _actions(db, target.id)


@pytest.mark.parametrize("token", ["expired", "never-issued", "x" * 300])
def test_an_expired_or_unknown_link_gives_a_clear_page(app, admin, db, world, clock, token):
    path = "/reset-password/" + token
    if token == "expired":
        path = _reset_link(admin, db, world.users["advisor"])
        clock.advance(hours=app.config["PASSWORD_RESET_HOURS"], seconds=1)
    r = app.test_client().get(path)
    assert r.status_code == 410 and 'id="reset-invalid"' in r.get_data(as_text=True)


def test_a_reset_unlocks_and_ends_every_session(app, admin, db, world):
    target = world.users["advisor"]
    old = app.test_client()
    login(old, target.email)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        app.test_client().post("/login", data={"email": target.email, "password": "wrong-password"})
    path = _reset_link(admin, db, target)
    app.test_client().post(path, data={"password": NEW_PASSWORD, "repeat": NEW_PASSWORD})
    assert old.get("/api/v1/me").status_code == 401
    assert login(app.test_client(), target.email, NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize(
    "current,new,repeat,field,message",
    [
        ("wrong-password", NEW_PASSWORD, NEW_PASSWORD, "current", "ikke det nåværende passordet"),
        (PASSWORD, "kort", "kort", "password", "minst 10 tegn"),
        (PASSWORD, "passord123", "passord123", "password", "for lett å gjette"),
        (PASSWORD, "advisor@test.no", "advisor@test.no", "password", "for lett å gjette"),  # the user's own address
        (PASSWORD, "qwertyuiop", "qwertyuiop", "password", "de 100 vanligste passordene"),
        (PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x", "repeat", "ikke like"),
    ],
    ids=["wrong-current", "too-short", "common", "own-address", "top-100", "not-repeated"],
)
def test_a_weak_or_wrong_password_change_is_refused_with_advice(client, db, world, current, new, repeat, field, message):
    login(client, "advisor@test.no")
    before = db.get(User, world.users["advisor"].id).password_hash
    r = client.post("/account/password", data={"current": current, "password": new, "repeat": repeat})
    text = r.get_data(as_text=True)
    assert r.status_code == 422 and f'id="{field}-error"' in text and message in text.lower()
    db.expire_all()
    assert db.get(User, world.users["advisor"].id).password_hash == before


def test_a_password_change_is_audited_and_the_new_password_works(app, client, db, world):
    login(client, "advisor@test.no")
    assert "Bytt passord" in client.get("/home").get_data(as_text=True)  # the link in the header
    assert client.get("/account/password").status_code == 200
    r = client.post("/account/password", data={"current": PASSWORD, "password": NEW_PASSWORD, "repeat": NEW_PASSWORD})
    assert r.status_code == 302
    assert _actions(db, world.users["advisor"].id)[-2:] == ["user.password_changed", "user.sessions_ended"]
    assert login(app.test_client(), "advisor@test.no", NEW_PASSWORD).status_code == 302
    assert login(app.test_client(), "advisor@test.no", PASSWORD).status_code == 401


def test_a_deactivated_user_gets_no_reset_link(admin, db, world):
    target = world.users["advisor"]
    admin.post(f"/admin/users/{target.id}/deactivate")
    r = admin.post(f"/admin/users/{target.id}/send-reset", follow_redirects=True)
    assert "Aktiver brukeren igjen" in r.get_data(as_text=True)
    assert db.scalar(select(OutboxMessage.id).where(OutboxMessage.user_id == target.id)) is None
