"""Facts builders for the rules-engine tests.

``make_facts({"contract.value.base_nok": 1_300_000, "buyer.is_central_government": False})`` starts from
the contract's worked example (Nav's state side buys one Norwegian-course seat from a municipality
for 60 000 NOK) and sets dotted paths; ``None`` values are kept (null = unknown) and the special
value :data:`DELETE` removes a key. Tests state only what differs from the example.
"""

from __future__ import annotations

import copy
from typing import Any

from contracts_app.rules import evaluate

DELETE = object()

NAV_STATE = {
    "name": "Arbeids- og velferdsetaten",
    "entity_id": "889640782",
    "legal_type": "state",
    "is_contracting_authority": True,
    "is_central_government": True,
}
MUNICIPALITY = {
    "name": "Eksempel kommune",
    "entity_id": "NO-MUNI-EKS",
    "legal_type": "municipality",
    "is_contracting_authority": True,
    "is_central_government": False,
    "direct_private_capital": False,
}

WORKED_EXAMPLE: dict[str, Any] = {
    "schema_version": 1,
    "reference_date": "2026-03-02",
    "buyer": NAV_STATE,
    "supplier": MUNICIPALITY,
    "relationship": {"control": "none"},
    "contract": {
        "pecuniary": True,
        "category": "special_services",
        "cpv": ["80580000-3"],
        "value": {"base_nok": 60000},
    },
    "related_purchases": [],
    "nav": {
        "contracting_side": "state",
        "measure_code": "NORSKOPPLAERING_GRUNNLEGGENDE_FERDIGHETER_FOV",
        "mode": "enkeltplass",
        "price_type": "anskaffelse",
        "needs_assessment_done": True,
        "labour_market_need_documented": True,
    },
}

#: A plain purchase by a municipality from a private company (no Nav block, no claims).
PLAIN_PURCHASE: dict[str, Any] = {
    "schema_version": 1,
    "reference_date": "2026-03-02",
    "buyer": {
        "name": "Kommune A",
        "entity_id": "964000001",
        "legal_type": "municipality",
        "is_contracting_authority": True,
        "is_central_government": False,
    },
    "supplier": {
        "name": "Leverandør AS",
        "entity_id": "999000001",
        "legal_type": "private",
        "is_contracting_authority": False,
        "direct_private_capital": True,
    },
    "contract": {"pecuniary": True, "category": "services_ordinary", "value": {"base_nok": 500000}},
}


#: entity_id of :func:`municipal_pair`'s buyer and supplier (the default parties of :func:`cooperation`).
MUNICIPAL_BUYER_ID = "964000001"
MUNICIPAL_SUPPLIER_ID = "964000002"


def set_path(doc: dict[str, Any], path: str, value: Any) -> None:
    """Set ``a.b[1].c`` in ``doc`` (creating dicts on the way); :data:`DELETE` removes the key."""
    parts = path.replace("]", "").replace("[", ".").split(".")
    node: Any = doc
    for part in parts[:-1]:
        key: Any = int(part) if part.isdigit() else part
        if isinstance(node, dict) and (key not in node or node[key] is None):
            node[key] = {}
        node = node[key]
    last: Any = int(parts[-1]) if parts[-1].isdigit() else parts[-1]
    if value is DELETE:
        node.pop(last, None)
    else:
        node[last] = value


def make_facts(changes: dict[str, Any] | None = None, base: dict[str, Any] | None = None) -> dict[str, Any]:
    """A deep copy of ``base`` (default: the worked example) with dotted-path ``changes`` applied."""
    doc = copy.deepcopy(WORKED_EXAMPLE if base is None else base)
    for path, value in (changes or {}).items():
        set_path(doc, path, value if value is DELETE else copy.deepcopy(value))
    return doc


def plain(changes: dict[str, Any] | None = None) -> dict[str, Any]:
    """:data:`PLAIN_PURCHASE` with changes."""
    return make_facts(changes, PLAIN_PURCHASE)


def seats(*dates: str, value: Any = 60000, same_need: Any = True) -> list[dict[str, Any]]:
    """Related purchases: one earlier seat per date."""
    return [{"value_nok": value, "date": d, "same_need": same_need} for d in dates]


def ids(assessment: dict[str, Any], section: str = "reasons") -> list[str]:
    """Rule ids of one section of an assessment, in order."""
    return [item["rule_id"] for item in assessment[section]]


def all_ids(assessment: dict[str, Any]) -> set[str]:
    """Rule ids in reasons, warnings and obligations."""
    return {i for s in ("reasons", "warnings", "obligations") for i in ids(assessment, s)}


def run(changes: dict[str, Any] | None = None, base: dict[str, Any] | None = None) -> dict[str, Any]:
    """Evaluate the worked example (or ``base``) with ``changes``."""
    return evaluate(make_facts(changes, base))


def cooperation(
    *,
    shares: tuple[Any, ...] = (0, 5),
    payment_only: tuple[Any, ...] = (False, False),
    contributions: tuple[Any, ...] = (["lærere", "lokaler"], ["praksisplasser", "veiledere"]),
    tasks: tuple[Any, ...] = ("voksenopplæring (opplæringsloven)", "arbeidsmarkedstiltak (NAV-loven)"),
    entity_ids: tuple[Any, ...] = (MUNICIPAL_BUYER_ID, MUNICIPAL_SUPPLIER_ID),
    **overrides: Any,
) -> dict[str, Any]:
    """A cooperation block where every EXC-HOR condition holds unless overridden.

    The parties are :func:`municipal_pair`'s buyer and supplier (by ``entity_id``, EXC-HOR-01); pass
    ``entity_ids`` for other parties (``None`` = unknown).
    """
    block: dict[str, Any] = {
        "parties": [
            {
                "name": f"Part {i + 1}",
                "entity_id": entity_ids[i] if i < len(entity_ids) else f"P{i + 1}",
                "public_service_task": tasks[i],
                "contributions": contributions[i],
                "payment_only": payment_only[i],
                "open_market_share_pct": shares[i],
            }
            for i in range(len(shares))
        ],
        "private_party_in_contract": False,
        "common_objectives_documented": True,
        "public_interest_only": True,
        "pricing": "own_costs_each",
        "activity_basis": "avg_turnover_3y",
        "private_operator_advantaged": "no",
        "third_party_subcontracting": False,
    }
    block.update(overrides)
    return block


def municipal_pair(changes: dict[str, Any] | None = None) -> dict[str, Any]:
    """Two municipalities (no Nav block): the setting of horizontal cooperation and in-house cases."""
    base = {
        "schema_version": 1,
        "reference_date": "2026-03-02",
        "buyer": {
            "name": "Kommune A",
            "entity_id": MUNICIPAL_BUYER_ID,
            "legal_type": "municipality",
            "is_contracting_authority": True,
            "is_central_government": False,
        },
        "supplier": {
            "name": "Kommune B",
            "entity_id": MUNICIPAL_SUPPLIER_ID,
            "legal_type": "municipality",
            "is_contracting_authority": True,
            "is_central_government": False,
            "direct_private_capital": False,
        },
        "contract": {"pecuniary": True, "category": "special_services", "value": {"base_nok": 900000}},
    }
    return make_facts(changes, base)
