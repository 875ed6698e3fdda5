"""Validation and normalisation of a facts document (rules-engine contract §2, schema version 1).

Hand-written on purpose: a generic JSON-schema validator costs more than the whole assessment, and
the contract needs details a schema does not express well (``bool`` is not a number, amounts may be
numbers or decimal strings, ``null`` is *unknown*). Every error is collected — not just the first —
with a JSON-path-like ``path`` (``cooperation.parties[1].open_market_share_pct``), and no input of any
shape raises: the result is either typed :class:`~.facts.Facts` or a list of errors.

Error items are ``{"path", "message", "message_en"}``: ``message`` in Norwegian bokmål (the product's
default language, like the findings), ``message_en`` in English.

Unknown fields are ignored (forward compatibility). Python callers may also pass ``Decimal`` amounts
and ``datetime.date`` dates (the app builds facts from its own records); JSON callers use numbers,
decimal strings and ISO ``YYYY-MM-DD`` strings.
"""

from __future__ import annotations

import math
import re
from datetime import date
from decimal import Decimal
from typing import Any

from . import facts as F
from .money import HUNDRED, MAX_AMOUNT, ZERO
from .vocab import (
    ActivityBasis,
    Advantaged,
    Category,
    ContractingSide,
    Control,
    Initiative,
    IntegrationStatus,
    LegalType,
    NavMode,
    PriceType,
    Pricing,
    ProjectionReason,
    Sanction,
)

SCHEMA_VERSION = 1

# The allowed values of each enumerated field, as plain strings (checked with one set lookup).
LEGAL_TYPES = LegalType.values()
CONTROL = Control.values()
CATEGORIES = Category.values()
PRICING = Pricing.values()
ACTIVITY_BASIS = ActivityBasis.values()
PROJECTION_REASONS = ProjectionReason.values()
ADVANTAGED = Advantaged.values()
INITIATIVE = Initiative.values()
SANCTION = Sanction.values()
CONTRACTING_SIDE = ContractingSide.values()
MODE = NavMode.values()
PRICE_TYPE = PriceType.values()
INTEGRATION_STATUS = IntegrationStatus.values()

#: Oldest person the engine accepts (an age above this is a data error, not a fact).
MAX_AGE = 130

_DECIMAL_RE = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_INT_RE = re.compile(r"-?[0-9]+")

_MAX_AMOUNT_INT = int(MAX_AMOUNT)

# Small caches: batches repeat the same amounts and dates, and Decimal()/fromisoformat() cost more
# than a dict lookup. Bounded so a long-running app cannot grow them without limit.
_CACHE_LIMIT = 8192
_int_decimals: dict[int, Decimal] = {}
_str_decimals: dict[str, Decimal] = {}
_dates: dict[str, date] = {}

class FactsError(ValueError):
    """Invalid facts: ``errors`` is the list of ``{"path", "message", "message_en"}`` items."""

    def __init__(self, errors: list[dict[str, str]]):
        self.errors = errors
        first = errors[0] if errors else {"path": "", "message_en": "invalid facts"}
        more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(f"{first['path'] or '<root>'}: {first['message_en']}{more}")


# --- error messages ------------------------------------------------------------------------------

_MESSAGES: dict[str, tuple[str, str]] = {
    "required": ("Feltet er påkrevd.", "This field is required."),
    "object": ("Må være et JSON-objekt.", "Must be a JSON object."),
    "list": ("Må være en liste.", "Must be a list."),
    "string": ("Må være en tekst.", "Must be a string."),
    "blank": ("Kan ikke være tom.", "Must not be empty."),
    "boolean": ("Må være true eller false (eller null for ukjent).", "Must be true or false (or null for unknown)."),
    "number": (
        "Må være et tall eller en desimaltekst som «60000.00» (ikke true/false).",
        'Must be a number or a decimal string such as "60000.00" (not true/false).',
    ),
    "integer": ("Må være et heltall.", "Must be a whole number."),
    "negative": ("Kan ikke være negativ.", "Must not be negative."),
    "too_large": (
        "Beløpet er for stort (høyst 999 999 999 999,99).",
        "The amount is too large (at most 999 999 999 999.99).",
    ),
    "percent": ("Må være en prosent fra 0 til 100.", "Must be a percentage from 0 to 100."),
    "positive_int": ("Må være et positivt heltall.", "Must be a positive whole number."),
    "age": ("Må være en alder fra 0 til 130.", "Must be an age from 0 to 130."),
    "date": ("Må være en dato på formen ÅÅÅÅ-MM-DD.", "Must be a date in the form YYYY-MM-DD."),
    "enum": ("Ukjent verdi {value}. Tillatte verdier: {allowed}.", "Unknown value {value}. Allowed values: {allowed}."),
    "schema_version": (
        "Må være 1 (denne motoren forstår skjemaversjon 1).",
        "Must be 1 (this engine understands schema version 1).",
    ),
}


