"""Budget reads for pages."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from .models import Budget


def unit_budgets(session: Session, unit_id: int) -> list[Budget]:
    """The unit's budget lines, newest year first, for the choices of a purchase page or a capacity request
    (the lines and what remains; not their stops, which a confirmation reads under the lock)."""
    return session.scalars(
        select(Budget).where(Budget.unit_id == unit_id).order_by(Budget.year.desc(), Budget.line).options(lazyload(Budget.stops))
    ).all()
