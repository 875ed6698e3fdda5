"""Agreements and seat purchases as OCDS 1.1.5 releases (pure: plain values in, JSON-ready dicts out).

One contracting process per published agreement (``<prefix>a-<id>``) and per published seat purchase
(``<prefix>p-<id>``); a purchase made under an agreement, and a call-off, point to it with a related process
(``framework``). Releases are made from stored business events, so their ids and dates never change:

* agreement: ``signed`` (award + contract, at the last signature), ``active`` (when it started after signing),
  ``v<n>`` for each version saved after approval (an amendment: an option exercised or undone), ``ended``
  (terminated or expired);
* purchase: ``confirmed`` (award + contract), ``completed`` (implementation: the actual cost as a transaction),
  ``cancelled``.

No personal data: parties are legal persons (organisation number, scheme ``NO-BRC``) without contact persons;
signers, reviewers, creators, participants and free-text reasons that may name people are left out.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterable, Optional

from ..formats import zone
from ..rules.vocab import Regime, Verdict

SCHEME = "NO-BRC"
CURRENCY = "NOK"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"

#: The rule that grants each kind of exemption (rules/engine.py: the step that sets ``exempt_by``).
EXEMPTING_RULES = ("EXC-INH-01", "EXC-COMP-01", "SCOPE-01", "EXC-VERT-01", "EXC-HOR-01")
#: The rules that put a value below the Procurement Act's lower limit (THR-01 before 2026-07-01, THR-02 after).
LOWER_LIMIT_RULES = ("THR-01", "THR-02")

DOCUMENT_TYPES = {
    "cooperation_agreement": "contractSigned",
    "order_confirmation": "contractSigned",
    "exemption_assessment": "evaluationReports",
    "procurement_protocol": "evaluationReports",
}
DOCUMENT_TITLES = {
    "cooperation_agreement": "Avtaletekst",
    "order_confirmation": "Ordrebekreftelse",
    "exemption_assessment": "Vurdering av unntak fra anskaffelsesregelverket",
    "procurement_protocol": "Anskaffelsesprotokoll",
}


# --- values --------------------------------------------------------------------------------------------------

def number(value: Decimal | int | None):
    """A JSON number for an amount (at most 14 digits: a float's shortest repr gives back the same decimal)."""
    if value is None:
        return None
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def money(value: Decimal | None) -> Optional[dict]:
    return None if value is None else {"amount": number(value), "currency": CURRENCY}


def moment(at: dt.datetime) -> str:
    """An aware moment as an RFC 3339 date-time in UTC, to the second."""
    if at.tzinfo is None:  # SQLite returns naive UTC in some paths
        at = at.replace(tzinfo=dt.timezone.utc)
    return at.astimezone(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def day_start(day: dt.date) -> str:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=zone()).isoformat()


def day_end(day: dt.date) -> str:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=zone()).isoformat()


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover


def period(start: dt.date | None, end: dt.date | None, max_months: int | None = None) -> Optional[dict]:
    out: dict[str, Any] = {}
    if start:
        out["startDate"] = day_start(start)
    if end:
        out["endDate"] = day_end(end)
    if start and max_months:
        out["maxExtentDate"] = day_end(add_months(start, max_months) - dt.timedelta(days=1))
    return out or None


def clean(node: Any) -> Any:
    """Drop ``None`` values and empty objects/lists (OCDS: omit what is unknown rather than write null)."""
    if isinstance(node, dict):
        out = {k: clean(v) for k, v in node.items()}
        return {k: v for k, v in out.items() if v not in (None, {}, [], "")}
    if isinstance(node, list):
        return [c for c in (clean(v) for v in node) if c not in (None, {}, [], "")]
    return node


# --- parties -------------------------------------------------------------------------------------------------

def party_id(org_number: str) -> str:
    return f"{SCHEME}-{org_number}"


class Parties:
    """The parties of one release: one entry per organisation number, roles merged."""

    def __init__(self) -> None:
        self._by_org: dict[str, dict] = {}

    def add(self, org_number: str, name: str, *roles: str) -> dict:
        entry = self._by_org.get(org_number)
        if entry is None:
            entry = self._by_org[org_number] = {
                "id": party_id(org_number), "name": name,
                "identifier": {"scheme": SCHEME, "id": org_number, "legalName": name}, "roles": [],
            }
        for role in roles:
            if role not in entry["roles"]:
                entry["roles"].append(role)
        return {"id": entry["id"], "name": name}

    def as_list(self) -> list[dict]:
        return list(self._by_org.values())


