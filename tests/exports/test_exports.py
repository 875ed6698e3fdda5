"""Exports of the purchase list, a budget line's ledger and the agreement list (issue 21 item 6), as CSV and Excel:
the page's rows for the page's filters, the page's permissions, numbers and dates as numbers and dates, column
names in the user's language, an audit event per export, streamed."""
from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import func, insert, select, text

from contracts_app import clock
from contracts_app.agreements import queries as agreement_queries
from contracts_app.audit import Actor, AuditEvent
from contracts_app.auth.models import Role
from contracts_app.auth.permissions import Principal
from contracts_app.budget import queries as budget_queries
from contracts_app.exports import source, writer
from contracts_app.purchases import queries as purchase_queries
from contracts_app.purchases import services as purchase_services
from contracts_app.purchases.models import SeatPurchase

from ..agreements.helpers import make_agreement
from ..factories import buy, make_budget, make_course, make_entity, make_unit, make_user
from ..hostile import QUERY_VALUES
from ..support import login


FORMATS = ["csv", "xlsx"]
FORMULA_TITLE = "=Matte æøå"


@pytest.fixture
def data(db, world, module_world):
    """Besides the world's purchase (course 1, confirmed): one of two seats on a course whose title looks like a
    formula, one cancelled, one on another budget line of the same unit; a draft agreement; and a unit of
    another legal person with a budget owner and a line of its own."""
    return {name: db.get(*cls_and_id) for name, cls_and_id in module_world.rows("data", db, world).items()}


def _data_ids(session, world):
    return {name: (type(obj), obj.id) for name, obj in _make_data(session, world).items()}


# The world is built once per module and every test runs in a savepoint rolled back after it (tests/conftest.py,
# module_world); ``data``'s rows are shared the same way, as a layer.
pytestmark = pytest.mark.shared_world(layers={"data": _data_ids})


def _make_data(db, world):
    maths = make_course(db, world.adult_education, title=FORMULA_TITLE)
    db.commit()
    advisor = world.users["advisor"]
    second = buy(db, maths, world.budget, advisor, seats=2)
    cancelled = buy(db, world.course, world.budget, advisor)
    db.commit()
    purchase_services.cancel(db, cancelled.id, reason="Feilbestilling", actor=Actor(advisor.id, world.nav_office.id),
                             now=clock.now())
    municipal = make_budget(db, world.nav_office, line="Kommunale midler", side="municipal")
    db.commit()
    elsewhere = buy(db, world.course, municipal, advisor)
    agreement = make_agreement(db, world)
    other_entity = make_entity(db, name="Andreby kommune", municipality_number="9998")
    other_unit = make_unit(db, other_entity, name="Andreby voksenopplæring")
    other_owner = make_user(db, "budget@andreby.no", role=Role.budget_owner, unit=other_unit)
    other_advisor = make_user(db, "advisor@andreby.no", role=Role.advisor, unit=other_unit)
    other_budget = make_budget(db, other_unit, line="Andreby midler")
    db.commit()
    return {"second": second, "cancelled": cancelled, "elsewhere": elsewhere, "agreement": agreement,
            "other_owner": other_owner, "other_advisor": other_advisor, "other_budget": other_budget}


def _read(response, fmt: str) -> list[list]:
    """The file's rows (the header first): CSV through the csv module, Excel through openpyxl."""
    body = response.get_data()
    if fmt == "csv":
        assert body.startswith("\ufeff".encode()), "a byte-order mark, so that Excel reads UTF-8"
        return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=";"))
    wb = openpyxl.load_workbook(io.BytesIO(body))
    return [list(r) for r in wb.active.iter_rows(values_only=True)]


def _ids(rows: list[list]) -> list[int]:
    return [int(r[0]) for r in rows[1:]]