def error(path: str, code: str, **values: Any) -> dict[str, str]:
    """Build one error item."""
    nb, en = _MESSAGES[code]
    if values:
        nb = nb.format(**values)
        en = en.format(**values)
    return {"path": path, "message": nb, "message_en": en}


def _enum_error(path: str, value: Any, allowed: frozenset[str]) -> dict[str, str]:
    shown = repr(value) if isinstance(value, str) else type(value).__name__
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return error(path, "enum", value=shown, allowed=", ".join(sorted(allowed)))


# --- scalar parsers: (value, prefix, key, errors) -> parsed | None ------------------------------
# The path is only built when there is an error: most documents are valid.


def _bool(v: Any, prefix: str, key: str, errors: list) -> bool | None:
    if v is None or v is True or v is False:
        return v
    errors.append(error(prefix + key, "boolean"))
    return None


def _enum(v: Any, allowed: frozenset[str], prefix: str, key: str, errors: list) -> str | None:
    if v is None:
        return None
    if type(v) is str and v in allowed:
        return v
    errors.append(_enum_error(prefix + key, v, allowed))
    return None


def _text(v: Any, prefix: str, key: str, errors: list) -> str | None:
    if v is None or type(v) is str:
        return v
    errors.append(error(prefix + key, "string"))
    return None


def _number(v: Any, prefix: str, key: str, errors: list) -> Decimal | None:
    """A non-negative finite number: JSON number, decimal string, or Decimal. Never bool or float NaN."""
    tv = type(v)
    if tv is int:
        d = _int_decimals.get(v)
        if d is not None:
            return d
        if v < 0:
            errors.append(error(prefix + key, "negative"))
            return None
        if v > _MAX_AMOUNT_INT:
            errors.append(error(prefix + key, "too_large"))
            return None
        d = Decimal(v)
        if len(_int_decimals) < _CACHE_LIMIT:
            _int_decimals[v] = d
        return d
    if tv is str:
        d = _str_decimals.get(v)
        if d is not None:
            return d
        if len(v) > 40 or _DECIMAL_RE.fullmatch(v) is None:
            errors.append(error(prefix + key, "number"))
            return None
        d = Decimal(v)
        if d < 0:
            errors.append(error(prefix + key, "negative"))
            return None
        if d > MAX_AMOUNT:
            errors.append(error(prefix + key, "too_large"))
            return None
        if not d:
            d = ZERO  # "-0" and "0.00" are zero: never print "-0.00"
        if len(_str_decimals) < _CACHE_LIMIT:
            _str_decimals[v] = d
        return d
    if tv is float:
        if not math.isfinite(v):
            errors.append(error(prefix + key, "number"))
            return None
        if v < 0:
            errors.append(error(prefix + key, "negative"))
            return None
        if v > _MAX_AMOUNT_INT:
            errors.append(error(prefix + key, "too_large"))
            return None
        return Decimal(repr(v)) if v else ZERO
    if tv is Decimal:
        if not v.is_finite():
            errors.append(error(prefix + key, "number"))
            return None
        if v < 0:
            errors.append(error(prefix + key, "negative"))
            return None
        if v > MAX_AMOUNT:
            errors.append(error(prefix + key, "too_large"))
            return None
        return v if v else ZERO
    if v is not None:
        errors.append(error(prefix + key, "number"))
    return None


