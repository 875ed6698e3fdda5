"""Seat purchases as OCDS releases (see ``build``): one contracting process per published purchase
(``<prefix>p-<id>``), with ``confirmed``, ``completed`` (the actual cost as a transaction) and ``cancelled``."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .build import DocRow, Parties, document, method, moment, money, ocid, period, clean


@dataclass
class PurchaseData:
    id: int
    status: str  # confirmed | completed | cancelled
    buyer_org: str
    buyer_name: str
    supplier_org: str
    supplier_name: str
    course_title: str
    seats: int
    start_date: dt.date
    end_date: dt.date
    amount: Decimal
    actual_amount: Decimal | None
    assessment: dict | None
    agreement_id: int | None
    confirmed_at: dt.datetime
    updated_at: dt.datetime
    documents: list[DocRow] = field(default_factory=list)


def purchase_releases(p: PurchaseData, prefix: str) -> list[dict]:
    """The releases of one published seat purchase. Built without :func:`clean` (the export's hot path:
    a whole country's purchases), so every optional value is added only when present."""
    the_ocid = ocid(prefix, "p", p.id)
    parties = Parties()
    buyer = parties.add(p.buyer_org, p.buyer_name, "buyer", "procuringEntity", "payer")
    supplier = parties.add(p.supplier_org, p.supplier_name, "supplier", "payee")
    party_list = parties.as_list()
    result = (p.assessment or {}).get("assessment") or {}
    cpv = (((p.assessment or {}).get("facts") or {}).get("contract") or {}).get("cpv") or []
    item: dict[str, Any] = {"id": "1", "description": p.course_title, "quantity": p.seats}
    if cpv:
        item["classification"] = {"scheme": "CPV", "id": cpv[0]}
    if p.seats:
        item["unit"] = {"name": "plass", "value": money((p.amount / p.seats).quantize(Decimal("0.01")))}
    items = [item]
    contract_id, award_id = f"{the_ocid}-contract", f"{the_ocid}-award"
    the_period = period(p.start_date, p.end_date)
    confirmed = moment(p.confirmed_at)
    value = money(p.amount)

    def base(rid: str, date: str, tag: list[str], contract: dict, **extra) -> dict:
        release = {"ocid": the_ocid, "id": f"{the_ocid}-{rid}", "date": date, "tag": tag, "initiationType": "tender",
                   "language": "nb", "parties": party_list, "buyer": buyer}
        if p.agreement_id:
            release["relatedProcesses"] = [{"id": "1", "relationship": ["framework"], "title": "Avtalen kjøpet gjøres under",
                                            "scheme": "ocid", "identifier": ocid(prefix, "a", p.agreement_id)}]
        release["contracts"] = [{"id": contract_id, "awardID": award_id, **contract}]
        release.update(extra)
        return release

    contract: dict[str, Any] = {"title": f"Kjøp av {p.seats} plass(er): {p.course_title}", "status": "active", "value": value,
                                "dateSigned": confirmed, "items": items}
    if the_period:
        contract["period"] = the_period
    if p.documents:
        contract["documents"] = [document(f"doc-{d.id}", d.kind, filename=d.filename, sha256=d.sha256, created_at=d.created_at)
                                 for d in p.documents]
    tender: dict[str, Any] = {"id": f"{the_ocid}-tender", "title": p.course_title, "status": "complete",
                              "mainProcurementCategory": "services", "value": value, "items": items, "procuringEntity": buyer,
                              **method(result, result.get("verdict"))}
    award: dict[str, Any] = {"id": award_id, "status": "active", "date": confirmed, "value": value, "suppliers": [supplier],
                             "items": items}
    if the_period:
        tender["contractPeriod"] = award["contractPeriod"] = the_period
    releases = [base("confirmed", confirmed, ["award", "contract"], contract, tender=tender, awards=[award])]
    if p.status == "completed" and p.actual_amount is not None:
        releases.append(base("completed", moment(p.updated_at), ["implementation"], {
            "status": "terminated",
            "implementation": {"transactions": [{
                "id": f"{the_ocid}-actual-cost", "date": moment(p.updated_at), "value": money(p.actual_amount),
                "payer": buyer, "payee": supplier,
            }]},
        }))
    elif p.status == "cancelled":
        releases.append(base("cancelled", moment(p.updated_at), ["contractTermination"], {"status": "cancelled"}))
    return releases
