"""Build the rules engine's facts (rules-engine-contract.md) for a seat purchase from our records.

This is the seam between the product's data and the pure engine: the buyer is the legal person acting for
the buying unit (for a Nav office, the side chosen: NAV-01), the supplier is the legal person owning the
course's provider unit, and earlier purchases by the same buying unit from the same supplier for the same
kind of course within twelve months are ``related_purchases`` (VAL-03/VAL-06, the split-purchase watch).
"""
from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, func, literal_column, or_, select, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from ..courses.models import Course, CourseKind
from ..organisations.models import LegalEntity, Side, Unit, UnitKind
from ..rules.dates import add_months

# Nav measure codes (tiltaksforskriften ch. 7, NAV-03) for our course kinds.
MEASURE_CODES = {
    CourseKind.norwegian_training: "NORSKOPPLAERING_GRUNNLEGGENDE_FERDIGHETER_FOV",
    CourseKind.basic_skills: "NORSKOPPLAERING_GRUNNLEGGENDE_FERDIGHETER_FOV",
    CourseKind.fov: "NORSKOPPLAERING_GRUNNLEGGENDE_FERDIGHETER_FOV",
    CourseKind.vocational_norwegian: "NORSKOPPLAERING_GRUNNLEGGENDE_FERDIGHETER_FOV",
    CourseKind.amo: "ARBEIDSMARKEDSOPPLAERING",
    CourseKind.industry_course: "ARBEIDSMARKEDSOPPLAERING",
}

# Education and training services (CPV 80000000-8 family): "særlige tjenester" (THR-08).
CPV_BY_KIND = {
    CourseKind.norwegian_training: "80580000-3",  # provision of language courses
    CourseKind.vocational_norwegian: "80580000-3",
    CourseKind.basic_skills: "80400000-8",  # adult and other education services
    CourseKind.fov: "80400000-8",
    CourseKind.amo: "80530000-8",  # vocational training services
    CourseKind.industry_course: "80530000-8",
    CourseKind.other: "80000000-4",
}


def party(entity: LegalEntity) -> dict[str, Any]:
    return {
        "name": entity.name,
        "entity_id": entity.org_number,
        "legal_type": entity.legal_type.value,
        "is_contracting_authority": entity.is_contracting_authority,
        "is_central_government": entity.is_central_government,
    }


class _month_of(FunctionElement):
    """The month a date falls in, as a key to group by: on PostgreSQL the first day of the month
    (``date_trunc``: the search takes a third less time than when it extracts year and month as numerics
    from every purchase it reads), elsewhere the number yyyymm."""

    name = "month_of"
    inherit_cache = True


@compiles(_month_of)
def _month_of_default(element, compiler, **kw):
    [day] = element.clauses
    return compiler.process(func.extract("year", day) * 100 + func.extract("month", day), **kw)


@compiles(_month_of, "postgresql")
def _month_of_postgresql(element, compiler, **kw):
    return compiler.process(func.date_trunc(literal_column("'month'"), *element.clauses), **kw)


@functools.cache
def _earlier_purchases_statement():
    """Earlier purchases by one buyer and side from one supplier for one need, summed per month.

    Built once, on first use (with bound parameters): building a select costs more CPU than running this one.
    Each purchase records its supplier and need, so the search is one range of ``ix_seat_purchase_related``
    (covering), whatever the size of the purchase table or the supplier's catalogue.

    Each row starts with the threshold table's version summary (``rulecheck.services.TABLE_VERSION``; one row
    with nulls for the sums when there is no earlier purchase), so an assessment reads its facts and checks
    its threshold table with one round trip.
    """
    from .models import PurchaseStatus, SeatPurchase

    month = _month_of(SeatPurchase.start_date)
    stmt = (
        select(func.sum(SeatPurchase.amount).label("total"), func.max(SeatPurchase.start_date).label("last"),
               func.count().label("n"), month.label("month"))
        .where(
            SeatPurchase.buyer_unit_id == bindparam("buyer_id"),
            SeatPurchase.side == bindparam("side"),
            SeatPurchase.supplier_entity_id == bindparam("supplier_id"),
            SeatPurchase.course_kind == bindparam("kind"),
            SeatPurchase.start_date >= bindparam("window_start"),
            SeatPurchase.start_date <= bindparam("start"),
            # Not IN (…): an expanding list makes SQLAlchemy render the statement again on every execution.
            or_(SeatPurchase.status == PurchaseStatus.confirmed, SeatPurchase.status == PurchaseStatus.completed),
        )
        .group_by(month)
    )
    from ..rulecheck.services import TABLE_VERSION

    version, earlier = TABLE_VERSION.subquery("table_version"), stmt.subquery("earlier")
    return (
        select(*version.c, earlier.c.total, earlier.c.last, earlier.c.n)
        .select_from(version.outerjoin(earlier, true()))
        .order_by(earlier.c.month)
    )


