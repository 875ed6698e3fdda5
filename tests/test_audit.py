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


def _events(db, clock, n: int) -> None:
    import datetime as dt

    for i in range(n):
        audit.record(db, audit.SYSTEM, "unit.updated", None, at=clock.now() - dt.timedelta(hours=i), object_type="unit",
                     object_id=f"p{i}", before={"name": f"Bodø {i}"}, after={"name": f"Tromsø {i}", "is_active": True})
    db.commit()


def _shown(html: str) -> list[str]:
    import re

    return re.findall(r"<td>unit (p\d+)</td>", html)


def test_the_audit_log_pages_by_cursor_older_then_newer_without_gaps_or_repeats(client, db, world, clock):
    import re

    _events(db, clock, 120)
    login(client, "admin@test.no")
    first = client.get("/admin/audit?object_type=unit&action=unit.updated").get_data(as_text=True)
    older = re.search(r'rel="next" href="([^"]+)"', first)[1].replace("&amp;", "&")
    second = client.get(older).get_data(as_text=True)
    third = client.get(re.search(r'rel="next" href="([^"]+)"', second)[1].replace("&amp;", "&")).get_data(as_text=True)
    pages = [_shown(first), _shown(second), _shown(third)]
    assert [len(p) for p in pages] == [50, 50, 20] and 'rel="next"' not in third
    assert sum(pages, []) == [f"p{i}" for i in range(120)]  # newest first, each once
    back = client.get(re.search(r'rel="prev" href="([^"]+)"', second)[1].replace("&amp;", "&")).get_data(as_text=True)
    assert _shown(back) == pages[0] and 'rel="prev"' not in back
    assert "Antall hendelser: 120" in first


@pytest.mark.parametrize("query,status", [("older=garbage", 200), ("newer=1_x", 200), ("older=999999999999999999999_1", 200), ("page=10000", 200)])
def test_a_bad_cursor_is_the_first_page(client, db, world, clock, query, status):
    _events(db, clock, 3)
    login(client, "admin@test.no")
    response = client.get(f"/admin/audit?object_type=unit&action=unit.updated&{query}")
    assert response.status_code == status and _shown(response.get_data(as_text=True)) == ["p0", "p1", "p2"]


@pytest.mark.parametrize("query,shown,message", [
    ("from_date=2026-01-15&to_date=2026-01-15", None, None),  # one day, inclusive
    ("from_date=2026-01-16&to_date=2026-01-15", "all", "Til-datoen er før fra-datoen."),  # inverted: a message, not applied
    ("from_date=2026-13-01", "all", "Not a valid date value."),
])
def test_the_audit_log_filters_by_date_range(client, db, world, clock, query, shown, message):
    _events(db, clock, 72)  # an event an hour back from FIXED_NOW, three days
    login(client, "admin@test.no")
    html = client.get(f"/admin/audit?object_type=unit&action=unit.updated&{query}").get_data(as_text=True)
    from contracts_app.admin.queries import events as _  # noqa: F401 - the page's query
    from contracts_app.formats import local_date
    import datetime as dt

    expected = [f"p{i}" for i in range(72) if shown == "all" or local_date(clock.now() - dt.timedelta(hours=i)) == dt.date(2026, 1, 15)]
    assert _shown(html)[:50] == expected[:50]
    if message and message != "Not a valid date value.":
        assert message in html
    if message:
        assert 'class="ds-validation-message"' in html


def test_the_audit_log_shows_labels_and_readable_values(client, db, world, clock):
    _events(db, clock, 1)
    login(client, "admin@test.no")
    html = client.get("/admin/audit?object_type=unit&action=unit.updated").get_data(as_text=True)
    assert "Enhet endret" in html and 'data-action="unit.updated"' in html  # the label, the raw name kept
    assert "Tromsø 0" in html and "Bodø 0" in html and "\\u00f8" not in html  # letters, not JSON escapes
    assert "<dt title=\"is_active\">Aktiv</dt><dd>Ja</dd>" in html


@pytest.mark.parametrize("key,value,shown", [
    ("amount", "7104.00", "kr\xa07\xa0104,00"), ("start_date", "2026-03-02", "02.03.2026"), ("is_active", False, "Nei"),
    ("seats", 3, "3"), ("cpv_codes", ["80580000", "80000000"], "80580000, 80000000"), ("note", None, "—"),
    ("parties", [{"name": "Bodø"}], '[{"name": "Bodø"}]'), ("no_label_key", "x", "x"),
])
def test_audit_values_are_formatted(app, key, value, shown):
    from contracts_app import audit_labels

    with app.test_request_context(headers={"Accept-Language": "nb"}):
        (line,) = audit_labels.readable({key: value})
        assert line.value == shown and line.key == key
        assert audit_labels.action_label("no.such_action") == "no.such_action"
