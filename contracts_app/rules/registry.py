"""The rule registry: one small named object per catalog rule id.

Every rule of ``procurement-rules.md`` is registered here under its id, with its citation (shortened
from the catalog) and its messages in Norwegian bokmål and English. A rule that decides something has
``evaluate(facts, ctx)`` returning a :class:`Finding` (or ``None`` when it does not apply to the
facts). A rule that is informational only in the catalog (e.g. EXC-VERT-02 "what control means",
VAL-08 "see THR-11") is a :class:`Reference`: it never fires by itself but its citation is appended
to the findings of the rules that name it in ``cites`` — so every id in the catalog is visible in
the registry and in the citations users read.

Findings are immutable; those whose message has no placeholder are built once per process and
shared, which keeps an assessment cheap. The assessment gets a new dict per finding (:meth:`Finding.as_dict`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from .. import formats
from .vocab import Outcome

if TYPE_CHECKING:
    from .context import Context
    from .facts import Facts

# Outcomes of a finding (see :class:`~.vocab.Outcome`), by their short names for the rule catalogues.
# The engine decides where a finding goes (reasons, warnings, obligations).
MET = Outcome.met  # the rule's condition is established by known facts
NOT_MET = Outcome.not_met  # a known fact makes the condition fail
UNKNOWN = Outcome.unknown  # the condition turns on unknown facts (listed in Finding.missing)
JUDGMENT = Outcome.judgment  # every checkable condition holds; a case-by-case legal judgment decides
INFO = Outcome.info  # an explanation, warning or duty that does not test a condition


@dataclass(slots=True, frozen=True)
class Finding:
    """What one rule found for one set of facts, with its explanation and citation."""

    rule_id: str
    outcome: Outcome
    message: str  # Norwegian bokmål (the product's default language)
    message_en: str
    citation: str
    missing: tuple[str, ...] = ()  # fact paths this finding could not decide without
    decision: str | None = None  # a machine-readable result, e.g. the regime code for THR findings

    def as_dict(self) -> dict[str, str]:
        """The item shape of the assessment's reasons/warnings/obligations (+ ``message_en``): a new dict,
        so every assessment owns its items."""
        return {"rule_id": self.rule_id, "message": self.message, "message_en": self.message_en, "citation": self.citation}


@dataclass(slots=True, frozen=True)
class Pct:
    """Marks a Decimal placeholder value as a percentage (amounts are the default for Decimals)."""

    value: Decimal


def _tuple_nb(value: tuple[str, str]) -> str:
    return value[0]


def _tuple_en(value: tuple[str, str]) -> str:
    return value[1]


# Placeholder formatting by exact type (a dict lookup is cheaper than a chain of isinstance checks).
_NB: dict[type, Callable[[Any], str]] = {
    Decimal: formats.money,
    date: formats.date,
    Pct: lambda p: formats.percent(p.value),
    tuple: _tuple_nb,
    str: str,
    int: str,
}
_EN: dict[type, Callable[[Any], str]] = {
    Decimal: formats.money,
    date: formats.date,
    Pct: lambda p: formats.percent(p.value),
    tuple: _tuple_en,
    str: str,
    int: str,
}


def fmt_nb(value: Any) -> str:
    """Norwegian formatting of a message placeholder value (amount, date, Pct, (nb, en) pair, text)."""
    return _NB.get(type(value), str)(value)


def fmt_en(value: Any) -> str:
    """English formatting of a message placeholder value."""
    return _EN.get(type(value), str)(value)


#: Rendered findings kept per rule (values repeat across a batch: same thresholds, prices, dates).
_FINDING_CACHE_LIMIT = 8192


class _Entry:
    """Attributes shared by rules and references (class-level metadata, no per-instance state)."""

    __slots__ = ()
    rule_id: ClassVar[str]
    family: ClassVar[str]  # THR, VAL, SCOPE, EXC, GRANT, OBL, NAV, INT
    title: ClassVar[str]
    citation: ClassVar[str]
    cites: ClassVar[tuple[str, ...]] = ()  # informational rule ids whose citation is appended

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.rule_id}>"


class Reference(_Entry):
    """An informational catalog entry: it contributes its citation to the rules that cite it."""

    __slots__ = ()
    informational: ClassVar[bool] = True


class Rule(_Entry, ABC):
    """A rule that tests facts. Subclasses define ``messages`` and ``evaluate``.

    ``messages`` maps a key to ``(outcome, nb, en)``; placeholders such as ``{value}`` are filled by
    :meth:`finding` with Norwegian or English formatting of the value (amounts, dates, percentages).
    """

    __slots__ = ()
    informational: ClassVar[bool] = False
    messages: ClassVar[Mapping[str, tuple[str, str, str]]] = {}
    _static: ClassVar[dict[str, Finding]]
    _cache: ClassVar[dict[tuple[Any, ...], Finding]]

    @abstractmethod
    def evaluate(self, facts: Facts, ctx: Context) -> Finding | None:
        """Return this rule's finding for ``facts`` (``ctx`` holds derived values), or ``None`` when
        the rule does not apply to these facts."""

    def finding(
        self, key: str, *, missing: tuple[str, ...] = (), decision: str | None = None, **values: Any
    ) -> Finding:
        """The finding for message ``key`` with ``values`` filled in.

        Findings are immutable, so one object serves every assessment with the same key and values:
        static ones are prebuilt, the others are cached per rule (bounded).
        """
        if not values and not missing and decision is None:
            return self._static[key]
        cache_key = (key, missing, decision, *values.items())
        cache = self._cache
        found = cache.get(cache_key)
        if found is not None:
            return found
        outcome, nb, en = self.messages[key]
        if values:
            nb = nb.format_map({k: fmt_nb(v) for k, v in values.items()})
            en = en.format_map({k: fmt_en(v) for k, v in values.items()})
        found = Finding(self.rule_id, outcome, nb, en, self.citation, missing, decision)
        if len(cache) >= _FINDING_CACHE_LIMIT:
            cache.clear()
        cache[cache_key] = found
        return found


#: The registry, in catalog order once every rule module is imported: rule id -> rule object.
RULES: dict[str, Rule | Reference] = {}


def register(cls: type[Rule] | type[Reference]) -> Rule | Reference:
    """Class decorator: instantiate and register the rule under its id (ids are unique)."""
    if cls.rule_id in RULES:
        raise ValueError(f"duplicate rule id {cls.rule_id}")
    instance = cls()
    RULES[cls.rule_id] = instance
    return instance


def finalize() -> None:
    """Resolve citations of cited references and prebuild static findings (once, after imports)."""
    for entry in RULES.values():
        cls = type(entry)
        if cls.cites and not getattr(cls, "_cites_resolved", False):
            parts: list[str] = []
            for text in (cls.citation, *(RULES[rid].citation for rid in cls.cites)):
                parts.extend(p for p in text.split("; ") if p not in parts)
            cls.citation = "; ".join(parts)
            cls._cites_resolved = True  # type: ignore[attr-defined]
        if isinstance(entry, Rule):
            static: dict[str, Finding] = {}
            for key, (outcome, nb, en) in cls.messages.items():
                if "{" not in nb and "{" not in en:
                    static[key] = Finding(cls.rule_id, outcome, nb, en, cls.citation)
            cls._static = static
            cls._cache = {}
