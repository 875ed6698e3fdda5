"""What the engine is missing, as plain-language questions: one table for the rules check page and the agreement
wizard. Each fact path the engine can list in ``missing_facts`` has a question and the form field that answers it:
a field of the rules check form, and (where the wizard asks for it) a wizard step and the id of its field.

``ask(paths)`` turns a ``missing_facts`` list into questions: never the raw key, each question once. A path with
no entry (a newer engine) falls back to a readable label.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from flask_babel import lazy_gettext as _l

from .labels import FACTS


@dataclass(frozen=True)
class Question:
    text: Any  # a lazy msgid, possibly with %(name)s placeholders
    rulecheck: str | None = None  # the field of the rules check form that answers it
    wizard: tuple[str, str] | None = None  # (step, field id) in the agreement wizard; {buyer}/{supplier}/{i} = party row


Q = Question

QUESTIONS: dict[str, Question] = {
    "reference_date": Q(_l("When does the agreement start, or when is the value estimated?"), "reference_date", ("period", "start_date")),
    "buyer.is_contracting_authority": Q(_l("Is the buyer a public body (a contracting authority)?"), "buyer_is_ca", ("parties", "parties-{buyer}-who")),
    "buyer.is_central_government": Q(_l("Is the buyer part of central government (the State)?"), "buyer_is_central", ("parties", "parties-{buyer}-who")),
    "supplier.is_contracting_authority": Q(_l("Is the supplier a public body (a contracting authority)?"), "supplier_is_ca", ("parties", "parties-{supplier}-who")),
    "supplier.activity_for_controllers_pct": Q(_l("How large a share of the supplier's activity is performed for the authorities that control it?"), "supplier_activity_pct"),
    "supplier.activity_basis": Q(_l("What is the supplier's activity share based on: turnover, another measure or a projection?"), "supplier_activity_basis"),
    "supplier.projection_reason": Q(_l("Why are projections used for the supplier's activity share?"), "supplier_projection_reason"),
    "supplier.direct_private_capital": Q(_l("Is there direct private capital in the supplier?"), "supplier_private_capital"),
    "supplier.private_capital_required_by_law_noncontrolling": Q(_l("Is the only private capital in the supplier non-controlling and required by law?"), "supplier_private_capital_by_law"),
    "relationship.control": Q(_l("What control does the buyer have over the supplier?"), "control"),
    "relationship.joint_control.representation_all": Q(_l("Are all the controlling authorities represented in the supplier's decision-making bodies?"), "joint_representation_all"),
    "relationship.joint_control.joint_decisive_influence": Q(_l("Do the controlling authorities jointly have decisive influence over the supplier?"), "joint_decisive_influence"),
    "relationship.joint_control.no_contrary_interests": Q(_l("Does the supplier pursue no interests contrary to those of the controlling authorities?"), "joint_no_contrary_interests"),
    "relationship.inverse_or_sister": Q(_l("Does the supplier control the buyer, or are both controlled by the same authority?"), "inverse_or_sister"),
    "contract.pecuniary": Q(_l("Is the agreement for payment (money, in kind or mutual provision)?"), "pecuniary"),
    "contract.category": Q(_l("What is bought: services, goods or works?"), "category", ("subject", "cpv_codes")),
    "contract.value.base_nok": Q(_l("What is the estimated value for the fixed term (NOK excl. VAT)?"), "base_nok", ("value", "estimated_value")),
    "contract.value.duration_months": Q(_l("How long does the agreement last?"), "duration_months", ("period", "end_date")),
    "cooperation.parties": Q(_l("Which authorities are parties to the cooperation?"), "cooperation_claimed", ("parties", "parties-0-who")),
    "cooperation.private_party_in_contract": Q(_l("Is a private party party to the agreement?"), "private_party", ("parties", "parties-0-legal_type")),
    "cooperation.common_objectives_documented": Q(_l("Are the common objectives of the cooperation documented?"), "common_objectives", ("cooperation", "common_objectives")),
    "cooperation.public_interest_only": Q(_l("Is the cooperation governed only by public-interest considerations?"), "public_interest_only", ("cooperation", "public_interest_only")),
    "cooperation.private_operator_advantaged": Q(_l("Is a private operator placed in a better position than its competitors?"), "private_advantaged", ("cooperation", "private_operator_advantaged")),
    "cooperation.activity_basis": Q(_l("What are the parties' market shares based on: turnover, another measure or a projection?"), "coop_activity_basis", ("cooperation", "activity_basis")),
    "cooperation.projection_reason": Q(_l("Why are projections used for the market shares?"), "coop_projection_reason", ("cooperation", "projection_reason")),
    "cooperation.pricing": Q(_l("How are the parties' costs shared or priced?"), "pricing", ("cooperation", "pricing")),
    "cooperation.third_party_subcontracting": Q(_l("Is the core service subcontracted to a third party?"), "subcontracting", ("cooperation", "third_party_subcontracting")),
    "nav.contracting_side": Q(_l("Which side of the Nav office buys: the state side or the municipal side?"), "nav_side", ("parties", "parties-{buyer}-nav_side")),
    "nav.measure_code": Q(_l("Which Nav measure is it?"), "nav_measure", ("subject", "measure_code")),
    "nav.mode": Q(_l("Is it a single seat or a group?"), "nav_mode"),
    "nav.price_type": Q(_l("Is it a purchase, a grant for an available study place, or without costs?"), "nav_price_type"),
    "nav.needs_assessment_done": Q(_l("Has the needs assessment been done?"), "nav_needs_assessment"),
    "nav.labour_market_need_documented": Q(_l("Is the labour-market need documented?"), "nav_labour_market_need"),
    "participant.age": Q(_l("How old is the participant?"), "participant_age"),
    "participant.integration.status": Q(_l("What is the participant's status under the Integration Act?"), "participant_status"),
    "participant.integration.right_start_date": Q(_l("When did the participant's right arise?"), "participant_right_start"),
    "participant.integration.has_upper_secondary": Q(_l("Does the participant have upper-secondary education or higher?"), "participant_upper_secondary"),
    "participant.integration.min_level_reached": Q(_l("Has the participant reached the minimum level in Norwegian?"), "participant_min_level"),
    "docs.protocol": Q(_l("Has the procurement protocol been written?"), "doc_protocol"),
    "docs.exemption_assessment": Q(_l("Has the assessment of the exemption been written?"), "doc_exemption"),
    "docs.coop_agreement_written": Q(_l("Is the cooperation agreement in writing?"), "doc_coop_agreement"),
    "grant.reciprocal_obligation": Q(_l("Does the recipient take on an obligation in return for the payment?"), "grant_reciprocal"),
    "grant.initiative": Q(_l("Who took the initiative: the authority or the recipient?"), "grant_initiative"),
    "grant.authority_specifies_detail": Q(_l("Does the authority specify the content of the service in detail?"), "grant_specifies_detail"),
    "grant.payment_proportional_to_delivery": Q(_l("Is the payment proportional to what is delivered?"), "grant_proportional"),
    "grant.sanction": Q(_l("Can the authority use contract remedies if the recipient does not deliver?"), "grant_sanction"),
    "grant.standard_terms_open_to_all": Q(_l("Is the grant offered on standard terms open to all who qualify?"), "grant_standard_terms"),
    "transfer.receiver_has_powers": Q(_l("Does the receiver obtain the power to organise the task and its framework?"), "transfer_powers"),
    "transfer.receiver_financial_independence": Q(_l("Is the receiver financially independent?"), "transfer_independence"),
    "transfer.transferor_relinquishes_responsibility": Q(_l("Does the transferring authority give up its responsibility for the task?"), "transfer_relinquishes"),
}

_PARTY_QUESTIONS: dict[str, Any] = {
    "public_service_task": (_l("%(party)s: what is its statutory public task in the cooperation?"), "task", "statutory_task"),
    "contributions": (_l("%(party)s: what does it contribute to the cooperation?"), "contributions", "contributions"),
    "payment_only": (_l("%(party)s: does it contribute only money?"), "payment_only", "payment_only"),
    "open_market_share_pct": (_l("%(party)s: how large a share of the activity is sold on the open market?"), "market_pct", "open_market_share_pct"),
    "name": (_l("%(party)s: what is its name?"), None, "who"),
    "entity_id": (_l("%(party)s: what is its organisation number?"), None, "who"),
}

_PURCHASE_QUESTIONS = {
    "same_need": _l("Earlier purchase no. %(n)d: was it for the same need?"),
    "date": _l("Earlier purchase no. %(n)d: when was it made?"),
    "value_nok": _l("Earlier purchase no. %(n)d: what was its value?"),
}

_INDEXED = re.compile(r"^(cooperation\.parties|related_purchases)\[(\d+)\]\.(\w+)$")


@dataclass(frozen=True)
class Target:
    """Where a question is answered: a rules check field, and/or a wizard (step, field id)."""

    rulecheck: str | None
    wizard: tuple[str, str] | None


Link = Callable[[Target], "str | None"]


def _party_name(facts: dict | None, i: int) -> str:
    parties = ((facts or {}).get("cooperation") or {}).get("parties") if isinstance(facts, dict) else None
    if isinstance(parties, list) and i < len(parties) and isinstance(parties[i], dict):
        name = parties[i].get("name")
        if isinstance(name, str) and name.strip():
            return name.strip()
    return str(_l("Buyer") if i == 0 else _l("Supplier") if i == 1 else _l("Party %(n)s", n=i + 1))


def _readable(path: str) -> str:
    """A label for a path with no question: the fact's label, else its last part in words."""
    if path in FACTS:
        return str(FACTS[path])
    last = re.sub(r"\[\d+\]", "", path).rsplit(".", 1)[-1].replace("_", " ").strip()
    return str(_l("A further fact the rules need: %(fact)s", fact=last or "—"))


