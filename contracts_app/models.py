"""Imports every model module so that ``Base.metadata`` is complete (for Alembic and tests)."""
from .audit import AuditEvent  # noqa: F401
from .auth.models import LoginThrottle, Membership, User  # noqa: F401
from .db import Base
from .organisations.models import LegalEntity, Unit  # noqa: F401

metadata = Base.metadata