def _url(kind: str, fmt: str, world, filters: dict | None = None) -> str:
    from urllib.parse import urlencode

    path = {"purchases": "/purchases", "budget": f"/budgets/{world.budget.id}", "agreements": "/agreements"}[kind]
    return f"{path}/export.{fmt}" + (f"?{urlencode(filters)}" if filters else "")


def _page_ids(db, world, kind: str, role: str, filters: dict) -> list[int]:
    """The ids the page's own query lists for the same filters (every page of it)."""
    user = world.users[role]
    unit_id = user.memberships[0].unit_id
    if kind == "purchases":
        found = purchase_queries.of_unit(db, unit_id, page=1, per_page=100)
    elif kind == "budget":
        found = budget_queries.commitments(db, world.budget.id, **{"status": "", "course": "", **filters}, page=1, per_page=100)
    else:
        from contracts_app.organisations.models import Unit

        p = Principal(user.id, unit_id, frozenset(user.roles_at(unit_id)))
        full = {"q": "", "status": "", "kind": "", "verdict": "", "expiring": "", **filters}
        found, _parties = agreement_queries.search(db, p, db.get(Unit, unit_id) if unit_id else None, **full,
                                                   today=clock.today(), page=1, per_page=100)
    return [x.id for x in found.items]


CASES = [
    ("purchases", "advisor", {}),
    ("purchases", "provider_coordinator", {}),
    ("budget", "budget_owner", {}),
    ("budget", "budget_owner", {"status": "cancelled"}),
    ("budget", "budget_owner", {"course": "MATTE"}),
    ("agreements", "provider_coordinator", {}),
    ("agreements", "advisor", {"kind": "cooperation"}),
    ("agreements", "advisor", {"kind": "procurement"}),
    ("agreements", "admin", {"status": "draft", "q": "Testvik"}),
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind,role,filters", CASES, ids=[f"{k}-{r}-{'&'.join(f) or 'all'}" for k, r, f in CASES])
def test_the_export_holds_the_pages_rows_for_its_filters(client, db, world, data, kind, role, filters, fmt):
    login(client, world.users[role].email)
    response = client.get(_url(kind, fmt, world, filters))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="{_filename(kind, world)}-{clock.today().isoformat()}.{fmt}"')
    expected = _page_ids(db, world, kind, role, filters)
    assert _ids(_read(response, fmt)) == expected


def _filename(kind: str, world) -> str:
    return {"purchases": "innkjop", "budget": f"budsjettlinje-{world.budget.id}", "agreements": "avtaler"}[kind]


def test_the_cases_are_not_vacuous(db, world, data):
    """The filters above each keep some rows and leave some out (else the comparison proves little)."""
    assert len(_page_ids(db, world, "purchases", "advisor", {})) == 4
    assert _page_ids(db, world, "budget", "budget_owner", {}) == [data["second"].id, world.purchase.id]
    assert _page_ids(db, world, "budget", "budget_owner", {"status": "cancelled"}) == [data["cancelled"].id]
    assert _page_ids(db, world, "budget", "budget_owner", {"course": "MATTE"}) == [data["second"].id]
    assert _page_ids(db, world, "agreements", "advisor", {"kind": "cooperation"}) == [data["agreement"].id]
    assert _page_ids(db, world, "agreements", "advisor", {"kind": "procurement"}) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_unit_exports_only_its_own(client, db, world, data, fmt):
    """Another legal person's users: the world's purchases and agreements are not in their files, and the world's
    budget line answers 404 as its page does."""
    login(client, data["other_advisor"].email)
    assert _ids(_read(client.get(_url("purchases", fmt, world)), fmt)) == []
    assert _ids(_read(client.get(_url("agreements", fmt, world)), fmt)) == []
    client.post("/logout")
    login(client, data["other_owner"].email)
    assert client.get(_url("budget", fmt, world)).status_code == 404
    assert client.get(f"/budgets/{world.budget.id}").status_code == 404  # like the page
    assert client.get(f"/budgets/{data['other_budget'].id}/export.{fmt}").status_code == 200


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind,role", [("purchases", "legal_reviewer"), ("budget", "advisor"), ("budget", "admin")])
def test_roles_the_page_refuses_are_refused(client, world, data, kind, role, fmt):
    login(client, world.users[role].email)
    assert client.get(_url(kind, fmt, world)).status_code == 403


def test_excel_cells_are_numbers_dates_and_text(client, db, world, data):
    login(client, world.users["advisor"].email)
    response = client.get(_url("purchases", "xlsx", world))
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ws = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    header = [c.value for c in ws[1]]
    col = {name: i for i, name in enumerate(header)}
    by_id = {row[0].value: row for row in ws.iter_rows(min_row=2)}
    second = by_id[data["second"].id]
    amount = second[col["Beløp (kroner)"]]
    assert amount.data_type == "n" and amount.number_format == "#,##0.00"
    assert Decimal(str(amount.value)) == data["second"].amount
    assert second[col["Plasser"]].value == 2 and second[col["Plasser"]].data_type == "n"
    start = second[col["Fra"]]
    assert start.is_date and start.value.date() == data["second"].start_date
    assert second[col["Registrert"]].is_date
    title = second[col["Kurs"]]
    assert title.data_type == "s" and title.value == FORMULA_TITLE  # text, never run as a formula
    assert second[col["Faktisk kostnad (kroner)"]].value is None
    assert second[col["Status"]].value == "Bekreftet"
    # The buyer's own budget line is shown to the buyer.
    assert second[col["Budsjettlinje"]].value == "Tiltaksmidler opplæring"


def test_a_provider_does_not_see_its_buyers_budget_lines(client, world, data):
    login(client, world.users["provider_coordinator"].email)
    rows = _read(client.get(_url("purchases", "csv", world)), "csv")
    col = rows[0].index("Budsjettlinje")
    assert len(rows) == 5 and {r[col] for r in rows[1:]} == {""}


def test_csv_is_for_norwegian_excel(client, db, world, data):
    """``;``, decimal comma, ISO dates, CRLF, BOM; a formula-looking text starts with an apostrophe; the csv module
    reads back what was written."""
    login(client, world.users["budget_owner"].email)
    response = client.get(_url("budget", "csv", world, {"course": "matte"}))
    assert response.mimetype == "text/csv" and "charset=utf-8" in response.headers["Content-Type"]
    body = response.get_data()
    assert b"\r\n" in body
    rows = _read(response, "csv")
    assert rows[0] == ["Innkjøpsnummer", "Registrert", "Kurs", "Fra", "Til", "Plasser", "Beløp (kroner)",
                       "Faktisk kostnad (kroner)", "Status", "Avtalenummer"]
    (row,) = rows[1:]
    p = data["second"]
    assert row[0] == str(p.id)
    assert row[1] == clock.today().isoformat()
    assert row[2] == "'" + FORMULA_TITLE
    assert row[3] == p.start_date.isoformat() and row[4] == p.end_date.isoformat()
    assert row[5] == "2"
    assert row[6] == f"{p.amount:.2f}".replace(".", ",") and "," in row[6] and " " not in row[6]
    assert row[7] == "" and row[8] == "Bekreftet"


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind,role,nb,en", [
    ("purchases", "advisor", ["Innkjøpsnummer", "Registrert", "Kurs", "Tilbyder", "Kjøper"],
     ["Purchase number", "Registered", "Course", "Provider", "Buyer"]),
    ("budget", "budget_owner", ["Innkjøpsnummer", "Registrert", "Kurs"], ["Purchase number", "Registered", "Course"]),
    ("agreements", "advisor", ["Avtalenummer", "Tittel", "Parter", "Type", "Status"],
     ["Agreement number", "Title", "Parties", "Kind", "Status"]),
])
def test_column_names_are_bokmal_and_english_for_english_users(client, world, data, kind, role, nb, en, fmt):
    login(client, world.users[role].email)
    assert _read(client.get(_url(kind, fmt, world)), fmt)[0][: len(nb)] == nb
    assert client.post("/language", data={"locale": "en"}).status_code == 302
    rows = _read(client.get(_url(kind, fmt, world)), fmt)
    assert rows[0][: len(en)] == en
    if kind != "agreements":
        assert "Confirmed" in {r[-1] if kind == "purchases" else r[8] for r in rows[1:]}