def _percent(v: Any, prefix: str, key: str, errors: list) -> Decimal | None:
    """A percentage 0–100 (same input forms as amounts)."""
    if v is None:
        return None
    problems: list[dict[str, str]] = []
    d = _number(v, prefix, key, problems)
    if problems:
        # A wrong type keeps its message; a negative or huge number gets the one range message.
        wrong_type = problems[0]["message_en"] == _MESSAGES["number"][1]
        errors.append(problems[0] if wrong_type else error(prefix + key, "percent"))
        return None
    if d is not None and d > HUNDRED:
        errors.append(error(prefix + key, "percent"))
        return None
    return d


def _integer(v: Any, prefix: str, key: str, errors: list) -> int | None:
    """A whole number: JSON integer, integral float (12.0) or digit string; never bool."""
    tv = type(v)
    if tv is int:
        return v
    if v is None:
        return None
    if tv is float and math.isfinite(v) and v.is_integer() and abs(v) < 1e15:
        return int(v)
    if tv is str and len(v) < 16 and _INT_RE.fullmatch(v):
        return int(v)
    if tv is Decimal and v.is_finite() and v == v.to_integral_value() and abs(v) < 10**15:
        return int(v)
    errors.append(error(prefix + key, "integer"))
    return None


def _date(v: Any, prefix: str, key: str, errors: list) -> date | None:
    if v is None:
        return None
    if type(v) is str:
        d = _dates.get(v)
        if d is not None:
            return d
        if len(v) == 10 and _DATE_RE.fullmatch(v):
            try:
                d = date.fromisoformat(v)
            except ValueError:
                d = None
            if d is not None:
                if len(_dates) < _CACHE_LIMIT:
                    _dates[v] = d
                return d
    elif type(v) is date:
        return v
    errors.append(error(prefix + key, "date"))
    return None


def _amount_list(v: Any, prefix: str, key: str, errors: list) -> tuple[Decimal, ...] | None:
    if v is None:
        return None
    if not isinstance(v, (list, tuple)):
        errors.append(error(prefix + key, "list"))
        return None
    out = []
    for i, item in enumerate(v):
        if item is None:
            errors.append(error(f"{prefix}{key}[{i}]", "number"))
            continue
        d = _number(item, prefix, f"{key}[{i}]", errors)
        if d is not None:
            out.append(d)
    return tuple(out)


_STR_ONLY = frozenset({str})


def _text_list(v: Any, prefix: str, key: str, errors: list) -> tuple[str, ...] | None:
    if v is None:
        return None
    if not isinstance(v, (list, tuple)):
        errors.append(error(prefix + key, "list"))
        return None
    if _STR_ONLY.issuperset(map(type, v)):  # the usual case, checked in C
        return tuple(v)
    for i, item in enumerate(v):
        if type(item) is not str:
            errors.append(error(f"{prefix}{key}[{i}]", "string"))
            return None
    return tuple(v)


# --- blocks --------------------------------------------------------------------------------------
# Straight-line code on purpose: these functions run for every assessment, and an inline identity
# test (``v is not None and v is not True and v is not False``) costs a fraction of a helper call.
# Optional fields are usually absent, so the helpers for amounts and dates are only called for
# values that are present.


