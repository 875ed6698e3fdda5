"""Migrations from an empty database give exactly the models' schema, and can be undone, on both databases."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from contracts_app import migrate
from contracts_app.db import make_engine
from contracts_app.models import metadata

from .support import PG_URL, need


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield "sqlite:///" + str(tmp_path / "empty.sqlite3")
        return
    need(PG_URL, "CONTRACTS_TEST_DATABASE_URL is not set")
    name = "migtest_" + uuid.uuid4().hex[:10]
    admin = make_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_URL.rsplit("/", 1)[0] + "/" + name
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def _diff(url: str) -> list:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True, "include_object": migrate.managed_by_models}), metadata)
    finally:
        engine.dispose()


def test_migrations_match_the_models_and_round_trip(empty_database):
    migrate.upgrade(empty_database)
    assert _diff(empty_database) == []
    migrate.downgrade(empty_database, "base")
    engine = make_engine(empty_database)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    migrate.upgrade(empty_database)
    assert _diff(empty_database) == []


def _scalar(url: str, sql: str):
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar_one()
    finally:
        engine.dispose()


_ASSESSMENT_COMPRESSION = (  # '' = the server's default_toast_compression
    "SELECT attcompression FROM pg_attribute WHERE attrelid = 'seat_purchase'::regclass AND attname = 'assessment'"
)


def _server_has_lz4(url: str) -> bool:
    """Asked by trying it (not the way the migration asks), so a wrong check in the migration shows."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("CREATE TEMP TABLE lz4_probe (x text COMPRESSION lz4)"))
        return True
    except DBAPIError:  # "compression method lz4 not supported"
        return False
    finally:
        engine.dispose()


@pytest.mark.parametrize("empty_database", ["postgresql"], indirect=True)  # column compression is PostgreSQL's
def test_purchase_assessments_are_compressed_with_lz4_on_postgresql(empty_database):
    migrate.upgrade(empty_database, "0008_purchase_supplier")
    if int(_scalar(empty_database, "SHOW server_version_num")) < 140000:
        pytest.skip("column compression needs PostgreSQL 14")
    assert _scalar(empty_database, _ASSESSMENT_COMPRESSION) == ""  # pglz, unless the server's default differs
    migrate.upgrade(empty_database)
    # Debian's PostgreSQL (CI's) is built with LZ4; a server without it keeps its default.
    assert _scalar(empty_database, _ASSESSMENT_COMPRESSION) == ("l" if _server_has_lz4(empty_database) else "")
    migrate.downgrade(empty_database, "0008_purchase_supplier")
    assert _scalar(empty_database, _ASSESSMENT_COMPRESSION) == ""


# The threshold table as databases held it before 0010 (the shipped table of 0002…0009): 100 000 open-ended,
# the proposal of 300 000 pending, no EEA history before 2020, no law versions.
_OLD_ROWS = [
    ("lower_limit", 100000, "2017-01-01", None, "active"),
    ("lower_limit_prop147", 300000, None, None, "pending"),
    ("national", 1100000, "2017-01-01", "2018-04-05", "active"),
    ("national", 1300000, "2018-04-06", None, "active"),
    ("eea_goods_services_central", 1300000, "2020-02-13", "2022-03-22", "active"),
    ("eea_goods_services_central", 1400000, "2022-03-23", "2024-03-13", "active"),
    ("eea_goods_services_central", 1490000, "2024-03-14", None, "active"),
    ("eea_goods_services_other", 2050000, "2020-02-13", "2022-03-22", "active"),
    ("eea_goods_services_other", 2200000, "2022-03-23", "2024-03-13", "active"),
    ("eea_goods_services_other", 2300000, "2024-03-14", None, "active"),
    ("eea_works", 51500000, "2020-02-13", "2022-03-22", "active"),
    ("eea_works", 56000000, "2022-03-23", "2024-03-13", "active"),
    ("eea_works", 57800000, "2024-03-14", None, "active"),
    ("eea_special_health_social", 7200000, "2020-02-13", "2022-03-22", "active"),
    ("eea_special_health_social", 7800000, "2022-03-23", None, "active"),
    ("small_lot", 750000, "2020-02-13", None, "active"),
    ("protocol_trigger", 100000, "2017-01-01", None, "active"),
]