def test_agreement_rows_name_their_parties_and_labels(app, client, world, data):
    from flask_babel import force_locale

    login(client, world.users["advisor"].email)
    rows = _read(client.get(_url("agreements", "xlsx", world)), "xlsx")
    a = data["agreement"]
    (row,) = rows[1:]
    assert row[0] == a.id and row[1] == a.title
    assert row[2] == ", ".join(p.name for p in a.parties) and row[2]
    with app.test_request_context(), force_locale("nb"):
        assert row[3] == a.kind.label and row[4] == a.status.label


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind,role,filters,action", [
    ("purchases", "advisor", {}, "export.purchases"),
    ("budget", "budget_owner", {"status": "cancelled"}, "export.budget_ledger"),
    ("agreements", "advisor", {"kind": "cooperation"}, "export.agreements"),
])
def test_every_export_is_an_audit_event(client, db, world, data, kind, role, filters, action, fmt):
    login(client, world.users[role].email)
    response = client.get(_url(kind, fmt, world, filters))
    rows = _read(response, fmt)
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == action)).one()
    assert event.actor_id == world.users[role].id and event.unit_id == world.users[role].memberships[0].unit_id
    assert event.after == {"file_format": fmt, "filters": filters, "rows": len(rows) - 1}
    if kind == "budget":
        assert (event.object_type, event.object_id) == ("budget", str(world.budget.id))


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind,filters", [
    ("budget", {"status": "__unknown__"}), ("budget", {"course": "x" * 200}),
    ("agreements", {"kind": "__unknown__"}), ("agreements", {"q": "x" * 300}),
])
def test_an_invalid_filter_is_refused_with_its_message_and_nothing_recorded(client, db, world, data, kind, filters, fmt):
    role = "budget_owner" if kind == "budget" else "advisor"
    login(client, world.users[role].email)
    before = db.scalar(select(func.count()).select_from(AuditEvent))
    response = client.get(_url(kind, fmt, world, filters), headers={"Accept": "text/html"})
    assert response.status_code == 400
    assert "Eksporten ble ikke laget" in response.get_data(as_text=True)
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == before


