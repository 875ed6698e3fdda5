"""Upgrading a SQLite database that holds data keeps every row.

Alembic's batch mode rebuilds a SQLite table to alter it (create ``_alembic_tmp_x``, copy, ``DROP TABLE x``,
rename). With ``PRAGMA foreign_keys=ON`` that ``DROP TABLE`` first deletes every row of ``x`` and so fires
``ON DELETE CASCADE`` in the tables that reference it (e.g. ``participant`` → ``seat_purchase``). These tests
fill a database at an older revision with one consistent set of rows, upgrade it and count the rows again.
"""
from __future__ import annotations

import sqlite3

import pytest
from alembic.script import ScriptDirectory

from contracts_app import migrate
from contracts_app.db import make_engine

T = "2026-01-05 09:00:00.000000"  # how SQLAlchemy stores our UTC timestamps on SQLite
D = "2026-01-05"
D_END = "2026-06-30"

# One row per table in foreign-key order, with the columns of head. At an older revision only the tables and
# columns that exist there are inserted; a NOT NULL column added later needs a default or a backfill in its migration.
SEED: list[tuple[str, dict]] = [
    ("legal_entity", dict(id=1, name="Oslo kommune", org_number="958935420", legal_type="municipality",
                          is_contracting_authority=1, is_central_government=0, municipality_number="0301", is_demo=0)),
    ("legal_entity", dict(id=2, name="Arbeids- og velferdsetaten", org_number="889640782", legal_type="state_agency",
                          is_contracting_authority=1, is_central_government=1, municipality_number=None, is_demo=0)),
    ("unit", dict(id=1, name="NAV Grünerløkka", kind="nav_office", legal_entity_id=2, municipal_entity_id=1,
                  municipality_number="0301", email="nav@example.test", is_active=1)),
    ("unit", dict(id=2, name="Oslo VO", kind="provider", legal_entity_id=1, municipal_entity_id=None,
                  municipality_number="0301", email="vo@example.test", is_active=1)),
    ("user_account", dict(id=1, email="a@example.test", name="Ada", password_hash="x", locale="nb", is_active=1,
                          created_at=T, last_login_at=None)),
    ("membership", dict(id=1, user_id=1, unit_id=1, role="buyer")),
    ("audit_event", dict(id=1, at=T, actor_id=1, unit_id=1, action="test", object_type="unit", object_id="1",
                         before=None, after="{}")),
    ("login_throttle", dict(id=1, login="a@example.test", failures=1, last_failure_at=T, locked_until=None)),
    ("form_token", dict(id=1, user_id=1, token="t" * 43, purpose="purchase.confirm", object_id=1, used_at=T)),
    ("oidc_login", dict(id=1, user_id=1, provider="entra", sealed_id_token="sealed", created_at=T)),
    ("api_token", dict(id=1, name="k", unit_id=1, scopes="read", prefix="ctk_abcd", secret_hash="h" * 64, expires_at=T,
                       created_by_id=1, created_at=T, revoked_at=None, revoked_by_id=None, last_used_at=None,
                       rate_window_started_at=None, rate_count=0)),
    ("api_idempotent_answer", dict(id=1, owner="token:1", key="k", request_hash="h" * 64, status=201, body="{}",
                                   location=None, created_at=T)),
    ("threshold_period", dict(id=1, key="national", value_nok=1300000, effective_from="2024-01-01", effective_to=None,
                              source="FOA", last_verified=D, status="active", note="", created_at=T, created_by_id=1)),
    ("rule_scenario", dict(id=1, name="s", facts="{}", created_by_id=1, unit_id=1, created_at=T, updated_at=T)),
    ("budget", dict(id=1, unit_id=1, year=2026, line="Kurs", side="state", amount=100000, committed=0, spent=20000,
                    warning_pct=80, stop_mode="warn", created_at=T)),
    ("budget_stop", dict(id=1, budget_id=1, reason="r", starts_on=D, ends_on=None, declared_by_id=1, declared_at=T,
                         lifted_by_id=None, lifted_at=None, lift_reason=None)),
    ("course", dict(id=1, provider_unit_id=2, title="Norsk A2", kind="norwegian_training", cefr_min="A1", cefr_max="A2",
                    format="in_person", municipality_number="0301", location="Oslo", start_date=D, end_date=D_END,
                    rolling_start=0, hours_per_week=15, total_hours=None, teaching_weekdays="12345", part_time=0,
                    total_seats=10, seats_held=0, seats_confirmed=2, price_unit="per_seat", target_groups=None,
                    language_support=None, description="d", is_active=1, created_at=T, updated_at=T)),
    ("course_rate", dict(id=1, course_id=1, valid_from=D, amount=10000)),
    ("seat_purchase", dict(id=1, course_id=1, buyer_unit_id=1, side="state", budget_id=1, seats=2, start_date=D,
                           end_date=D_END, amount=20000, breakdown="{}", actual_amount=None, status="confirmed",
                           assessment=None, override_reason=None, override_decided_by_id=None,
                           override_decided_at=None, override_decision_note=None, cancel_reason=None,
                           created_by_id=1, created_at=T, updated_at=T, agreement_id=None, supplier_entity_id=1,
                           course_kind="norwegian_training")),
    ("participant", dict(id=1, purchase_id=1, reference="P1", cefr_level="A1", consent=1, consent_date=D,
                         anonymised_at=None)),
    ("participant", dict(id=2, purchase_id=1, reference="P2", cefr_level=None, consent=0, consent_date=None,
                         anonymised_at=None)),
    ("budget_entry", dict(id=1, budget_id=1, purchase_id=1, kind="spend", amount=20000, at=T)),
    ("notification", dict(id=1, user_id=1, kind="purchase_confirmed", params="{}", link=None, created_at=T,
                          read_at=None, dedupe_key=None, email_status="skipped")),
    ("capacity_offer", dict(id=1, course_id=1, provider_unit_id=2, seats_offered=3, seats_held=1, seats_taken=0,
                            period_start=D, period_end=D_END, request_deadline=D, unit_price=None, seat_price=10000,
                            visibility="all", contact_name="C", contact_email="c@example.test", contact_phone=None,
                            notes=None, status="open", created_by_id=1, created_at=T, updated_at=T,
                            course_kind="norwegian_training", course_format="in_person", course_cefr_min="A1",
                            course_cefr_max="A2", course_municipality="0301", course_part_time=0, course_active=1,
                            course_seats_free=8)),
    ("capacity_offer_entity", dict(offer_id=1, legal_entity_id=2)),
    ("capacity_request", dict(id=1, offer_id=1, requester_unit_id=1, budget_id=1, side="state", seats=1,
                              start_date=D, end_date=D_END, unit_price=None, quoted_amount=10000, message=None,
                              status="held", position=None, hold_expires_at=T, answer_reason=None, purchase_id=1,
                              created_by_id=1, created_at=T, updated_at=T, answered_by_id=None, answered_at=None)),
    ("capacity_request_participant", dict(id=1, request_id=1, reference="R1", cefr_level=None, consent=1,
                                          consent_date=D, anonymised_at=None)),
    ("agreement", dict(id=1, kind="cooperation", status="draft", title="Samarbeid", version=1, subject=None,
                       cpv_codes="[]", option_plan="[]", option_scheme="none", parent_id=None, start_date=D,
                       end_date=D_END, created_by_id=1, created_at=T, updated_at=T)),
    ("agreement_party", dict(id=1, agreement_id=1, position=1, role="party", legal_entity_id=1, unit_id=None,
                             name="Oslo kommune", org_number="958935420")),
    ("agreement_version", dict(id=1, agreement_id=1, number=1, snapshot="{}", created_by_id=1, created_at=T)),
    ("agreement_review", dict(id=1, agreement_id=1, version_number=1, decision="approved", reviewer_id=1,
                              created_at=T)),
    ("agreement_comment", dict(id=1, agreement_id=1, section="general", parent_id=None, version_number=1,
                               author_id=1, body="b", created_at=T)),
    ("agreement_option", dict(id=1, agreement_id=1, sequence=1, months=6, previous_end=D, new_end=D_END,
                              exercised_by_id=1, exercised_at=T)),
    ("agreement_signature", dict(id=1, agreement_id=1, party_id=1, signer_name="S", signer_role="R", signed_on=D,
                                 recorded_by_id=1, recorded_at=T, method="own_side")),
    ("agreement_covered_unit", dict(agreement_id=1, unit_id=1)),
    ("agreement_document", dict(id=1, agreement_id=1, purchase_id=1, kind="agreement", version_number=1,
                                template_name="t", template_version="1", sha256="0" * 64, filename="a.pdf",
                                content=b"%PDF", at_approval=0, created_by_id=1, created_at=T)),
    ("job_runs", dict(id=1, job="digest", window_key="2026-01-05", status="done", trigger="schedule", attempts=1,
                      started_at=T, finished_at=T, result="{}", error=None, claimed_by=None)),
    ("job_watch_state", dict(key="k", state="{}", updated_at=T)),
    ("email_outbox", dict(id=1, user_id=1, to_address="a@example.test", subject="s", body="b", locale="nb",
                          dedupe_key="d1", status="sent", attempts=1, next_attempt_at=T, last_error=None,
                          created_at=T, sent_at=T)),
    ("notification_preference", dict(id=1, user_id=1, kind="purchase_confirmed", mode="email", updated_at=T)),
    ("law_version", dict(id=1, name="anskaffelsesloven-2016", effective_from="2017-01-01", effective_to=None,
                         title="Lov om offentlige anskaffelser", title_en="Public Procurement Act", source="LOV-2016-06-17-73",
                         last_verified=None, verified_by_id=None, verification_note=None, status="active", created_at=T)),
    ("law_change", dict(id=1, created_at=T, cause="test", actor_id=1, table_before="{}", table_after="{}",
                        table_before_id="a", table_after_id="b", status="done", reassessed_at=T, items_checked=1,
                        items_moved=1)),
    ("law_change_item", dict(id=1, law_change_id=1, object_type="seat_purchase", object_id=1, unit_id=1, label="Kjøp 1",
                             reference_date=D, value_nok=20000, verdict_before="below_scope", regime_before=None,
                             verdict_after="below_scope", regime_after=None, rules_before="[]", rules_after="[]",
                             handled_at=None, handled_by_id=None, handled_note=None)),
]