def _party(v: Any, prefix: str, errors: list) -> F.Party | None:
    """A required party (buyer or supplier); ``prefix`` is ``"buyer."`` or ``"supplier."``."""
    if v is None:
        errors.append(error(prefix[:-1], "required"))
        return None
    if not isinstance(v, dict):
        errors.append(error(prefix[:-1], "object"))
        return None
    g = v.get
    n = len(errors)
    name = g("name")
    if type(name) is not str or not name or name.isspace():
        errors.append(error(prefix + "name", "required" if name is None else "string" if type(name) is not str else "blank"))
    entity_id = g("entity_id")
    entity_key = ""
    if type(entity_id) is str:
        entity_key = _entity_keys.get(entity_id) or _entity_key(entity_id)
        if not entity_key:
            errors.append(error(prefix + "entity_id", "blank"))
    else:
        errors.append(error(prefix + "entity_id", "required" if entity_id is None else "string"))
    legal_type = g("legal_type")
    if legal_type is not None and (type(legal_type) is not str or legal_type not in LEGAL_TYPES):
        errors.append(_enum_error(prefix + "legal_type", legal_type, LEGAL_TYPES))
    is_ca = g("is_contracting_authority")
    if is_ca is not None and is_ca is not True and is_ca is not False:
        errors.append(error(prefix + "is_contracting_authority", "boolean"))
    is_central = g("is_central_government")
    if is_central is not None and is_central is not True and is_central is not False:
        errors.append(error(prefix + "is_central_government", "boolean"))
    private_capital = g("direct_private_capital")
    if private_capital is not None and private_capital is not True and private_capital is not False:
        errors.append(error(prefix + "direct_private_capital", "boolean"))
    by_law = g("private_capital_required_by_law_noncontrolling")
    if by_law is not None and by_law is not True and by_law is not False:
        errors.append(error(prefix + "private_capital_required_by_law_noncontrolling", "boolean"))
    activity = g("activity_for_controllers_pct")
    if activity is not None:
        activity = _percent(activity, prefix, "activity_for_controllers_pct", errors)
    basis = g("activity_basis")
    if basis is not None and (type(basis) is not str or basis not in ACTIVITY_BASIS):
        errors.append(_enum_error(prefix + "activity_basis", basis, ACTIVITY_BASIS))
    established = g("established")
    if established is not None:
        established = _date(established, prefix, "established", errors)
    reason = g("projection_reason")
    if reason is not None and (type(reason) is not str or reason not in PROJECTION_REASONS):
        errors.append(_enum_error(prefix + "projection_reason", reason, PROJECTION_REASONS))
    if len(errors) != n:
        return None
    return F.Party(
        name, entity_id, entity_key, legal_type, is_ca, is_central, private_capital, by_law, activity, basis, established,
        reason,
    )


def _relationship(v: Any, errors: list) -> F.Relationship | None:
    if v is None:
        return None
    if not isinstance(v, dict):
        errors.append(error("relationship", "object"))
        return None
    g = v.get
    control = g("control")
    if control is not None and (type(control) is not str or control not in CONTROL):
        errors.append(_enum_error("relationship.control", control, CONTROL))
        control = None
    if control == Control.unknown:
        control = None
    jc = g("joint_control")
    joint: F.JointControl | None = None
    if jc is not None:
        if isinstance(jc, dict):
            p = "relationship.joint_control."
            jg = jc.get
            joint = F.JointControl(
                _bool(jg("representation_all"), p, "representation_all", errors),
                _bool(jg("joint_decisive_influence"), p, "joint_decisive_influence", errors),
                _bool(jg("no_contrary_interests"), p, "no_contrary_interests", errors),
            )
        else:
            errors.append(error("relationship.joint_control", "object"))
    inverse = g("inverse_or_sister")
    if inverse is not None and inverse is not True and inverse is not False:
        errors.append(error("relationship.inverse_or_sister", "boolean"))
        inverse = None
    return F.Relationship(control, joint, inverse)


def _value(v: Any, errors: list) -> F.ContractValue:
    if v is None:
        return F.EMPTY_VALUE
    if not isinstance(v, dict):
        errors.append(error("contract.value", "object"))
        return F.EMPTY_VALUE
    g = v.get
    p = "contract.value."
    base = g("base_nok")
    if base is not None:
        base = _number(base, p, "base_nok", errors)
    options = g("options_nok")
    options = ZERO if options is None else _number(options, p, "options_nok", errors) or ZERO
    extensions = g("extensions_nok")
    extensions = ZERO if extensions is None else _number(extensions, p, "extensions_nok", errors) or ZERO
    monthly = g("monthly_nok")
    if monthly is not None:
        monthly = _number(monthly, p, "monthly_nok", errors)
    duration = g("duration_months")
    if duration is not None:
        duration = _integer(duration, p, "duration_months", errors)
        if duration is not None and duration < 1:
            errors.append(error(p + "duration_months", "positive_int"))
            duration = None
    framework = g("framework_max_nok")
    if framework is not None:
        framework = _number(framework, p, "framework_max_nok", errors)
    return F.ContractValue(base, options, extensions, monthly, duration, framework)