def question(path: str, facts: dict | None = None) -> tuple[str, Target]:
    """The question for one fact path, and where it is answered."""
    q = QUESTIONS.get(path)
    if q is not None:
        return str(q.text), Target(q.rulecheck, q.wizard)
    m = _INDEXED.match(path)
    if m and m.group(1) == "cooperation.parties" and m.group(3) in _PARTY_QUESTIONS:
        i = int(m.group(2))
        text, rc, wizard = _PARTY_QUESTIONS[m.group(3)]
        prefix = {0: "buyer", 1: "supplier"}.get(i)
        step = "cooperation" if wizard != "who" else "parties"
        return (str(text % {"party": _party_name(facts, i)}),
                Target(f"{prefix}_{rc}" if prefix and rc else None, (step, f"parties-{i}-{wizard}")))
    if m and m.group(1) == "related_purchases" and m.group(3) in _PURCHASE_QUESTIONS:
        return str(_PURCHASE_QUESTIONS[m.group(3)] % {"n": int(m.group(2)) + 1}), Target("related_purchases", None)
    return _readable(path), Target(None, None)


def ask(paths: list[str] | None, *, facts: dict | None = None, link: Link | None = None) -> list[dict[str, str | None]]:
    """``missing_facts`` as questions ``{"text", "href"}``, in the engine's order, each question once."""
    out: list[dict[str, str | None]] = []
    seen: set[str] = set()
    for path in paths or []:
        if not isinstance(path, str):
            continue
        text, target = question(path, facts)
        if text in seen:
            continue
        seen.add(text)
        out.append({"text": text, "href": link(target) if link else None})
    return out