def _revisions_before_head() -> list[str]:
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    return [rev.revision for rev in reversed(list(script.walk_revisions())) if rev.nextrev]


def _tables(conn: sqlite3.Connection) -> list[str]:
    """Our tables: not Alembic's bookkeeping, not SQLite's, not the full-text index's shadow tables."""
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    return [n for n in names if n != "alembic_version" and not n.startswith("sqlite_")
            and not (n.startswith("course_fts_") and n != "course_fts")]


def _counts(path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in _tables(conn)}
    finally:
        conn.close()


def _seed(path, leave_out=()) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys=ON")  # as the application has it: the seed must be consistent
    try:
        tables = set(_tables(conn))
        conn.execute("BEGIN")
        for table, row in SEED:
            if table not in tables or table in leave_out:
                continue
            present = {r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')}
            cols = [c for c in row if c in present]
            conn.execute(f'INSERT INTO "{table}" ({", ".join(chr(34) + c + chr(34) for c in cols)}) '
                         f'VALUES ({", ".join("?" for _ in cols)})', [row[c] for c in cols])
        conn.execute("COMMIT")
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()


def _foreign_key_violations(path) -> list:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA foreign_key_check").fetchall()
    finally:
        conn.close()


@pytest.mark.parametrize("start", _revisions_before_head())
def test_upgrade_to_head_keeps_every_row(tmp_path, start):
    path = tmp_path / "data.sqlite3"
    url = "sqlite:///" + str(path)
    migrate.upgrade(url, start)
    _seed(path)
    before = _counts(path)
    empty = sorted(t for t, n in before.items() if n == 0)
    assert not empty, f"add rows for {empty} to SEED so that the test covers them"

    migrate.upgrade(url, "head")

    after = _counts(path)
    assert _kept(before, after)
    assert _foreign_key_violations(path) == []


# 0010_law_2026_07 applies the amendment of 2026-07-01 to a database that has threshold periods: it adds periods
# and law versions, with an audit event for each; no table loses a row, and no other table changes.
GROWN_BY_DATA_MIGRATIONS = {"threshold_period", "audit_event", "law_version", "law_change"}


def _kept(before: dict, after: dict) -> bool:
    return all(after.get(t) == n if t not in GROWN_BY_DATA_MIGRATIONS else after.get(t, 0) >= n for t, n in before.items())


def test_rebuilding_seat_purchase_keeps_its_participants(tmp_path):
    """Without rows that merely reference a purchase (which make the ``DROP TABLE`` fail), the cascade is silent:
    0005 rebuilds ``seat_purchase`` and, with foreign keys on, every ``participant`` row went with it."""
    path = tmp_path / "data.sqlite3"
    url = "sqlite:///" + str(path)
    migrate.upgrade(url, "0004_marketplace")
    _seed(path, leave_out={"budget_entry", "capacity_request", "capacity_request_participant"})
    assert _counts(path)["participant"] == 2
    migrate.upgrade(url, "0005_agreements")
    assert _counts(path)["participant"] == 2


def test_downgrade_keeps_the_rows_of_the_tables_that_remain(tmp_path):
    """Rebuilding a table on the way down (0005 drops ``seat_purchase.agreement_id``) must not cascade either."""
    path = tmp_path / "data.sqlite3"
    url = "sqlite:///" + str(path)
    start = "0004_marketplace"
    migrate.upgrade(url, start)
    _seed(path)
    before = _counts(path)
    migrate.upgrade(url, "head")
    migrate.downgrade(url, start)
    assert _kept(before, _counts(path))
    assert _foreign_key_violations(path) == []


def _version(path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    finally:
        conn.close()


def test_a_broken_foreign_key_fails_the_upgrade_and_undoes_it(tmp_path):
    path = tmp_path / "data.sqlite3"
    url = "sqlite:///" + str(path)
    migrate.upgrade(url, "0004_marketplace")
    _seed(path)
    conn = sqlite3.connect(path)  # foreign keys off: nothing stops the dangling row
    conn.execute("UPDATE participant SET purchase_id = 99 WHERE id = 2")
    conn.commit()
    conn.close()

    with pytest.raises(RuntimeError, match="foreign key points to no row.*participant"):
        migrate.upgrade(url, "head")

    assert _version(path) == "0004_marketplace"
    assert "agreement" not in _counts(path)


def test_a_connection_handed_in_gets_its_foreign_keys_back(tmp_path):
    url = "sqlite:///" + str(tmp_path / "data.sqlite3")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            migrate.upgrade(url, "head", connection=conn)
            assert not conn.in_transaction()
            assert conn.connection.driver_connection.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    finally:
        engine.dispose()