def _contract(v: Any, errors: list) -> F.Contract:
    if v is None:
        return F.EMPTY_CONTRACT
    if not isinstance(v, dict):
        errors.append(error("contract", "object"))
        return F.EMPTY_CONTRACT
    g = v.get
    pecuniary = g("pecuniary")
    if pecuniary is not None and pecuniary is not True and pecuniary is not False:
        errors.append(error("contract.pecuniary", "boolean"))
        pecuniary = None
    category = g("category")
    if category is not None and (type(category) is not str or category not in CATEGORIES):
        errors.append(_enum_error("contract.category", category, CATEGORIES))
        category = None
    cpv = g("cpv")
    if cpv is not None:
        cpv = _text_list(cpv, "contract.", "cpv", errors)
    lots = g("lots_nok")
    if lots is not None:
        lots = _amount_list(lots, "contract.", "lots_nok", errors)
    return F.Contract(pecuniary, category, cpv or (), _value(g("value"), errors), lots)


def _related(v: Any, errors: list) -> tuple[F.RelatedPurchase, ...]:
    if v is None:
        return ()
    if not isinstance(v, (list, tuple)):
        errors.append(error("related_purchases", "list"))
        return ()
    out = []
    for i, item in enumerate(v):
        if not isinstance(item, dict):
            errors.append(error(f"related_purchases[{i}]", "object"))
            continue
        g = item.get
        value = g("value_nok")
        day = g("date")
        same_need = g("same_need")
        count = g("count")
        # Fast path: the usual shape (an int amount, a cached date string, a boolean, no count).
        if (
            count is None
            and type(value) is int
            and value in _int_decimals
            and type(day) is str
            and day in _dates
            and (same_need is True or same_need is False)
        ):
            out.append(F.RelatedPurchase(_int_decimals[value], _dates[day], same_need))
            continue
        prefix = f"related_purchases[{i}]."
        if value is not None:
            value = _number(value, prefix, "value_nok", errors)
        if day is not None:
            day = _date(day, prefix, "date", errors)
        if same_need is not None and same_need is not True and same_need is not False:
            errors.append(error(prefix + "same_need", "boolean"))
            same_need = None
        if count is None:
            count = 1
        elif type(count) is not int or not 1 <= count <= 1_000_000:
            errors.append(error(prefix + "count", "integer"))
            count = 1
        out.append(F.RelatedPurchase(value, day, same_need, count))
    return tuple(out)


def _blank_to_none(text: str | None) -> str | None:
    return text if text is None or text.strip() else None


def _cooperation(v: Any, errors: list) -> F.Cooperation | None:
    if v is None:
        return None
    if not isinstance(v, dict):
        errors.append(error("cooperation", "object"))
        return None
    g = v.get
    p = "cooperation."
    raw_parties = g("parties")
    parties: tuple[F.CoopParty, ...] | None = None
    if raw_parties is not None:
        if isinstance(raw_parties, (list, tuple)):
            items = []
            for i, item in enumerate(raw_parties):
                prefix = f"cooperation.parties[{i}]."
                if not isinstance(item, dict):
                    errors.append(error(prefix[:-1], "object"))
                    continue
                pg = item.get
                coop_name = _text(pg("name"), prefix, "name", errors)
                coop_entity = _text(pg("entity_id"), prefix, "entity_id", errors)
                items.append(
                    F.CoopParty(
                        coop_name,
                        coop_entity,
                        (_entity_key(coop_entity) or None) if coop_entity is not None else None,
                        _blank_to_none(_text(pg("public_service_task"), prefix, "public_service_task", errors)),
                        _text_list(pg("contributions"), prefix, "contributions", errors),
                        _bool(pg("payment_only"), prefix, "payment_only", errors),
                        _percent(pg("open_market_share_pct"), prefix, "open_market_share_pct", errors),
                    )
                )
            parties = tuple(items)
        else:
            errors.append(error("cooperation.parties", "list"))
    return F.Cooperation(
        parties,
        _bool(g("private_party_in_contract"), p, "private_party_in_contract", errors),
        _bool(g("common_objectives_documented"), p, "common_objectives_documented", errors),
        _bool(g("public_interest_only"), p, "public_interest_only", errors),
        _enum(g("pricing"), PRICING, p, "pricing", errors),
        _enum(g("activity_basis"), ACTIVITY_BASIS, p, "activity_basis", errors),
        _enum(g("private_operator_advantaged"), ADVANTAGED, p, "private_operator_advantaged", errors),
        _bool(g("third_party_subcontracting"), p, "third_party_subcontracting", errors),
        _enum(g("projection_reason"), PROJECTION_REASONS, p, "projection_reason", errors),
    )


