"""Select options for WTForms (3.3 deprecates plain tuples in favour of ``SelectChoice``)."""
from __future__ import annotations

from typing import Iterable

from wtforms import SelectChoice


def options(pairs: Iterable[tuple[object, object]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def label_of(choices: list[SelectChoice], value) -> str:
    value = getattr(value, "value", value)
    return str(next((c.label for c in choices if c.value == value), value))
