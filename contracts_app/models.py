"""Imports every model module so that ``Base.metadata`` is complete (for Alembic and tests)."""
from .agreements.models import (  # noqa: F401
    Agreement, AgreementDocument, AgreementOption, AgreementParty, AgreementSignature, AgreementVersion, ReviewComment,
    ReviewDecision,
)
from .api.models import ApiToken, IdempotentAnswer  # noqa: F401
from .audit import AuditEvent  # noqa: F401
from .auth.models import LoginThrottle, Membership, User  # noqa: F401
from .capacity.models import CapacityOffer, CapacityRequest, OfferEntity, RequestParticipant  # noqa: F401
from .budget.models import Budget, BudgetEntry, BudgetMonth, BudgetStop  # noqa: F401
from .courses.models import Course, CourseRate  # noqa: F401
from .db import Base
from .jobs.models import JobRun, WatchState  # noqa: F401
from .notifications.models import Notification, NotificationPreference, OutboxMessage  # noqa: F401
from .organisations.models import LegalEntity, Unit  # noqa: F401
from .purchases.models import Participant, SeatPurchase  # noqa: F401
from .rulecheck.models import LawChange, LawChangeItem, LawVersionPeriod, Scenario, ThresholdPeriod  # noqa: F401

metadata = Base.metadata