EXPORT_ROUTES = [("purchases", "advisor", ["page", "per_page"]), ("budget", "budget_owner", ["status", "course", "page"]),
                 ("agreements", "advisor", ["q", "status", "kind", "verdict", "expiring", "page"])]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind,role,names", EXPORT_ROUTES, ids=[k for k, _r, _n in EXPORT_ROUTES])
def test_hostile_query_values_are_answered_never_a_500(client, db, world, data, kind, role, names, fmt):
    """Every hostile value of tests/hostile.py in each filter: 200 with a file or 400 with a message, and an
    audit event only with a file."""
    login(client, world.users[role].email)
    url = _url(kind, fmt, world)
    for name in names:
        for value in [*QUERY_VALUES, ""]:
            before = db.scalar(select(func.count()).select_from(AuditEvent))
            response = client.get(url, query_string={name: value})
            assert response.status_code in (200, 400), (name, value, response.status_code)
            after = db.scalar(select(func.count()).select_from(AuditEvent))
            assert after == before + (1 if response.status_code == 200 else 0), (name, value)
            response.close()


@pytest.mark.parametrize("kind,role", [("purchases", "advisor"), ("budget", "budget_owner"), ("agreements", "advisor")])
def test_the_lists_link_to_their_exports_with_their_filters(client, world, data, kind, role):
    login(client, world.users[role].email)
    page = {"purchases": "/purchases", "budget": f"/budgets/{world.budget.id}?status=cancelled",
            "agreements": "/agreements?kind=cooperation"}[kind]
    html = client.get(page).get_data(as_text=True)
    expected = {"purchases": "/purchases/export", "budget": f"/budgets/{world.budget.id}/export",
                "agreements": "/agreements/export"}[kind]
    query = {"purchases": "", "budget": "?status=cancelled", "agreements": "?kind=cooperation"}[kind]
    assert f'href="{expected}.csv{query}"' in html and f'href="{expected}.xlsx{query}"' in html
    assert "Last ned CSV" in html and "Last ned Excel" in html


