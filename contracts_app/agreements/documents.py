"""Word documents from the docxtpl templates in ``contract_templates/`` (Norwegian bokmål).

Context builders are pure functions of the records; :func:`render` fills a template; the ``generate_*``
functions store the result with template name, template version and SHA-256. Documents are always in
bokmål, whatever the user's interface language, because they are the legal text the parties sign.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import threading
import zipfile
from decimal import Decimal
from functools import lru_cache
from typing import Any

from docxtpl import DocxTemplate
from jinja2 import Environment
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit import Actor
from ..clock import OSLO
from ..config import PROJECT_ROOT
from ..i18n import money as fmt_money
from .models import Agreement, AgreementDocument, AgreementKind, ReviewDecision

TEMPLATE_DIR = PROJECT_ROOT / "contract_templates"

VERDICT_NB = {
    "below_scope": "Under nedre terskel i anskaffelsesloven",
    "procurement_required": "Anskaffelsesregelverket gjelder",
    "exempt": "Unntatt fra anskaffelsesregelverket",
    "not_procurement_grant": "Tilskudd, ikke anskaffelse",
    "needs_assessment": "Krever juridisk skjønn",
}
REGIME_NB = {
    "part_I": "FOA del I", "part_I_II": "FOA del I og II", "part_I_III": "FOA del I og III",
    "part_I_II_plus_III_special": "FOA del I og II og del III for særlige tjenester", "part_I_VI": "FOA del I og VI",
}
KIND_NB = {
    "cooperation": "samarbeidsavtale (offentlig-offentlig samarbeid)", "procurement": "rammeavtale/kontrakt etter anskaffelse",
    "call_off": "avrop/enkeltplasskjøp under avtale", "internal_order": "intern bestilling i samme rettssubjekt",
}
LEGAL_TYPE_NB = {
    "state": "staten", "municipality": "kommune", "county_municipality": "fylkeskommune", "public_body": "offentlig organ",
    "mixed_company": "selskap med offentlige og private eiere", "foundation": "stiftelse", "private": "privat virksomhet",
}
ROLE_NB = {"buyer": "kjøper", "supplier": "leverandør", "partner": "samarbeidspart"}
PRICING_NB = {"own_costs_each": "hver part bærer egne kostnader", "cost_reimbursement": "dekning av kostnader",
              "market_price_margin": "markedspris med fortjeneste"}
BASIS_NB = {"avg_turnover_3y": "gjennomsnittlig omsetning siste tre år", "alt_measure_3y": "annet aktivitetsmål siste tre år",
            "projection": "framskrivning"}
ADVANTAGED_NB = {"no": "nei", "yes": "ja", "unknown": "ikke avklart"}
SIDE_NB = {"state": "statlig side", "municipal": "kommunal side"}
UNKNOWN = "ikke oppgitt"


@lru_cache(maxsize=1)
def _manifest_text() -> str:
    return (TEMPLATE_DIR / "templates.json").read_text(encoding="utf-8")


def manifest() -> dict[str, dict[str, str]]:
    return json.loads(_manifest_text())


@lru_cache(maxsize=None)
def _template_bytes(filename: str) -> bytes:
    return (TEMPLATE_DIR / filename).read_bytes()


class _CompiledCache(Environment):
    """docxtpl compiles the whole document XML with Jinja on every render (about half the time of a render).
    The source is the same for every render of a template, so compile it once per process."""

    def from_string(self, source, globals=None, template_class=None):  # noqa: A002 - Jinja's signature
        if globals is not None or template_class is not None:
            return super().from_string(source, globals, template_class)
        compiled = _COMPILED.get(source)
        if compiled is None:
            if len(_COMPILED) > 256:
                _COMPILED.clear()
            compiled = _COMPILED[source] = super().from_string(source)
        return compiled


_COMPILED: dict[str, Any] = {}


class _Template(DocxTemplate):
    """A docxtpl template opened once per process and rendered many times.

    docxtpl re-opens the .docx (python-docx parses every part) and re-cleans the tags on every render. Here the
    package is opened once, the pristine body XML and its tag clean-up are kept, and each render only replaces
    the body. That is all docxtpl changes in our templates (no headers, footers, footnotes or pictures with
    tags), so the result is the same; a lock keeps threads from sharing the body.
    """

    def __init__(self, data: bytes):
        super().__init__(io.BytesIO(data))
        self.init_docx()
        self._pristine = super().get_xml()
        self._patched = super().patch_xml(self._pristine)
        self.lock = threading.Lock()
        self._constant: dict[str, bytes] = {}

    def constant(self, name, make) -> bytes:
        """A part that no render changes, serialised once."""
        blob = self._constant.get(str(name))
        if blob is None:
            blob = self._constant[str(name)] = make()
        return blob

    def get_xml(self):
        return self._pristine

    def patch_xml(self, src_xml):
        return self._patched if src_xml is self._pristine else super().patch_xml(src_xml)

    def render_once(self, context: dict[str, Any]) -> bytes:
        with self.lock:
            self.is_rendered = False  # keep the opened package: only the body is replaced
            self.render(context, jinja_env=_ENV, autoescape=True)
            return _save(self)


@lru_cache(maxsize=None)
def _prepared(filename: str) -> _Template:
    return _Template(_template_bytes(filename))


_ENV = _CompiledCache(autoescape=True)


def render(kind: str, context: dict[str, Any]) -> tuple[bytes, str, str]:
    """Fill the template of ``kind``: (docx bytes, template file name, template version)."""
    spec = manifest()[kind]
    return _prepared(spec["file"]).render_once(context), spec["file"], spec["version"]


class _FastZipWriter:
    """python-docx's package writer with zlib level 1 instead of 6: a quarter of the compression time for
    files a few kilobytes larger. Same parts, same content types, same relationships."""

    def __init__(self, buffer: io.BytesIO):
        self._zip = zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)

    def write(self, pack_uri, blob: bytes) -> None:
        self._zip.writestr(pack_uri.membername, blob)

    def close(self) -> None:
        self._zip.close()


def _save(tpl: _Template) -> bytes:
    """python-docx's ``Package.save`` for a template rendered again and again: only the main document part
    changes, so the other parts (styles, numbering, settings … and all relationship items) are serialised once."""
    from docx.opc.pkgwriter import PackageWriter

    package = tpl.docx.part.package
    main = tpl.docx.part
    buffer = io.BytesIO()
    writer = _FastZipWriter(buffer)
    PackageWriter._write_content_types_stream(writer, package.parts)
    PackageWriter._write_pkg_rels(writer, package.rels)
    for part in package.parts:
        part.before_marshal()
        if part is main:
            writer.write(part.partname, part.blob)
        else:
            writer.write(part.partname, tpl.constant(part.partname, lambda: part.blob))
        if len(part.rels):
            writer.write(part.partname.rels_uri, tpl.constant(part.partname.rels_uri, lambda: part.rels.xml))
    writer.close()
    return buffer.getvalue()


def template_variables(kind: str, context: dict[str, Any]) -> set[str]:
    """Variables the template uses that ``context`` does not supply (empty when complete)."""
    tpl = DocxTemplate(io.BytesIO(_template_bytes(manifest()[kind]["file"])))
    return set(tpl.get_undeclared_template_variables(context=context))


# --- contexts ----------------------------------------------------------------------------------------------


def _d(value: dt.date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else UNKNOWN


def _m(value: Decimal | None) -> str:
    return fmt_money(value) if value is not None else UNKNOWN


def _t(value: str | None) -> str:
    return (value or "").strip() or UNKNOWN


def _yn(value: bool | None) -> str:
    return {True: "ja", False: "nei"}.get(value, UNKNOWN)


def _findings(items) -> list[dict[str, str]]:
    return [{"rule_id": f["rule_id"], "message": f["message"], "citation": f.get("citation", "")} for f in items or []]


def options_text(a: Agreement) -> str:
    plan = list(a.option_plan or [])
    if not plan:
        return "ingen"
    parts = " + ".join(f"{m} mnd." for m in plan)
    exercised = [o for o in a.options if o.undone_at is None]
    used = f"; {len(exercised)} innløst" if exercised else ""
    return f"{parts} ({a.option_scheme}){used}"


def _assessment_context(a: Agreement, decision: ReviewDecision | None) -> dict[str, Any]:
    result = (decision.frozen_assessment if decision is not None else None) or (a.assessment or {}).get("assessment") or {}
    ruleset = result.get("ruleset") or {}
    if decision is not None:
        reviewer = decision.reviewer.name if decision.reviewer is not None else ""
        review_text = f"godkjent av {reviewer} {_d(decision.created_at.astimezone(OSLO).date())}"
        if decision.note:
            review_text += f" – {decision.note}"
    else:
        review_text = "ikke godkjent ennå (utkast)"
    departs = decision is not None and decision.departs
    return {
        "verdict_label": VERDICT_NB.get(result.get("verdict"), "ikke vurdert (mangler fakta)"),
        "regime_label": REGIME_NB.get(result.get("regime"), ""),
        "estimated_value_engine": _m(Decimal(result["estimated_value_nok"])) if result.get("estimated_value_nok") else UNKNOWN,
        "reasons": _findings(result.get("reasons")),
        "warnings": _findings(result.get("warnings")),
        "obligations": _findings(result.get("obligations")),
        "missing_facts": ", ".join(result.get("missing_facts") or []) or "ingen",
        "ruleset_version": ruleset.get("version", UNKNOWN),
        "thresholds_from": ruleset.get("thresholds_effective_from") or UNKNOWN,
        "table_id": ruleset.get("table_id") or UNKNOWN,
        # Which version of the Act and the regulation the verdict applied (assessments made before the law
        # versions existed do not say: then it is stated as unknown, never guessed).
        "law_title": (result.get("law") or {}).get("title") or UNKNOWN,
        "review_text": review_text,
        "reviewer_verdict_label": VERDICT_NB.get(decision.reviewer_verdict, "") if departs else "",
        "departure_reasoning": (decision.departure_reasoning or "") if departs else "",
    }


def agreement_context(a: Agreement, *, decision: ReviewDecision | None, signatures=(), now: dt.datetime, kind: str) -> dict[str, Any]:
    spec = manifest()[kind]
    signed = {s.party_id: s for s in signatures}
    parties = []
    for p in a.parties:
        contact = ", ".join(x for x in (p.contact_name, p.contact_email, p.contact_phone) if x)
        parties.append({
            "name": p.name, "org_number": p.org_number, "legal_type": LEGAL_TYPE_NB.get(p.legal_type or "", UNKNOWN),
            "role": ROLE_NB.get(p.role, p.role),
            "unit": (p.unit.name + (f" ({SIDE_NB[p.nav_side.value]})" if p.nav_side else "")) if p.unit else "",
            "contact": f"– {contact}" if contact else "",
            "statutory_task": _t(p.statutory_task),
            "contributions": "; ".join(c.strip() for c in (p.contributions or "").splitlines() if c.strip()) or UNKNOWN,
            "payment_only": bool(p.payment_only),
            "share": f"{p.open_market_share_pct:.1f} %".replace(".", ",") if p.open_market_share_pct is not None else UNKNOWN,
        })
    title = spec["title"]
    if kind in ("procurement_protocol", "exemption_assessment"):
        title = "Anskaffelsesprotokoll" if kind == "procurement_protocol" else "Unntaksvurdering (dokumentasjon av unntak)"
    ctx = {
        "document_title": title, "title": a.title, "agreement_id": a.id, "version": a.version, "kind": KIND_NB[a.kind.value],
        "parties": parties, "subject": _t(a.subject), "cpv": ", ".join(a.cpv_codes or []) or UNKNOWN, "measure": _t(a.measure_code),
        "common_objectives": _t(a.common_objectives), "governance": _t(a.governance), "cost_sharing": _t(a.cost_sharing),
        "pricing": PRICING_NB.get(a.pricing or "", UNKNOWN), "public_interest": _yn(a.public_interest_only),
        "activity_basis": BASIS_NB.get(a.activity_basis or "", UNKNOWN), "market_share_monitoring": _t(a.market_share_monitoring),
        "advantaged": ADVANTAGED_NB.get(a.private_operator_advantaged or "", UNKNOWN),
        "subcontracting": _yn(a.third_party_subcontracting), "subcontracting_note": (a.subcontracting_note or "").strip(),
        "start_date": _d(a.start_date), "end_date": _d(a.end_date), "options_text": options_text(a),
        "max_duration": f"{a.max_duration_months} måneder" if a.max_duration_months else UNKNOWN,
        "review_and_exit": _t(a.review_and_exit), "estimated_value": _m(a.estimated_value), "options_value": _m(a.options_value),
        "price_terms": _t(a.price_terms), "case_ref": _t(a.procurement_case_ref), "notice_ref": _t(a.procurement_notice_ref),
        "signatures": [
            {"party": p.name, "name": signed[p.id].signer_name if p.id in signed else "",
             "role": signed[p.id].signer_role if p.id in signed else "", "date": _d(signed[p.id].signed_on) if p.id in signed else ""}
            for p in a.parties
        ],
        "generated_at": now.astimezone(OSLO).strftime("%d.%m.%Y %H:%M"),
        "template_name": spec["file"], "template_version": spec["version"],
    }
    ctx.update(_assessment_context(a, decision))
    return ctx


def assessment_kind(a: Agreement, decision: ReviewDecision | None = None) -> str:
    verdict = (decision.reviewer_verdict if decision is not None else None) or a.verdict
    return "procurement_protocol" if verdict in ("procurement_required", "below_scope", None) else "exemption_assessment"


def kinds_for(a: Agreement, decision: ReviewDecision | None = None) -> list[str]:
    """The documents of an agreement, main document first."""
    second = assessment_kind(a, decision)
    return ["cooperation_agreement", second] if a.kind == AgreementKind.cooperation else [second]


def _store(session: Session, *, kind: str, content: bytes, template: str, version: str, filename: str, actor: Actor,
           now: dt.datetime, agreement: Agreement | None = None, purchase_id: int | None = None, at_approval: bool = False) -> AgreementDocument:
    doc = AgreementDocument(
        agreement_id=agreement.id if agreement else None, purchase_id=purchase_id, kind=kind,
        version_number=agreement.version if agreement else None, template_name=template, template_version=version,
        sha256=hashlib.sha256(content).hexdigest(), filename=filename, content=content, at_approval=at_approval,
        created_by_id=actor.user_id, created_at=now,
    )
    session.add(doc)
    session.flush()
    return doc


def generate_for_agreement(session: Session, a: Agreement, *, decision: ReviewDecision | None, actor: Actor, now: dt.datetime,
                           at_approval: bool = False) -> list[AgreementDocument]:
    from .. import audit
    from .services import signatures

    sigs = signatures(session, a.id)
    out = []
    for kind in kinds_for(a, decision):
        content, template, version = render(kind, agreement_context(a, decision=decision, signatures=sigs, now=now, kind=kind))
        filename = f"{manifest()[kind]['title'].lower()}-{a.id}-v{a.version}.docx"
        out.append(_store(session, kind=kind, content=content, template=template, version=version, filename=filename,
                          actor=actor, now=now, agreement=a, at_approval=at_approval))
    audit.record(session, actor, "agreement.documents_generated", a, at=now,
                 after={"documents": [{"kind": d.kind, "template": d.template_name, "version": d.template_version, "sha256": d.sha256} for d in out]})
    return out


def documents_of(session: Session, agreement_id: int) -> list[AgreementDocument]:
    return session.scalars(
        select(AgreementDocument).where(AgreementDocument.agreement_id == agreement_id).order_by(AgreementDocument.id.desc())
    ).all()


# --- order confirmation for a seat purchase -------------------------------------------------------------------


def order_context(purchase, *, now: dt.datetime) -> dict[str, Any]:
    spec = manifest()["order_confirmation"]
    buyer = purchase.buyer_unit.entity_for_side(purchase.side)
    provider = purchase.course.provider_unit
    assessment = (purchase.assessment or {}).get("assessment") or {}
    agreement = None
    if purchase.agreement_id:
        from .models import Agreement as _A  # noqa: N814

        agreement = purchase._sa_instance_state.session.get(_A, purchase.agreement_id)
    return {
        "purchase_id": purchase.id, "confirmed_at": purchase.created_at.astimezone(OSLO).strftime("%d.%m.%Y"),
        "buyer_unit": purchase.buyer_unit.name, "buyer_entity": buyer.name, "buyer_org": buyer.org_number,
        "buyer_side": SIDE_NB.get(purchase.side.value, purchase.side.value),
        "provider_unit": provider.name, "provider_entity": provider.legal_entity.name, "provider_org": provider.legal_entity.org_number,
        "course": purchase.course.title, "start_date": _d(purchase.start_date), "end_date": _d(purchase.end_date), "seats": purchase.seats,
        "participants": ", ".join(p.reference for p in purchase.participants) or UNKNOWN,
        "breakdown": [str(line) for line in purchase.breakdown or []], "amount": _m(purchase.amount),
        "budget_line": f"{purchase.budget.line} {purchase.budget.year}",
        "agreement_text": (f"Kjøpet er gjort under avtale nr. {agreement.id}: {agreement.title} "
                           f"({_d(agreement.start_date)}–{_d(agreement.end_date)}).") if agreement else
                          "Ingen avtale i portalen dekker kjøpet; se regelmotorens vurdering.",
        "verdict_label": VERDICT_NB.get(assessment.get("verdict"), "ikke vurdert"),
        "reasons": _findings(assessment.get("reasons")),
        "generated_at": now.astimezone(OSLO).strftime("%d.%m.%Y %H:%M"),
        "template_name": spec["file"], "template_version": spec["version"],
    }


def generate_order_confirmation(session: Session, purchase, *, actor: Actor, now: dt.datetime) -> AgreementDocument:
    from .. import audit

    content, template, version = render("order_confirmation", order_context(purchase, now=now))
    doc = _store(session, kind="order_confirmation", content=content, template=template, version=version,
                 filename=f"ordrebekreftelse-{purchase.id}.docx", actor=actor, now=now, purchase_id=purchase.id,
                 agreement=None)
    # Not attached to the agreement: it lists the buyer's participant references, which only the buying unit
    # sees (its access follows the purchase, see agreements.views.document).
    session.flush()
    audit.record(session, actor, "purchase.order_confirmation_generated", purchase, at=now,
                 after={"document_id": doc.id, "template": template, "version": version, "sha256": doc.sha256})
    return doc