# --- the rules verdict as the procurement method -------------------------------------------------------------

def _reason(assessment: dict, rule_ids: Iterable[str]) -> Optional[dict]:
    found = None
    for r in assessment.get("reasons") or []:
        if r.get("rule_id") in rule_ids:
            found = r  # the last one: the step that decided comes after the claims that failed
    return found


def method(assessment: dict | None, verdict: str | None, *, after_procurement: bool = False,
           procurement_refs: tuple[str | None, str | None] = (None, None)) -> dict:
    """``tender.procurementMethod``/``…Rationale``/``…Details`` from the stored verdict and assessment.

    An exemption or a value below the lower limit is a direct award; the rationale cites the rule id and
    its legal basis (the engine's citation). After a procurement the procedure is not stored, so the method is
    left out and the case and notice references are given instead."""
    assessment = assessment or {}
    verdict = verdict or assessment.get("verdict")
    out: dict[str, Any] = {}
    details = []
    if verdict in Verdict.values():
        details.append(Verdict(verdict).label("nb"))
    regime = assessment.get("regime")
    if regime in Regime.values():
        details.append(Regime(regime).label("nb"))
    if details:
        out["procurementMethodDetails"] = "; ".join(details)
    rule = None
    if verdict == Verdict.exempt.value:
        rule = _reason(assessment, EXEMPTING_RULES)
    elif verdict == Verdict.below_scope.value:
        rule = _reason(assessment, LOWER_LIMIT_RULES)
    elif verdict == Verdict.not_procurement_grant.value:
        rule = _reason(assessment, ("GRANT-01", "GRANT-02", "GRANT-03"))
    if after_procurement and verdict not in (Verdict.exempt.value, Verdict.not_procurement_grant.value):
        case, notice = procurement_refs
        parts = ["Tildelt etter konkurranse"]
        if case:
            parts.append(f"saksnummer {case}")
        if notice:
            parts.append(f"kunngjøring {notice}")
        out["procurementMethodRationale"] = ", ".join(parts) + "."
        return out
    if verdict in (Verdict.exempt.value, Verdict.below_scope.value, Verdict.not_procurement_grant.value):
        out["procurementMethod"] = "direct"
        label = Verdict(verdict).label("nb")
        if rule is not None:
            out["procurementMethodRationale"] = f"{label}: {rule['rule_id']} ({rule.get('citation') or ''}). {rule.get('message') or ''}".strip()
        else:
            out["procurementMethodRationale"] = label + "."
    return out


# --- documents -----------------------------------------------------------------------------------------------

def document(doc_id: str, kind: str, *, filename: str, sha256: str, created_at: dt.datetime, fmt: str = DOCX,
             title: str | None = None) -> dict:
    """A stored document with its SHA-256 (OCDS 1.1 has no hash field: it is in the description, stated
    the same way everywhere so it can be read back). No URL: downloads need a login."""
    out = {
        "id": doc_id,
        "documentType": DOCUMENT_TYPES.get(kind),
        "title": title or DOCUMENT_TITLES.get(kind) or filename,
        "description": f"SHA-256: {sha256}",
        "datePublished": moment(created_at),
        "format": fmt,
        "language": "nb",
    }
    if out["documentType"] is None:
        del out["documentType"]
    return out


# --- agreements ----------------------------------------------------------------------------------------------

@dataclass
class PartyRow:
    position: int
    role: str  # buyer | supplier | partner
    name: str
    org_number: str
    party_row_id: int = 0


@dataclass
class VersionRow:
    number: int
    note: str | None
    created_at: dt.datetime
    snapshot: dict


@dataclass
class DocRow:
    id: int
    kind: str
    filename: str
    sha256: str
    created_at: dt.datetime
    owner_id: int = 0  # the agreement's or the purchase's id
    version_number: int | None = None
    at_approval: bool = False


@dataclass
class SignatureRow:
    id: int
    party_row_id: int
    signed_on: dt.date
    recorded_at: dt.datetime
    pdf_sha256: str | None