def rulecheck_link(target: Target) -> str | None:
    """On the rules check page: the field on the same page."""
    return f"#{target.rulecheck}" if target.rulecheck else None


def wizard_link(url_for_step: Callable[[str], str | None], *, buyer: int = 0, supplier: int = 1) -> Link:
    """In the agreement wizard: ``url_for_step(step)`` gives the step's address ("" for the step on screen,
    None for a step the agreement does not have); the field id is the anchor."""
    def link(target: Target) -> str | None:
        if not target.wizard:
            return None
        step, field = target.wizard
        base = url_for_step(step)
        if base is None:
            return None
        return f"{base}#{field.format(buyer=buyer, supplier=supplier)}"
    return link


def clean_message(text: str | None) -> str:
    """An engine message without its pointer to the raw list ("(se missing_facts)"): the questions stand below it."""
    return re.sub(r"\s*\((?:se|see) missing_facts\)", "", text or "")


def shown_findings(findings: list[dict] | None, hidden: tuple[str, ...] | list[str] | None = None) -> list[dict]:
    """The findings to show: those whose rule id starts with one of ``hidden`` (rules that do not apply to the
    kind of agreement) are left out."""
    prefixes = tuple(hidden or ())
    return [f for f in findings or [] if not (prefixes and str(f.get("rule_id", "")).startswith(prefixes))]
