"""Who may download a stored document that belongs to a seat purchase (pure: the principal and the purchase).

An order confirmation lists participant references: it goes to the two sides of the purchase only, the buying
unit's advisors and budget owners, and the providing unit's coordinators (it is their order too)."""
from __future__ import annotations

from ..auth import permissions as perm


def may_download_for_purchase(p, purchase) -> bool:
    if p.unit_id == purchase.buyer_unit_id:
        return perm.can_act_for_buyer(p)
    return p.unit_id == purchase.course.provider_unit_id and perm.can_publish_capacity(p)
