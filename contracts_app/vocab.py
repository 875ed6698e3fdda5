"""The app's vocabulary: enums whose members carry their label in the reader's language.

Each domain defines its enums (statuses, kinds, roles) once, beside its models, as a :class:`LabelledEnum`
with ``__labels__`` (value → lazy bokmål/English text, the way Indico's ``RichEnum`` carries titles).
Forms take ``Enum.choices()``, templates ``member.label`` (or the ``label`` filter), documents and messages
the same — no other list of the values or their words. The rules engine's own vocabulary is
``contracts_app/rules/vocab.py`` (pure, no Flask).
"""
from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice


class LabelledEnum(str, enum.Enum):
    """A string enum whose members know their label: ``PurchaseStatus.confirmed.label`` → "Bekreftet"."""

    __labels__: dict = {}
    #: Optional shorter words where the label would be too long (a price's unit after the amount, a role in the
    #: header); members without one use ``label``.
    __short_labels__: dict = {}

    @property
    def label(self) -> str:
        return str(type(self).__labels__.get(self.value, self.value))

    @property
    def short_label(self) -> str:
        found = type(self).__short_labels__.get(self.value)
        return str(found) if found is not None else self.label

    @classmethod
    def label_of(cls, value) -> str:
        """The label of a member or of its value; an unknown value is shown as it is."""
        value = getattr(value, "value", value)
        try:
            return cls(value).label
        except ValueError:
            return str(value)

    @classmethod
    def short_label_of(cls, value) -> str:
        value = getattr(value, "value", value)
        try:
            return cls(value).short_label
        except ValueError:
            return str(value)

    @classmethod
    def choices(cls, members=None) -> list[SelectChoice]:
        """Select options in declaration order (or for the given members)."""
        return [SelectChoice(m.value, m.label) for m in (members if members is not None else cls)]


class MeasureCode(LabelledEnum):
    """Nav's measure codes (tiltakskoder, tiltaksforskriften ch. 7) that an agreement or a purchase can be made
    under. The value is Nav's code, stored as it is; pages, forms and documents show the label."""

    norwegian_training_basic_skills_fov = "NORSKOPPLAERING_GRUNNLEGGENDE_FERDIGHETER_FOV"
    labour_market_training = "ARBEIDSMARKEDSOPPLAERING"
    group_labour_market_training = "GRUPPE_ARBEIDSMARKEDSOPPLAERING"
    higher_vocational_education = "HOYERE_YRKESFAGLIG_UTDANNING"

    __labels__ = {
        "NORSKOPPLAERING_GRUNNLEGGENDE_FERDIGHETER_FOV": _l("Norwegian training, basic skills, FOV"),
        "ARBEIDSMARKEDSOPPLAERING": _l("Labour-market training (AMO)"),
        "GRUPPE_ARBEIDSMARKEDSOPPLAERING": _l("Group AMO"),
        "HOYERE_YRKESFAGLIG_UTDANNING": _l("Higher vocational education"),
    }