@dataclass
class AgreementData:
    id: int
    kind: str
    status: str
    title: str
    subject: str | None
    cpv_codes: list
    parent_id: int | None
    procurement_case_ref: str | None
    procurement_notice_ref: str | None
    start_date: dt.date | None
    end_date: dt.date | None
    max_duration_months: int | None
    estimated_value: Decimal | None
    options_value: Decimal | None
    approved_version: int | None
    terminated_on: dt.date | None
    updated_at: dt.datetime
    assessment: dict | None  # the approval's frozen assessment (else the live one)
    verdict: str | None  # the reviewer's verdict at approval, else the engine's
    facts: dict | None = None  # the facts the verdict was made on (which party is buyer and supplier)
    signed_end: dt.date | None = None  # the end agreed at approval (later options are amendments)
    signed_snapshot: dict = field(default_factory=dict)  # the approved version: what the first amendment changed
    parties: list[PartyRow] = field(default_factory=list)
    versions: list[VersionRow] = field(default_factory=list)  # after approval only
    approved_at: dt.datetime | None = None
    documents: list[DocRow] = field(default_factory=list)
    signatures: list[SignatureRow] = field(default_factory=list)


def ocid(prefix: str, kind: str, local_id: int) -> str:
    return f"{prefix}{kind}-{local_id}"


def _agreement_roles(a: AgreementData) -> dict[int, tuple[str, ...]]:
    """Each party's OCDS roles. Cooperation partners take the rules' buyer and supplier sides (the facts'
    ``buyer``/``supplier`` entity ids); the buyer is also the procuring entity."""
    facts = a.facts or {}
    buyer_org = (facts.get("buyer") or {}).get("entity_id")
    supplier_org = (facts.get("supplier") or {}).get("entity_id")
    out = {}
    for i, p in enumerate(a.parties):
        role = p.role
        if role == "partner":
            if p.org_number == buyer_org or (buyer_org is None and i == 0):
                role = "buyer"
            elif p.org_number == supplier_org or supplier_org is None:
                role = "supplier"
        out[p.position] = ("buyer", "procuringEntity") if role == "buyer" else ("supplier",) if role == "supplier" else ("payer",)
    return out


