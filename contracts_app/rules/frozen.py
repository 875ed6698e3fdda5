"""``@frozen``: ``dataclass(slots=True, frozen=True)`` plus a fast internal constructor.

Why: the engine builds a dozen immutable fact objects for every assessment and must stay well under
50 µs per assessment. The ``__init__`` that ``dataclasses`` generates for frozen classes sets each
field through ``object.__setattr__`` (about 0.15–0.2 µs per field on CPython 3.11; roughly 2 µs for
an 11-field party). ``Cls.build(...)`` instead fills a *mutable twin* class with the same slots (plain
attribute stores, ~15 ns per field) and then switches the instance's class to the frozen one, which
CPython allows because both classes have identical layouts (checked when the class is decorated).

The result is a genuine instance of the frozen dataclass: ``FrozenInstanceError`` on assignment,
``dataclasses.replace``, ``fields``, ``__eq__``, ``__repr__`` and ``__hash__`` all behave as usual.
``Cls(...)`` still works and is what tests and other callers use; ``build`` is for hot paths.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields, make_dataclass
from typing import Any, TypeVar

T = TypeVar("T")


def frozen(cls: type[T]) -> type[T]:
    """Decorate ``cls`` as a frozen slotted dataclass and attach ``cls.build`` (same signature)."""
    klass: Any = dataclass(slots=True, frozen=True)(cls)
    specs = []
    for f in fields(klass):
        if f.default_factory is not MISSING:
            raise TypeError(f"{klass.__name__}.{f.name}: default_factory is not supported by @frozen")
        if f.default is MISSING:
            specs.append((f.name, f.type))
        else:
            specs.append((f.name, f.type, field(default=f.default)))
    twin: Any = make_dataclass(f"_{klass.__name__}Builder", specs, slots=True, eq=False, repr=False)
    if twin.__slots__ != klass.__slots__:
        raise TypeError(f"{klass.__name__}: builder layout differs from the frozen class")

    # Verify once that CPython accepts the class switch for this layout.
    probe = object.__new__(twin)
    probe.__class__ = klass

    # The twin's __init__ stores the fields and switches the class as its last step, so
    # ``twin(...)`` itself returns a frozen instance (one call, no wrapper frame).
    namespace: dict[str, Any] = {"_frozen_class": klass}
    params = []
    for f in fields(klass):
        if f.default is MISSING:
            params.append(f.name)
        else:
            namespace[f"_default_{f.name}"] = f.default
            params.append(f"{f.name}=_default_{f.name}")
    body = "".join(f"    self.{f.name} = {f.name}\n" for f in fields(klass))
    source = f"def __init__(self{''.join(', ' + p for p in params)}):\n{body}    self.__class__ = _frozen_class\n"
    exec(source, namespace)  # noqa: S102 - generated from field names only, like dataclasses itself
    twin.__init__ = namespace["__init__"]
    twin.__doc__ = f"Build a frozen {klass.__name__} quickly (same arguments as the constructor)."
    klass.build = twin
    return klass