def test_the_csv_streams_many_rows_in_chunks(client, db, world, data):
    """20 000 purchases inserted in bulk: the CSV response is a generator, sent in chunks, all rows in it."""
    p = world.purchase
    template = {c.key: getattr(p, c.key) for c in SeatPurchase.__table__.columns if c.key != "id"}
    db.execute(insert(SeatPurchase), [dict(template) for _ in range(20_000)])
    if db.get_bind().dialect.name == "postgresql":
        # As autovacuum would after such an insert: with the statistics of the few rows the earlier tests left,
        # the planner joins 20 000 rows by nested loops (minutes instead of a second).
        db.execute(text("ANALYZE seat_purchase"))
    db.commit()
    login(client, world.users["advisor"].email)
    response = client.get(_url("purchases", "csv", world))
    assert response.is_streamed
    chunks = list(response.response)
    assert len(chunks) > 20_000 // writer.CSV_ROWS_PER_CHUNK
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8-sig"), newline=""), delimiter=";"))
    assert len(rows) == 1 + 20_004
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "export.purchases")).one()
    assert event.after["rows"] == 20_004
    response.close()


def test_the_excel_file_is_sent_in_chunks_from_a_spooled_file(client, world, data):
    login(client, world.users["advisor"].email)
    response = client.get(_url("purchases", "xlsx", world))
    assert response.is_streamed and int(response.headers["Content-Length"]) == len(response.get_data())


# --- the pieces -----------------------------------------------------------------------------------------------

def test_stream_reads_in_chunks_and_enriches_each(db, world, data):
    seen = []
    stmt = select(SeatPurchase.id.label("id")).order_by(SeatPurchase.id)
    rows = list(source.stream(db, stmt, chunk=2, enrich=lambda part: seen.append(len(part)) or [(*r, "x") for r in part]))
    assert len(rows) == 4 and seen == [2, 2] and {r[-1] for r in rows} == {"x"}


@pytest.mark.parametrize("value,text", [
    (Decimal("1234.5"), "1234,50"), (Decimal("-0.5"), "-0,50"), (Decimal("1000000"), "1000000,00"), (None, ""),
])
def test_csv_amounts_have_a_decimal_comma_and_two_decimals(value, text):
    assert writer.csv_amount(value) == text


@pytest.mark.parametrize("value,text", [("=1+1", "'=1+1"), ("+47", "'+47"), ("-x", "'-x"), ("@a", "'@a"),
                                        ("Oslo", "Oslo"), (None, "")])
def test_csv_text_never_starts_a_formula(value, text):
    assert writer.csv_text(value) == text


def test_xlsx_drops_characters_the_format_cannot_hold():
    out = io.BytesIO()
    cols = [writer.Column("t", "T"), writer.Column("d", "D", writer.DATE), writer.Column("a", "A", writer.AMOUNT)]
    n = writer.write_xlsx(cols, [{"t": "a\x01b", "d": dt.datetime(2026, 1, 2, 3, 4), "a": None}], out)
    ws = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
    assert n == 1 and [c.value for c in ws[2]][:2] == ["ab", dt.datetime(2026, 1, 2)]
