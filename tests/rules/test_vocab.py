"""The engine's vocabulary (rules/vocab.py): one enum per value list, each value with both labels."""

from __future__ import annotations

import pytest

from contracts_app.rules import evaluate, schema, vocab
from contracts_app.rules.vocab import Category, Control, LegalType, Regime, Term, Verdict

from .facts_factory import make_facts

ENUMS = [cls for cls in vars(vocab).values() if isinstance(cls, type) and issubclass(cls, Term) and cls is not Term]


@pytest.mark.parametrize("enum", ENUMS, ids=lambda cls: cls.__name__)
def test_every_value_has_a_bokmal_and_an_english_label(enum):
    assert len(enum) >= 2
    for member in enum:
        assert type(member.value) is str and member == member.value
        assert member.nb and member.en and member.nb.strip() == member.nb
        assert member.label() == member.label("nb") == member.nb
        assert member.label("en") == member.label("en_GB") == member.en


@pytest.mark.parametrize(
    ("allowed", "enum"),
    [
        (schema.LEGAL_TYPES, vocab.LegalType),
        (schema.CONTROL, vocab.Control),
        (schema.CATEGORIES, vocab.Category),
        (schema.PRICING, vocab.Pricing),
        (schema.ACTIVITY_BASIS, vocab.ActivityBasis),
        (schema.PROJECTION_REASONS, vocab.ProjectionReason),
        (schema.ADVANTAGED, vocab.Advantaged),
        (schema.INITIATIVE, vocab.Initiative),
        (schema.SANCTION, vocab.Sanction),
        (schema.CONTRACTING_SIDE, vocab.ContractingSide),
        (schema.MODE, vocab.NavMode),
        (schema.PRICE_TYPE, vocab.PriceType),
        (schema.INTEGRATION_STATUS, vocab.IntegrationStatus),
    ],
    ids=lambda x: x.__name__ if isinstance(x, type) else "",
)
def test_the_schema_accepts_exactly_the_vocabulary(allowed, enum):
    assert allowed == {member.value for member in enum}
    assert all(type(value) is str for value in allowed)


def test_labels_are_those_of_the_app():
    assert LegalType.municipality.label("en") == "Municipality" and LegalType.municipality.nb == "Kommune"
    assert Control("sole").nb == "Enekontroll"
    assert Category.special_services.label("en").startswith("Special services")
    assert Verdict.needs_assessment.nb == "Krever juridisk vurdering"


@pytest.mark.parametrize(
    ("changes", "verdict", "regime"),
    [
        ({}, Verdict.below_scope, None),
        ({"contract.value.base_nok": 1_000_000}, Verdict.procurement_required, Regime.part_I),
        ({"supplier.entity_id": "889640782"}, Verdict.exempt, None),
    ],
)
def test_the_assessment_carries_plain_strings_of_the_vocabulary(changes, verdict, regime):
    result = evaluate(make_facts(changes))
    assert result["verdict"] == verdict and type(result["verdict"]) is str
    assert result["regime"] == regime
    assert result["regime"] is None or type(result["regime"]) is str