def purchase_facts(
    session: Session,
    *,
    buyer_unit: Unit,
    side: Side,
    course: Course,
    amount: Decimal,
    start: dt.date,
    end: dt.date,
    table_version: list | None = None,
    earlier: list | None = None,
) -> dict[str, Any]:
    """The facts of buying ``course`` for ``buyer_unit``. ``earlier``: what :func:`earlier_purchases` returned for
    the same buyer, side, course and start, when the caller already has it (the law-change re-assessment builds
    the facts of many capacity requests with one search per group); otherwise it is searched here."""
    buyer = buyer_unit.entity_for_side(side)
    supplier = course.provider_unit.legal_entity
    if earlier is None:
        earlier = earlier_purchases(session, buyer_unit=buyer_unit, side=side, course=course, start=start,
                                    table_version=table_version)
    months = max(1, (end.year - start.year) * 12 + end.month - start.month + 1)
    facts: dict[str, Any] = {
        "schema_version": 1,
        "reference_date": start.isoformat(),
        "buyer": party(buyer),
        "supplier": party(supplier),
        "relationship": {"control": "none"} if buyer.id != supplier.id else {},
        "contract": {
            "pecuniary": True,
            "category": "special_services",
            "cpv": [CPV_BY_KIND[course.kind]],
            "value": {"base_nok": str(amount), "duration_months": months},
        },
        "related_purchases": [
            {"value_nok": str(total), "date": _as_date(last).isoformat(), "same_need": True, "count": n}
            for total, last, n in earlier
        ],
    }
    if buyer_unit.kind == UnitKind.nav_office:
        facts["nav"] = {
            "contracting_side": side.value,
            "mode": "enkeltplass",
            "price_type": "anskaffelse",
        }
        if course.kind in MEASURE_CODES:
            facts["nav"]["measure_code"] = MEASURE_CODES[course.kind]
    return facts


def earlier_purchases(session: Session, *, buyer_unit: Unit, side: Side, course: Course, start: dt.date,
                      table_version: list | None = None) -> list[tuple]:
    """Earlier purchases of the same need from the same supplier as ``related_purchases`` counts them: one
    (month's sum, latest date, count) per month of the 12 calendar months up to ``start``."""
    # Only earlier purchases inside the engine's aggregation window (12 calendar months up to the reference
    # date) for the same need (the same kind of course) can count. They are summed per month in the
    # database, with the number of purchases in each sum, so a busy office does not send the engine
    # hundreds of rows for every purchase.
    stmt = _earlier_purchases_statement()
    params = {"buyer_id": buyer_unit.id, "side": side, "supplier_id": course.provider_unit.legal_entity.id,
              "kind": course.kind, "window_start": add_months(start, -12), "start": start}
    rows = session.execute(stmt, params).all()
    if table_version is not None:  # receives the threshold table's version summary (rulecheck.current_table)
        table_version[:] = rows[0][: len(rows[0]) - 3]
    return [row[-3:] for row in rows if row.n is not None]  # a month's sum, latest date and count


def _as_date(value) -> dt.date:
    """max() of a date column comes back as a string on SQLite."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