def test_the_2026_amendment_is_applied_to_an_existing_database_as_a_legal_reviewer_would(empty_database):
    """Close the open periods, add the new ones, remove the proposal that never became law, add history and the
    pending 2026–2027 rows; every change audited as the system with the migration's name; the change recorded for
    the impact report. The result is the shipped table (the same id), so a fresh and an upgraded database agree."""
    from contracts_app.rules import ThresholdTable

    migrate.upgrade(empty_database, "0009_assessment_lz4")
    engine = make_engine(empty_database)
    try:
        with engine.begin() as conn:
            for key, value, start, end, status in _OLD_ROWS:
                conn.execute(text(
                    "INSERT INTO threshold_period (key, value_nok, effective_from, effective_to, source, status, note, created_at) "
                    "VALUES (:k, :v, :f, :t, 'old', :s, '', CURRENT_TIMESTAMP)"), dict(k=key, v=value, f=start, t=end, s=status))
        engine.dispose()
        migrate.upgrade(empty_database)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT key, value_nok, effective_from, effective_to, status, rule_id FROM threshold_period")).all()
            laws = conn.execute(text("SELECT name, effective_from, effective_to FROM law_version ORDER BY effective_from")).all()
            audit = conn.execute(text("SELECT action, after FROM audit_event ORDER BY id")).all()
            change = conn.execute(text("SELECT cause, status, table_before_id, table_after_id FROM law_change")).one()
    finally:
        engine.dispose()
    table = ThresholdTable.from_rows(
        [dict(key=k, value_nok=v, effective_from=f, effective_to=t, status=s, rule_id=r, source="") for k, v, f, t, s, r in rows],
        [dict(id=n, effective_from=f, effective_to=t, title=n) for n, f, t in laws],
    )
    assert table.id == ThresholdTable.shipped().id
    assert not any(r[0] == "lower_limit_prop147" for r in rows)
    assert [str(r[2])[:10] for r in rows if r[0] == "lower_limit" and str(r[3] or "")[:10] == "2026-06-30"] == ["2017-01-01"]
    actions = [a for a, _ in audit]
    assert actions.count("threshold.period_closed") == 2 and "threshold.period_removed" in actions
    assert actions.count("threshold.period_added") == 2 + 6 + 4 and actions.count("law_version.added") == 2
    assert all("0010_law_2026_07" in str(after) for _, after in audit)
    assert change[0] == "migration 0010_law_2026_07" and change[1] == "pending" and change[3] == table.id


def test_the_2026_amendment_leaves_a_fresh_database_to_load_thresholds(empty_database):
    migrate.upgrade(empty_database)
    engine = make_engine(empty_database)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM threshold_period")).scalar_one() == 0
            assert conn.execute(text("SELECT count(*) FROM law_change")).scalar_one() == 0
    finally:
        engine.dispose()


def test_setup_brings_an_empty_database_to_a_working_demo_in_one_command(tmp_path):
    """`make run`'s one step (`flask setup --demo`): migrations to head, the shipped threshold table and the demo
    data; run again it adds nothing."""
    from sqlalchemy import func, select

    from contracts_app import create_app
    from contracts_app.auth.models import User
    from contracts_app.rulecheck.models import ThresholdPeriod

    app = create_app({"ENV": "testing", "DATABASE_URL": f"sqlite:///{tmp_path}/setup.sqlite3"})
    runner = app.test_cli_runner()
    first = runner.invoke(args=["setup", "--demo"])
    assert first.exit_code == 0, first.output
    assert "Threshold periods:" in first.output and "admin@demo.no" in first.output
    engine = make_engine(app.config["DATABASE_URL"])
    try:
        with engine.connect() as conn:
            counts = conn.execute(select(select(func.count()).select_from(User).scalar_subquery(),
                                         select(func.count()).select_from(ThresholdPeriod).scalar_subquery())).one()
        assert counts[0] > 5 and counts[1] > 0
        again = runner.invoke(args=["setup", "--demo"])
        assert again.exit_code == 0 and "Threshold periods: 0 added." in again.output
        with engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(User)) == counts[0]
    finally:
        engine.dispose()


def test_the_months_the_migration_fills_are_the_ones_the_write_path_books(empty_database):
    """0019 fills ``budget_month`` from the purchases and costs there are; on the demo data, with a purchase
    cancelled and actual costs registered through the services, it gives exactly the rows the services booked."""
    from sqlalchemy import select

    from contracts_app import clock, create_app
    from contracts_app.audit import Actor
    from contracts_app.auth.models import User
    from contracts_app.budget.models import Budget
    from contracts_app.db import get_session
    from contracts_app.purchases import services as purchases
    from contracts_app.purchases.models import PurchaseStatus, SeatPurchase

    from .factories import buy

    app = create_app({"ENV": "testing", "DATABASE_URL": empty_database})
    assert app.test_cli_runner().invoke(args=["setup", "--demo"]).exit_code == 0
    with app.app_context():
        session = get_session()
        demo = session.scalars(select(SeatPurchase).where(SeatPurchase.status == PurchaseStatus.confirmed)).first()
        bought = [demo] + [buy(session, demo.course, session.get(Budget, demo.budget_id), session.get(User, demo.created_by_id), start=demo.start_date + dt.timedelta(days=30 * i + 20))
                           for i in range(3)]
        session.commit()
        actor = Actor(bought[0].created_by_id, bought[0].buyer_unit_id)
        purchases.cancel(session, bought[0].id, reason="Fikk jobb", actor=actor, now=clock.now())
        purchases.register_actual_cost(session, bought[1].id, amount=str(bought[1].amount - 1), actor=actor, now=clock.now())
        purchases.register_actual_cost(session, bought[2].id, amount="0", actor=actor, now=clock.now())
        session.commit()
    app.extensions["contracts_db"].engine.dispose()
    # a month whose commitments were all released keeps its row at zero; the migration writes no such row
    rows = ("SELECT budget_id, month, committed_ore, spent_ore FROM budget_month WHERE committed_ore <> 0 OR spent_ore <> 0 "
            "ORDER BY budget_id, month")
    engine = make_engine(empty_database)
    try:
        with engine.connect() as conn:
            booked = conn.execute(text(rows)).all()
        migrate.downgrade(empty_database, "0018_job_runs_idle")
        migrate.upgrade(empty_database)
        with engine.connect() as conn:
            filled = conn.execute(text(rows)).all()
    finally:
        engine.dispose()
    assert any(spent for *_k, spent in booked) and sum(committed for _b, _m, committed, _s in booked) > 0
    assert filled == booked