def _transfer(v: Any, errors: list) -> F.Transfer | None:
    if v is None:
        return None
    if not isinstance(v, dict):
        errors.append(error("transfer", "object"))
        return None
    g = v.get
    p = "transfer."
    return F.Transfer(
        _bool(g("receiver_has_powers"), p, "receiver_has_powers", errors),
        _bool(g("receiver_financial_independence"), p, "receiver_financial_independence", errors),
        _bool(g("transferor_relinquishes_responsibility"), p, "transferor_relinquishes_responsibility", errors),
    )


def _grant(v: Any, errors: list) -> F.Grant | None:
    if v is None:
        return None
    if not isinstance(v, dict):
        errors.append(error("grant", "object"))
        return None
    g = v.get
    p = "grant."
    return F.Grant(
        _enum(g("initiative"), INITIATIVE, p, "initiative", errors),
        _bool(g("reciprocal_obligation"), p, "reciprocal_obligation", errors),
        _bool(g("authority_specifies_detail"), p, "authority_specifies_detail", errors),
        _bool(g("payment_proportional_to_delivery"), p, "payment_proportional_to_delivery", errors),
        _enum(g("sanction"), SANCTION, p, "sanction", errors),
        _bool(g("standard_terms_open_to_all"), p, "standard_terms_open_to_all", errors),
    )


def _nav(v: Any, errors: list) -> F.Nav | None:
    if v is None:
        return None
    if not isinstance(v, dict):
        errors.append(error("nav", "object"))
        return None
    g = v.get
    side = g("contracting_side")
    if side is not None and (type(side) is not str or side not in CONTRACTING_SIDE):
        errors.append(_enum_error("nav.contracting_side", side, CONTRACTING_SIDE))
        side = None
    measure = g("measure_code")
    if measure is not None:
        if type(measure) is str:
            measure = _measure_code(measure)
        else:
            errors.append(error("nav.measure_code", "string"))
            measure = None
    mode = g("mode")
    if mode is not None and (type(mode) is not str or mode not in MODE):
        errors.append(_enum_error("nav.mode", mode, MODE))
        mode = None
    price_type = g("price_type")
    if price_type is not None and (type(price_type) is not str or price_type not in PRICE_TYPE):
        errors.append(_enum_error("nav.price_type", price_type, PRICE_TYPE))
        price_type = None
    needs = g("needs_assessment_done")
    if needs is not None and needs is not True and needs is not False:
        errors.append(error("nav.needs_assessment_done", "boolean"))
        needs = None
    documented = g("labour_market_need_documented")
    if documented is not None and documented is not True and documented is not False:
        errors.append(error("nav.labour_market_need_documented", "boolean"))
        documented = None
    return F.Nav(side, measure, mode, price_type, needs, documented)


#: Normalised forms of identifiers as sent (documents repeat the same few organisations and codes).
_entity_keys: dict[str, str] = {}
_measure_codes: dict[str, str | None] = {}


def _entity_key(entity_id: str) -> str:
    """What "same legal entity" compares: the id without whitespace, upper case ("889 640 782")."""
    key = _entity_keys.get(entity_id)
    if key is None:
        key = "".join(entity_id.split()).upper()
        if len(_entity_keys) < _CACHE_LIMIT and len(entity_id) <= 64:
            _entity_keys[entity_id] = key
    return key


def _measure_code(code: str) -> str | None:
    """Nav measure codes are compared upper case without surrounding whitespace; blank is unknown."""
    if code in _measure_codes:
        return _measure_codes[code]
    normalised = code.strip().upper() or None
    if len(_measure_codes) < _CACHE_LIMIT and len(code) <= 64:
        _measure_codes[code] = normalised
    return normalised


