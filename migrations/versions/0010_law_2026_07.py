"""The law in force today: the amended Procurement Act (2026-07-01), dated law versions, law-change records

Schema: threshold periods get ``rule_id`` (THR-02 for the amended lower limit), a nullable figure for pending
rows whose NOK value is unknown, and who verified a figure with what note; ``law_version`` dates the versions of
the Act and the regulation; ``law_change`` / ``law_change_item`` record each change of the law data and the open
items whose verdict it moved (the impact report).

Data, applied to an existing database the way a legal reviewer would (catalog § 14): the open 100 000 lower
limit and protocol trigger are closed on 2026-06-30 and 500 000 periods added from 2026-07-01 (unverified); the
pending 300 000 row, which never became law, is removed; the pre-2020 EEA history rows and the 2026–2027 EEA rows
(pending, figure unknown) are added; the two law versions are added. No past period's figure or start is
rewritten. Every change is an audit event by the system naming this migration, and the change is recorded in
``law_change`` so the re-assessment job lists the open items whose verdict moved. A fresh database (no periods
yet) is left empty here: ``flask rules load-thresholds`` loads the shipped table, which already holds all this.

Revision ID: 0010_law_2026_07
Revises: 0009_assessment_lz4
Create Date: 2026-12-07
"""
import datetime as dt
import json
from decimal import Decimal

from alembic import op
import sqlalchemy as sa


revision = '0010_law_2026_07'
down_revision = '0009_assessment_lz4'
branch_labels = None
depends_on = None

MIGRATION = "migration 0010_law_2026_07"
AMENDED = dt.date(2026, 7, 1)
CLOSE = dt.date(2026, 6, 30)
THR02_SOURCE = (
    "anskaffelsesloven § 2 as amended, in force 2026-07-01 (Prop. 147 L (2024–2025); Innst. 38 L (2025–2026), adopted "
    "5 February 2026); DFØ anskaffelser.no («innslagspunktet økes fra 100 000 kroner ekskl. mva. til 500 000 kroner ekskl. "
    "mva.»); Chambers Public Procurement 2026 – Norway (Wikborg Rein); cobrief.com «New Norwegian procurement rules from July 1, 2026»"
)
HISTORY_SOURCE = "FOR-2018-04-04-533 (amendment of anskaffelsesforskriften § 5-3, in force 2018-04-06)"
PENDING_SOURCE = (
    "EU values from 2026-01-01: Commission Delegated Regulations (EU) 2025/2150, 2025/2151, 2025/2152; EFTA NOK equivalents "
    "published in OJ C/2026/1934 (26 March 2026); the Norwegian amendment of FOA § 5-3 was not found"
)
# (key, value, from, to, rule_id, source, note) added as active periods.
ADDED = [
    ("lower_limit", "500000", AMENDED, None, "THR-02", THR02_SOURCE,
     "THR-02. MIDDELS SIKKERHET: tre samstemte sekundærkilder; lovteksten på Lovdata er ikke lest (katalog § 14 punkt 1). "
     "En jurist markerer den som kontrollert på siden for terskelverdier, eller retter den der."),
    ("protocol_trigger", "500000", AMENDED, None, None,
     "anskaffelsesforskriften § 7-1; the protocol duty cannot start below the Act's lower limit (catalog THR-02, § 13 item 3)",
     "OBL-03. IKKE KONTROLLERT: minst lovens nedre grense fra 01.07.2026; om forskriften § 7-1 ble endret med Prop. 147 L, er ikke bekreftet."),
    ("eea_goods_services_central", "1100000", dt.date(2017, 1, 1), dt.date(2018, 4, 5), None, HISTORY_SOURCE, "THR-04. Før FOR-2018-04-04-533."),
    ("eea_goods_services_central", "1300000", dt.date(2018, 4, 6), dt.date(2020, 2, 12), None, HISTORY_SOURCE, "THR-04."),
    ("eea_goods_services_other", "1750000", dt.date(2017, 1, 1), dt.date(2018, 4, 5), None, HISTORY_SOURCE, "THR-05. Før FOR-2018-04-04-533."),
    ("eea_goods_services_other", "2000000", dt.date(2018, 4, 6), dt.date(2020, 2, 12), None, HISTORY_SOURCE, "THR-05."),
    ("eea_works", "44000000", dt.date(2017, 1, 1), dt.date(2018, 4, 5), None, HISTORY_SOURCE, "THR-06. Før FOR-2018-04-04-533."),
    ("eea_works", "51000000", dt.date(2018, 4, 6), dt.date(2020, 2, 12), None, HISTORY_SOURCE, "THR-06."),
]
PENDING = [
    ("eea_goods_services_central", "140 000 euro (statlige myndigheter, varer og tjenester)"),
    ("eea_goods_services_other", "216 000 euro (andre oppdragsgivere, varer og tjenester)"),
    ("eea_works", "5 404 000 euro (bygge- og anleggskontrakter)"),
    ("eea_special_health_social", "750 000 euro (sosiale og andre særlige tjenester, uendret)"),
]
LAW_VERSIONS = [
    ("anskaffelsesloven-2017", dt.date(2017, 1, 1), CLOSE,
     "anskaffelsesloven (LOV-2016-06-17-73) og anskaffelsesforskriften (FOR-2016-08-12-974) slik de lød før endringen 01.07.2026",
     "the Procurement Act (LOV-2016-06-17-73) and Regulation (FOR-2016-08-12-974) as they stood before the amendment of 1 July 2026",
     "LOV-2016-06-17-73; FOR-2016-08-12-974 (in force 2017-01-01)"),
    ("anskaffelsesloven-2026-07-01", AMENDED, None,
     "anskaffelsesloven og anskaffelsesforskriften som endret med virkning fra 01.07.2026 (Prop. 147 L (2024–2025))",
     "the Procurement Act and Regulation as amended with effect from 1 July 2026 (Prop. 147 L (2024–2025))",
     THR02_SOURCE),
]

