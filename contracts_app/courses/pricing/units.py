"""What one rate buys: the price unit, with its labels in the reader's language."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ...vocab import LabelledEnum


class PriceUnit(LabelledEnum):
    """Member names equal their values (SQLAlchemy stores the names).

    ``label`` is how a form offers the unit ("Per teaching hour"), ``short_label`` how a price reads after an
    amount ("kr 60,00 per hour"). The labels are lazy translations: nothing here needs an app until a page
    shows them, so the price calculation stays usable without one.
    """

    per_seat = "per_seat"
    per_hour = "per_hour"
    per_week = "per_week"
    per_month = "per_month"

    __labels__ = {
        "per_hour": _l("Per teaching hour"),
        "per_week": _l("Per week"),
        "per_month": _l("Per month"),
        "per_seat": _l("Per seat (fixed amount)"),
    }
    __short_labels__ = {
        "per_hour": _l("per hour"),
        "per_week": _l("per week"),
        "per_month": _l("per month"),
        "per_seat": _l("per seat"),
    }


# The unit in the price calculation's own refusals, which carry bokmål and English side by side.
PER_NB = {
    PriceUnit.per_seat: "per plass",
    PriceUnit.per_hour: "per time",
    PriceUnit.per_week: "per uke",
    PriceUnit.per_month: "per måned",
}
PER_EN = {
    PriceUnit.per_seat: "per seat",
    PriceUnit.per_hour: "per hour",
    PriceUnit.per_week: "per week",
    PriceUnit.per_month: "per month",
}


def unit_or_none(unit: PriceUnit | str) -> PriceUnit | None:
    try:
        return PriceUnit(unit)
    except ValueError:
        return None
