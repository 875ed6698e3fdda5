"""How a request's transaction ends (``db.init_app``'s teardown): a request that only read commits, so psycopg keeps
the statements it has prepared on the connection (it forgets them all on ROLLBACK); anything a view changed or
wrote and did not commit itself is rolled back, never committed by the teardown. And a statement marked
``PLAN_PER_VALUE`` is never prepared. Both databases, each with its own migrated database and real connections."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from contracts_app.db import PLAN_PER_VALUE, get_session
from contracts_app.organisations.models import LegalEntity
from contracts_app.budget.forms import StopForm
from contracts_app.web import run_action, save_form

from .factories import make_entity

MARK = "/* request-transactions-test */ "


@pytest.fixture
def routes_app(live_app):
    """``live_app`` with test routes: each reads, changes or writes and never commits itself."""
    with live_app.app_context():
        session = get_session()
        entity_id = make_entity(session, name="Før").id
        other_id = make_entity(session, name="Annen").id
        session.commit()

    def read():
        get_session().execute(text(MARK + "SELECT count(*) FROM legal_entity"))
        get_session().execute(select(func.count(LegalEntity.id)).where(LegalEntity.id > 0)
                              .execution_options(**PLAN_PER_VALUE))
        return "ok"

    def prepared():
        rows = get_session().execute(text("SELECT statement FROM pg_prepared_statements")).scalars().all()
        return {"statements": rows}

    def change():
        get_session().get(LegalEntity, entity_id).name = "Endret"  # dirty, not flushed
        return "ok"

    def flush_then_answer():
        get_session().get(LegalEntity, entity_id).name = "Skrevet"
        get_session().flush()
        return "ok"

    def flush_then_fail():
        get_session().get(LegalEntity, entity_id).name = "Feilet"
        get_session().flush()
        raise RuntimeError("after the flush")

    def commit_fails():
        session = get_session()
        session.execute(text("SELECT 1"))

        def broken():
            raise OperationalError("COMMIT", {}, Exception("server closed the connection"))
        session.commit = broken
        return "ok"

    def action_after_another_commit(helper):
        session = get_session()
        session.get(LegalEntity, entity_id)  # the page's read opens the transaction
        with live_app.extensions["contracts_db"].engine.connect() as job:  # a scheduled job commits meanwhile
            job.execute(text("UPDATE legal_entity SET name = 'Jobb' WHERE id = :id"), {"id": other_id})
            job.commit()

        def act():
            session.get(LegalEntity, entity_id).name = "Handling"
            session.flush()
            return True
        if helper == "run_action":
            return {"done": run_action(act, "ok")}
        return {"done": save_form(StopForm(formdata=None), act)}

    for rule, view in (("/_t/read", read), ("/_t/prepared", prepared), ("/_t/change", change),
                       ("/_t/flush", flush_then_answer), ("/_t/fail", flush_then_fail),
                       ("/_t/commit-fails", commit_fails), ("/_t/action/<helper>", action_after_another_commit)):
        live_app.add_url_rule(rule, view.__name__, view)
    live_app.config["PROPAGATE_EXCEPTIONS"] = False
    live_app.entity_id = entity_id
    return live_app


def _name(app) -> str:
    with app.app_context():
        return get_session().get(LegalEntity, app.entity_id).name


@pytest.mark.parametrize("path", ["/_t/change", "/_t/flush", "/_t/fail"])
def test_what_a_view_changed_and_did_not_commit_is_rolled_back(routes_app, path):
    response = routes_app.test_client().get(path)
    assert response.status_code == (500 if path == "/_t/fail" else 200)
    assert _name(routes_app) == "Før"


def test_a_read_only_request_keeps_the_connections_prepared_statements(routes_app):
    if routes_app.extensions["contracts_db"].engine.dialect.name != "postgresql":
        pytest.skip("prepared statements are psycopg's (PostgreSQL)")
    client = routes_app.test_client()
    for _ in range(8):  # psycopg prepares a statement on its sixth run on a connection
        assert client.get("/_t/read").status_code == 200
    statements = client.get("/_t/prepared").get_json()["statements"]
    assert any(MARK.strip() in s for s in statements), statements
    # the statement planned per value is sent unprepared every time
    assert not any("count(legal_entity.id)" in s for s in statements), statements


def test_a_read_only_transaction_that_cannot_commit_is_rolled_back_and_logged(routes_app, caplog):
    response = routes_app.test_client().get("/_t/commit-fails")
    assert response.status_code == 200 and response.data == b"ok"
    assert "ending a read-only transaction failed" in caplog.text
    assert routes_app.test_client().get("/_t/read").status_code == 200  # the pool's connection is usable


@pytest.mark.parametrize("helper", ["run_action", "save_form"])
def test_an_action_writes_after_another_connection_committed_since_the_page_read(routes_app, helper):
    """On SQLite a transaction that has read cannot start writing after another connection committed ("database
    is locked" at once, whatever the busy timeout); web.run_action and web.save_form start a write transaction
    first."""
    response = routes_app.test_client().get(f"/_t/action/{helper}")
    assert response.status_code == 200 and response.get_json() == {"done": True}
    assert _name(routes_app) == "Handling"
