"""The wizard's party field: find registered units and legal persons by what people type (a name, an
organisation number, a municipality), a bounded number at a time, and resolve what a form posts to one of them.

A party is named by a key: ``u:<unit id>`` (a registered unit, acting for its legal person) or ``e:<legal entity
id>`` (a legal person itself). The field shows a label — "Unit (Legal person)" for a unit, "Legal person
(organisation number)" for a legal person — and posts both the text and, when picked from the suggestions, the
key. Reads only."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload

from ..organisations import places
from ..organisations.models import LegalEntity, Unit

LIMIT = 20  # suggestions per search
SHOWN_CANDIDATES = 5  # named in the message for an ambiguous text
MAX_TEXT = 200
_KEY = re.compile(r"^([ue]):(\d{1,9})$")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Candidate:
    key: str  # "u:12" / "e:3"
    label: str  # what the field shows and what typing it back resolves to
    detail: str  # organisation number and municipality, shown under the label in the suggestions
    name: str = ""  # the unit's or legal person's name alone


def norm(text: str) -> str:
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text or "").casefold()).strip()


def unit_label(unit: Unit) -> str:
    return f"{unit.name} ({unit.legal_entity.name})"


def entity_label(entity: LegalEntity) -> str:
    return f"{entity.name} ({entity.org_number})"


def _place(number: str | None) -> str:
    found = places.places().municipalities.get(number or "")
    return found.name if found else ""


def _unit(u: Unit) -> Candidate:
    detail = " · ".join(x for x in (u.legal_entity.org_number, _place(u.municipality_number)) if x)
    return Candidate(f"u:{u.id}", unit_label(u), detail, u.name)


def _entity(e: LegalEntity) -> Candidate:
    detail = " · ".join(x for x in (e.org_number, _place(e.municipality_number)) if x)
    return Candidate(f"e:{e.id}", entity_label(e), detail, e.name)


def _municipality_numbers(text: str) -> list[str]:
    t = norm(text)
    if len(t) < 2:
        return []
    return [m.number for m in places.municipalities() if norm(m.name).startswith(t)][:50]


def search(session: Session, text: str, *, limit: int = LIMIT) -> tuple[list[Candidate], bool]:
    """Active units, then legal persons, whose name contains ``text``, whose organisation number starts with its
    digits, or that lie in a municipality whose name starts with it; at most ``limit`` (and whether there were
    more). Two statements whatever the number of rows."""
    text = (text or "").strip()[:MAX_TEXT]
    if not text:
        return [], False
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    digits = re.sub(r"\s", "", text)
    numbers = _municipality_numbers(text)

    def matching(model, *extra):
        conds = [func.lower(model.name).like(pattern.lower(), escape="\\"), *extra]
        if numbers:
            conds.append(model.municipality_number.in_(numbers))
        return or_(*conds)

    entity_by_number = [LegalEntity.org_number.startswith(digits)] if digits.isdigit() else []
    unit_by_number = [Unit.legal_entity.has(LegalEntity.org_number.startswith(digits))] if digits.isdigit() else []
    units = session.scalars(
        select(Unit).options(joinedload(Unit.legal_entity)).where(Unit.is_active.is_(True), matching(Unit, *unit_by_number))
        .order_by(Unit.name, Unit.id).limit(limit + 1)).unique().all()
    found = [_unit(u) for u in units]
    if len(found) <= limit:
        entities = session.scalars(select(LegalEntity).where(matching(LegalEntity, *entity_by_number))
                                   .order_by(LegalEntity.name, LegalEntity.id).limit(limit + 1 - len(found))).all()
        found += [_entity(e) for e in entities]
    return found[:limit], len(found) > limit


def labels(session: Session, keys: list[str]) -> dict[str, str]:
    """The label of each valid key (two statements at most)."""
    ids = {"u": set(), "e": set()}
    for key in keys:
        m = _KEY.match(key or "")
        if m:
            ids[m.group(1)].add(int(m.group(2)))
    out: dict[str, str] = {}
    if ids["u"]:
        for u in session.scalars(select(Unit).options(joinedload(Unit.legal_entity)).where(Unit.id.in_(ids["u"]))).unique():
            out[f"u:{u.id}"] = unit_label(u)
    if ids["e"]:
        for e in session.scalars(select(LegalEntity).where(LegalEntity.id.in_(ids["e"]))):
            out[f"e:{e.id}"] = entity_label(e)
    return out


class Unresolved(ValueError):
    """What was typed names no registered party (``candidates`` empty) or several (``candidates``: their labels)."""

    def __init__(self, candidates: list[str] = ()):
        super().__init__(", ".join(candidates))
        self.candidates = list(candidates)


def resolve(session: Session, text: str, key: str | None = None) -> str:
    """The key the field names: "" for an empty field (an organisation typed in below); the posted ``key`` when the
    text is still its label (picked from the suggestions); a key typed as such ("u:12"); else the one party whose
    label, name or organisation number is the text, or the one whose name contains it. Raises
    :class:`Unresolved` for none or several."""
    text = (text or "").strip()[:MAX_TEXT]
    if not text:
        return ""
    if _KEY.match(text):
        return text
    if key and _KEY.match(key) and norm(labels(session, [key]).get(key, "")) == norm(text):
        return key
    wanted = norm(text)
    # a label "Name (legal person)": search by the name (a label equal to the text decides among those found)
    name = norm(text.split(" (", 1)[0]) or wanted
    found, more = search(session, name, limit=LIMIT)
    exact = [c for c in found if norm(c.label) == wanted]
    if len(exact) == 1:
        return exact[0].key
    digits = re.sub(r"\s", "", text)
    by_name = [c for c in found if norm(c.name) == wanted
               or (digits.isdigit() and c.key.startswith("e:") and c.label.endswith(f"({digits})"))]
    if len(by_name) == 1:
        return by_name[0].key
    if len(found) == 1 and not more:
        return found[0].key
    raise Unresolved([c.label for c in (exact or by_name or found)][:SHOWN_CANDIDATES] if (exact or by_name or found) else [])