def _participant(v: Any, errors: list) -> F.Participant | None:
    if v is None:
        return None
    if not isinstance(v, dict):
        errors.append(error("participant", "object"))
        return None
    g = v.get
    age = g("age")
    if age is not None:
        age = _integer(age, "participant.", "age", errors)
        if age is not None and not 0 <= age <= MAX_AGE:
            errors.append(error("participant.age", "age"))
            age = None
    raw = g("integration")
    integration: F.Integration | None = None
    if raw is not None:
        if isinstance(raw, dict):
            ig = raw.get
            p = "participant.integration."
            status = ig("status")
            if status is not None and (type(status) is not str or status not in INTEGRATION_STATUS):
                errors.append(_enum_error(p + "status", status, INTEGRATION_STATUS))
            start = ig("right_start_date")
            if start is not None:
                start = _date(start, p, "right_start_date", errors)
            upper = ig("has_upper_secondary")
            if upper is not None and upper is not True and upper is not False:
                errors.append(error(p + "has_upper_secondary", "boolean"))
            leave = ig("approved_leave_months")
            if leave is not None:
                leave = _number(leave, p, "approved_leave_months", errors)
            level = ig("min_level_reached")
            if level is not None and level is not True and level is not False:
                errors.append(error(p + "min_level_reached", "boolean"))
            integration = F.Integration(status, start, upper, ZERO if leave is None else leave, level)
        else:
            errors.append(error("participant.integration", "object"))
    return F.Participant(age, integration)


def _docs(v: Any, errors: list) -> F.Docs:
    if v is None:
        return F.EMPTY_DOCS
    if not isinstance(v, dict):
        errors.append(error("docs", "object"))
        return F.EMPTY_DOCS
    g = v.get
    protocol = g("protocol")
    assessment = g("exemption_assessment")
    agreement = g("coop_agreement_written")
    if protocol is not None and protocol is not True and protocol is not False:
        errors.append(error("docs.protocol", "boolean"))
    if assessment is not None and assessment is not True and assessment is not False:
        errors.append(error("docs.exemption_assessment", "boolean"))
    if agreement is not None and agreement is not True and agreement is not False:
        errors.append(error("docs.coop_agreement_written", "boolean"))
    return F.Docs(protocol, assessment, agreement)


def parse_facts(doc: Any) -> tuple[F.Facts | None, list[dict[str, str]]]:
    """Validate ``doc`` and return ``(facts, [])`` or ``(None, errors)``; never raises for any input."""
    if not isinstance(doc, dict):
        return None, [error("", "object")]
    errors: list[dict[str, str]] = []
    g = doc.get
    version = g("schema_version")
    if version is None:
        errors.append(error("schema_version", "required"))
    elif type(version) is not int or version != SCHEMA_VERSION:
        errors.append(error("schema_version", "schema_version"))
    ref = g("reference_date")
    reference_date = _dates.get(ref) if type(ref) is str else None
    if reference_date is None:
        if ref is None:
            errors.append(error("reference_date", "required"))
        else:
            reference_date = _date(ref, "", "reference_date", errors)
    buyer = _party(g("buyer"), "buyer.", errors)
    supplier = _party(g("supplier"), "supplier.", errors)
    raw = g("relationship")
    relationship = None if raw is None else _relationship(raw, errors)
    contract = _contract(g("contract"), errors)
    raw = g("related_purchases")
    related = () if raw is None or (type(raw) is list and not raw) else _related(raw, errors)
    raw = g("cooperation")
    cooperation = None if raw is None else _cooperation(raw, errors)
    raw = g("transfer")
    transfer = None if raw is None else _transfer(raw, errors)
    raw = g("grant")
    grant = None if raw is None else _grant(raw, errors)
    raw = g("nav")
    nav = None if raw is None else _nav(raw, errors)
    raw = g("participant")
    participant = None if raw is None else _participant(raw, errors)
    raw = g("docs")
    docs = F.EMPTY_DOCS if raw is None else _docs(raw, errors)
    if errors:
        return None, errors
    return (
        F.Facts(
            SCHEMA_VERSION,
            reference_date,
            buyer,
            supplier,
            relationship,
            contract,
            related,
            cooperation,
            transfer,
            grant,
            nav,
            participant,
            docs,
        ),
        errors,
    )
