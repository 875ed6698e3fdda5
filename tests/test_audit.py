from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from contracts_app import audit
from contracts_app.audit import AuditEvent, AuditImmutable

from .support import login


def _an_event(db, clock):
    ev = audit.record(db, audit.SYSTEM, "test.happened", None, at=clock.now(), object_type="thing", object_id=1, after={"a": 1})
    db.flush()
    return ev


def test_orm_refuses_to_change_or_delete_audit_rows(db, clock):
    ev = _an_event(db, clock)
    ev.action = "test.rewritten"
    with pytest.raises(AuditImmutable):
        db.flush()
    db.rollback()
    ev = _an_event(db, clock)
    db.delete(ev)
    with pytest.raises(AuditImmutable):
        db.flush()


@pytest.mark.parametrize("statement", ["UPDATE audit_event SET action = 'x'", "DELETE FROM audit_event"])
def test_database_refuses_to_change_or_delete_audit_rows(db, clock, statement):
    _an_event(db, clock)
    with pytest.raises(DBAPIError, match="append-only"):
        with db.begin_nested():
            db.execute(text(statement))
    assert db.scalar(select(AuditEvent.action).where(AuditEvent.action == "test.happened")) == "test.happened"


def test_audit_page_filters_by_object_and_actor(app, client, db, world):
    login(app.test_client(), "advisor@test.no")  # the advisor's login is an event by the advisor
    login(client, "admin@test.no")
    page = client.get(f"/admin/audit?object_type=unit&object_id={world.nav_office.id}").get_data(as_text=True)
    assert "unit.created" in page and "legal_entity.created" not in page
    page = client.get("/admin/audit?actor=advisor@test.no").get_data(as_text=True)
    assert "user.logged_in" in page and "unit.created" not in page