periods = sa.table(
    "threshold_period", sa.column("id", sa.Integer), sa.column("key", sa.String), sa.column("rule_id", sa.String),
    sa.column("value_nok", sa.Numeric(14, 2)), sa.column("effective_from", sa.Date), sa.column("effective_to", sa.Date),
    sa.column("source", sa.Text), sa.column("last_verified", sa.Date), sa.column("status", sa.String),
    sa.column("note", sa.Text), sa.column("created_at", sa.DateTime(timezone=True)),
)
laws = sa.table(
    "law_version", sa.column("id", sa.Integer), sa.column("name", sa.String), sa.column("effective_from", sa.Date),
    sa.column("effective_to", sa.Date), sa.column("title", sa.Text), sa.column("title_en", sa.Text),
    sa.column("source", sa.Text), sa.column("last_verified", sa.Date), sa.column("status", sa.String),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
audit = sa.table(
    "audit_event", sa.column("at", sa.DateTime(timezone=True)), sa.column("actor_id", sa.Integer),
    sa.column("unit_id", sa.Integer), sa.column("action", sa.String), sa.column("object_type", sa.String),
    sa.column("object_id", sa.String), sa.column("before", sa.JSON), sa.column("after", sa.JSON),
)
changes = sa.table(
    "law_change", sa.column("id", sa.Integer), sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("cause", sa.String), sa.column("actor_id", sa.Integer), sa.column("table_before", sa.JSON),
    sa.column("table_after", sa.JSON), sa.column("table_before_id", sa.String), sa.column("table_after_id", sa.String),
    sa.column("status", sa.String),
)
PERIOD_COLUMNS = ("key", "rule_id", "value_nok", "effective_from", "effective_to", "source", "last_verified", "status", "note")


def _json(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _as_date(value):
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _period_rows(conn):
    rows = conn.execute(sa.select(periods).order_by(periods.c.id)).mappings().all()
    return [{**r, "effective_from": _as_date(r["effective_from"]), "effective_to": _as_date(r["effective_to"]),
             "last_verified": _as_date(r["last_verified"])} for r in rows]


def _table(conn):
    """The law data as the rules engine reads it (pure module, no app): for the law-change record."""
    from contracts_app.rules.thresholds import ThresholdTable

    rows = [{k: r[k] for k in PERIOD_COLUMNS} for r in _period_rows(conn)]
    versions = [
        {"id": v["name"], "effective_from": _as_date(v["effective_from"]), "effective_to": _as_date(v["effective_to"]),
         "title": v["title"], "title_en": v["title_en"], "source": v["source"],
         "last_verified": _as_date(v["last_verified"]), "status": v["status"]}
        for v in conn.execute(sa.select(laws)).mappings()
    ]
    return ThresholdTable.from_rows(rows, versions)


def _audit(conn, now, action, object_type, object_id, before=None, after=None):
    conn.execute(audit.insert().values(
        at=now, actor_id=None, unit_id=None, action=action, object_type=object_type, object_id=str(object_id),
        before=None if before is None else {k: _json(v) for k, v in before.items()},
        after={**({} if after is None else {k: _json(v) for k, v in after.items()}), "by": MIGRATION},
    ))


def _snapshot(row):
    return {k: row.get(k) for k in PERIOD_COLUMNS}


def _insert_period(conn, now, **values):
    values = {"rule_id": None, "last_verified": None, **values, "created_at": now}
    new_id = conn.execute(periods.insert().values(**values).returning(periods.c.id)).scalar_one()
    _audit(conn, now, "threshold.period_added", "threshold_period", new_id, after=_snapshot(values))


def _close(conn, now, row, last_day):
    conn.execute(periods.update().where(periods.c.id == row["id"]).values(effective_to=last_day))
    _audit(conn, now, "threshold.period_closed", "threshold_period", row["id"], before=_snapshot(row),
           after={**_snapshot(row), "effective_to": last_day})


def _apply_amendment(conn) -> None:
    rows = _period_rows(conn)
    if not rows:
        return  # a fresh database: `flask rules load-thresholds` loads the shipped table, amendment included
    now = dt.datetime.now(dt.timezone.utc)
    before = _table(conn)
    have = {(r["key"], r["effective_from"], r["status"]) for r in rows}
    # 1. The proposal of 300 000 never became law: a pending row is removed (it was never used).
    for row in rows:
        if row["key"] == "lower_limit_prop147" and row["status"] == "pending":
            conn.execute(periods.delete().where(periods.c.id == row["id"]))
            _audit(conn, now, "threshold.period_removed", "threshold_period", row["id"], before=_snapshot(row),
                   after={"reason": "Prop. 147 L set 500 000, not the proposed 300 000 (catalog § 14 item 1)"})
    # 2. Close the periods open past 2026-06-30 of the two figures the amendment changed, then add the new ones.
    for key in ("lower_limit", "protocol_trigger"):
        if (key, AMENDED, "active") in have:
            continue
        for row in rows:
            if row["key"] == key and row["status"] == "active" and row["effective_from"] < AMENDED and (
                    row["effective_to"] is None or row["effective_to"] > CLOSE):
                _close(conn, now, row, CLOSE)
    for key, value, start, end, rule_id, source, note in ADDED:
        if (key, start, "active") in have:
            continue
        starts_inside = [r for r in rows if r["key"] == key and r["status"] == "active" and r["effective_from"] is not None
                         and r["effective_from"] <= (end or dt.date.max) and (r["effective_to"] or dt.date.max) >= start]
        if starts_inside and key not in ("lower_limit", "protocol_trigger"):
            continue  # the database already covers this history period in its own way: leave it to legal staff
        _insert_period(conn, now, key=key, rule_id=rule_id, value_nok=Decimal(value), effective_from=start,
                       effective_to=end, source=source, status="active", note=note)
    # 3. The 2026–2027 EEA rows, pending with no figure until Norway amends FOA § 5-3.
    for key, eur in PENDING:
        if any(r["key"] == key and r["status"] == "pending" for r in rows):
            continue
        _insert_period(conn, now, key=key, value_nok=None, effective_from=None, effective_to=None, source=PENDING_SOURCE,
                       status="pending", note=f"THR-10. EØS-terskelverdi 2026–2027: {eur}. Beløpet i kroner og datoen er ikke "
                                              "kjent: en jurist aktiverer raden med begge når forskriften § 5-3 endres. "
                                              "Brukes ikke før da.")
    # 4. The law versions.
    names = set(conn.execute(sa.select(laws.c.name)).scalars())
    for name, start, end, title, title_en, source in LAW_VERSIONS:
        if name in names:
            continue
        values = dict(name=name, effective_from=start, effective_to=end, title=title, title_en=title_en, source=source,
                      last_verified=None, status="active", created_at=now)
        conn.execute(laws.insert().values(**values))
        _audit(conn, now, "law_version.added", "law_version", name, after={k: v for k, v in values.items() if k != "created_at"})
    # 5. The change, for the impact report (the re-assessment job picks it up).
    after = _table(conn)
    if after.id != before.id:
        conn.execute(changes.insert().values(
            created_at=now, cause=MIGRATION, actor_id=None, table_before=json.loads(json.dumps(before.as_document())),
            table_after=json.loads(json.dumps(after.as_document())), table_before_id=before.id, table_after_id=after.id,
            status="pending",
        ))
        _audit(conn, now, "law.changed", "law_change", None, after={"cause": MIGRATION, "table_before": before.id, "table_after": after.id})


def upgrade() -> None:
    op.create_table('law_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('effective_to', sa.Date(), nullable=True),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('title_en', sa.Text(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('last_verified', sa.Date(), nullable=True),
    sa.Column('verified_by_id', sa.Integer(), nullable=True),
    sa.Column('verification_note', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('active', 'pending')", name=op.f('ck_law_version_status_known')),
    sa.ForeignKeyConstraint(['verified_by_id'], ['user_account.id'], name=op.f('fk_law_version_verified_by_id_user_account')),
    sa.CheckConstraint('effective_to IS NULL OR effective_to >= effective_from', name=op.f('ck_law_version_period_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_law_version')),
    sa.UniqueConstraint('name', name=op.f('uq_law_version_name'))
    )
    op.create_table('law_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cause', sa.String(length=200), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('table_before', sa.JSON(), nullable=False),
    sa.Column('table_after', sa.JSON(), nullable=False),
    sa.Column('table_before_id', sa.String(length=20), nullable=False),
    sa.Column('table_after_id', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('reassessed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('items_checked', sa.Integer(), nullable=True),
    sa.Column('items_moved', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('pending', 'done')", name=op.f('ck_law_change_status_known')),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_law_change_actor_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_law_change'))
    )
    with op.batch_alter_table('law_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_law_change_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_law_change_status'), ['status'], unique=False)

    op.create_table('law_change_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('law_change_id', sa.Integer(), nullable=False),
    sa.Column('object_type', sa.String(length=40), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('label', sa.String(length=300), nullable=False),
    sa.Column('reference_date', sa.Date(), nullable=True),
    sa.Column('value_nok', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('verdict_before', sa.String(length=40), nullable=True),
    sa.Column('regime_before', sa.String(length=40), nullable=True),
    sa.Column('verdict_after', sa.String(length=40), nullable=True),
    sa.Column('regime_after', sa.String(length=40), nullable=True),
    sa.Column('rules_before', sa.JSON(), nullable=False),
    sa.Column('rules_after', sa.JSON(), nullable=False),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.Column('handled_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['handled_by_id'], ['user_account.id'], name=op.f('fk_law_change_item_handled_by_id_user_account')),
    sa.ForeignKeyConstraint(['law_change_id'], ['law_change.id'], name=op.f('fk_law_change_item_law_change_id_law_change')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_law_change_item_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_law_change_item')),
    sa.UniqueConstraint('law_change_id', 'object_type', 'object_id', name='one_per_object')
    )
    with op.batch_alter_table('law_change_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_law_change_item_law_change_id'), ['law_change_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_law_change_item_unit_id'), ['unit_id'], unique=False)

    with op.batch_alter_table('agreement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('projection_reason', sa.String(length=40), nullable=True))

    with op.batch_alter_table('threshold_period', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rule_id', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('verified_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('verification_note', sa.Text(), nullable=True))
        batch_op.alter_column('value_nok',
               existing_type=sa.NUMERIC(precision=14, scale=2),
               nullable=True)
        batch_op.create_foreign_key(batch_op.f('fk_threshold_period_verified_by_id_user_account'), 'user_account', ['verified_by_id'], ['id'])
        batch_op.create_check_constraint(op.f('ck_threshold_period_active_has_value'), "status = 'pending' OR value_nok IS NOT NULL")

    _apply_amendment(op.get_bind())


def downgrade() -> None:
    # The data stays as the law is (a downgrade does not bring back a figure that was never law); only pending
    # rows without a figure cannot live in the old schema, so they go.
    op.execute("DELETE FROM threshold_period WHERE value_nok IS NULL")
    with op.batch_alter_table('threshold_period', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_threshold_period_active_has_value'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_threshold_period_verified_by_id_user_account'), type_='foreignkey')
        batch_op.alter_column('value_nok',
               existing_type=sa.NUMERIC(precision=14, scale=2),
               nullable=False)
        batch_op.drop_column('verification_note')
        batch_op.drop_column('verified_by_id')
        batch_op.drop_column('rule_id')

    with op.batch_alter_table('law_change_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_law_change_item_unit_id'))
        batch_op.drop_index(batch_op.f('ix_law_change_item_law_change_id'))

    op.drop_table('law_change_item')
    with op.batch_alter_table('agreement', schema=None) as batch_op:
        batch_op.drop_column('projection_reason')

    with op.batch_alter_table('law_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_law_change_status'))
        batch_op.drop_index(batch_op.f('ix_law_change_created_at'))

    op.drop_table('law_change')
    op.drop_table('law_version')