def agreement_releases(a: AgreementData, prefix: str) -> list[dict]:
    """The releases of one published agreement, oldest first."""
    the_ocid = ocid(prefix, "a", a.id)
    parties = Parties()
    roles = _agreement_roles(a)
    suppliers, buyer = [], None
    for p in a.parties:
        ref = parties.add(p.org_number, p.name, *roles[p.position])
        if "supplier" in roles[p.position] and ref not in suppliers:
            suppliers.append(ref)
        if "buyer" in roles[p.position] and buyer is None:
            buyer = ref
    signed_at = max((s.recorded_at for s in a.signatures), default=None) or a.approved_at or a.updated_at
    signed_on = max((s.signed_on for s in a.signatures), default=None)
    total = None if a.estimated_value is None else a.estimated_value + (a.options_value or 0)
    items = [{
        "id": "1", "description": a.subject or a.title,
        "classification": {"scheme": "CPV", "id": a.cpv_codes[0]} if a.cpv_codes else None,
        "additionalClassifications": [{"scheme": "CPV", "id": c} for c in a.cpv_codes[1:]],
    }]
    tender = {
        "id": f"{the_ocid}-tender", "title": a.title, "description": a.subject, "status": "complete",
        "mainProcurementCategory": "services", "value": money(total), "items": items,
        "contractPeriod": period(a.start_date, a.end_date, a.max_duration_months),
        **method(a.assessment, a.verdict, after_procurement=a.kind == "procurement",
                 procurement_refs=(a.procurement_case_ref, a.procurement_notice_ref)),
        "procuringEntity": buyer,
    }
    party_pos = {p.party_row_id: p for p in a.parties}
    docs = [document(f"doc-{d.id}", d.kind, filename=d.filename, sha256=d.sha256, created_at=d.created_at)
            for d in a.documents]
    docs += [document(f"signature-{s.id}", "cooperation_agreement", filename="", sha256=s.pdf_sha256, created_at=s.recorded_at,
                      fmt=PDF, title=f"Signert avtale ({party_pos[s.party_row_id].name})" if s.party_row_id in party_pos else "Signert avtale")
             for s in a.signatures if s.pdf_sha256]
    contract_id = f"{the_ocid}-contract"
    award_id = f"{the_ocid}-award"
    started = a.start_date is not None and signed_on is not None and a.start_date <= signed_on
    related = []
    if a.parent_id:
        related.append({"id": "1", "relationship": ["framework"], "title": "Rammeavtalen avropet gjøres under",
                        "scheme": "ocid", "identifier": ocid(prefix, "a", a.parent_id)})

    def base(rid: str, date: str, tag: list[str], contract: dict, **extra) -> dict:
        return clean({
            "ocid": the_ocid, "id": f"{the_ocid}-{rid}", "date": date, "tag": tag, "initiationType": "tender",
            "language": "nb", "parties": parties.as_list(), "buyer": buyer, "relatedProcesses": related,
            "contracts": [{"id": contract_id, "awardID": award_id, **contract}], **extra,
        })

    releases = [base("signed", moment(signed_at), ["award", "contract"], {
        "title": a.title, "status": "active" if started else "pending",
        "period": period(a.start_date, _first_end(a), a.max_duration_months), "value": money(a.estimated_value),
        "dateSigned": day_start(signed_on) if signed_on else None, "documents": docs, "items": items,
    }, tender=tender, awards=[{
        "id": award_id, "title": a.title, "status": "active", "date": moment(signed_at), "value": money(a.estimated_value),
        "suppliers": suppliers, "contractPeriod": period(a.start_date, _first_end(a), a.max_duration_months), "items": items,
    }])]
    ends = a.terminated_on if a.status == "terminated" else None
    if not started and a.start_date and a.status in ("active", "expired") or (
            a.status == "terminated" and not started and a.start_date and ends and ends >= a.start_date):
        releases.append(base("active", day_start(a.start_date), ["contractUpdate"], {"status": "active"}))
    previous = releases[-1]["id"]
    prior = a.signed_snapshot or None
    for v in a.versions:
        snap = v.snapshot or {}
        changed = sorted(k for k in snap if prior is not None and k != "parties" and snap.get(k) != prior.get(k))
        rid = f"v{v.number}"
        releases.append(base(rid, moment(v.created_at), ["contractAmendment"], {
            "period": period(_date(snap.get("start_date")), _date(snap.get("end_date")), snap.get("max_duration_months")),
            "value": money(_dec(snap.get("estimated_value"))),
            "amendments": [{
                "id": rid, "date": moment(v.created_at), "rationale": _note(v.note),
                "description": ("Endrede felt: " + ", ".join(changed)) if changed else None,
                "amendsReleaseID": previous, "releaseID": f"{the_ocid}-{rid}",
            }],
        }))
        previous = releases[-1]["id"]
        prior = snap
    if a.status == "terminated" and a.terminated_on:
        releases.append(base("ended", day_end(a.terminated_on), ["contractTermination"], {
            "status": "terminated", "period": period(a.start_date, a.terminated_on, a.max_duration_months)}))
    elif a.status == "expired" and a.end_date:
        releases.append(base("ended", day_end(a.end_date), ["contractTermination"], {"status": "terminated"}))
    releases.sort(key=_when)
    for before, release in zip(releases, releases[1:]):  # an amendment amends the release just before it in time
        for amendment in release["contracts"][0].get("amendments", []):
            amendment["amendsReleaseID"] = before["id"]
    return releases


def _first_end(a: AgreementData) -> dt.date | None:
    """The end agreed at signing: the approved version's end (later options are amendments)."""
    return a.signed_end or a.end_date


def _when(release: dict) -> dt.datetime:
    return dt.datetime.fromisoformat(release["date"].replace("Z", "+00:00"))


def _date(raw) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except (TypeError, ValueError):
        return None


def _dec(raw) -> Decimal | None:
    try:
        return Decimal(str(raw)) if raw not in (None, "") else None
    except ArithmeticError:
        return None


def _note(note: str | None) -> str:
    note = (note or "").strip()
    words = note.split()
    if len(words) == 2 and words[0] == "option" and words[1].isdigit():
        return f"Opsjon {words[1]} utløst."
    if len(words) == 3 and words[0] == "option" and words[2] == "undone":
        return f"Opsjon {words[1]} angret."
    return "Endret etter signering."
