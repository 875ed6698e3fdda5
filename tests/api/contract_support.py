"""The contract tests' world: the demo data in one rolled-back transaction for a whole module, a token per
role created through ``contracts_app.api.tokens``, the administrator's browser session, and the demo data's
ids by path parameter name (so generated calls reach real objects)."""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from contracts_app import clock as clock_module
from contracts_app import demo
from contracts_app.api import tokens
from contracts_app.auth.models import Role, User
from contracts_app.auth.permissions import Principal
from contracts_app.organisations.models import Unit

from ..support import FIXED_NOW, login

#: role → (demo login, unit name, the principal that creates its token: "self" = the user's own roles, "admin" =
#: an administrator acting for the user, as an operator sets up a Nav office's system). None: a browser session.
ROLE_LOGINS = {
    "advisor": ("veileder.fjordvik@demo.no", "Nav Fjordvik", "admin"),
    "provider_coordinator": ("koordinator.fjordvik@demo.no", "Fjordvik voksenopplæring", "self"),
    "legal_reviewer": ("jurist.nav@demo.no", "Nav Vestfjell, innkjøp og juridisk", "admin"),
    "admin": ("admin@demo.no", None, None),
}
ROLES = list(ROLE_LOGINS)
ALL_SCOPES = sorted(tokens.SCOPES)


def _id_models() -> dict[str, object]:
    """Path parameter name → the model whose ids it takes."""
    from contracts_app.agreements.models import Agreement, AgreementDocument, AgreementSignature, AgreementVersion
    from contracts_app.budget.models import Budget
    from contracts_app.capacity.models import CapacityOffer, CapacityRequest
    from contracts_app.courses.models import Course
    from contracts_app.purchases.models import SeatPurchase

    return {"course_id": Course, "offer_id": CapacityOffer, "request_id": CapacityRequest, "purchase_id": SeatPurchase,
            "agreement_id": Agreement, "version_id": AgreementVersion, "document_id": AgreementDocument,
            "signature_id": AgreementSignature,
            "budget_id": Budget, "unit_id": Unit}


@dataclass
class DemoApi:
    app: object
    session: Session
    users: dict[str, User]
    units: dict[str, Unit]
    _headers: dict[str, dict] = field(default_factory=dict)

    def headers(self, role: str) -> dict:
        return dict(self._headers[role])

    def ids_for(self, name: str) -> list[int]:
        """Existing ids for a path parameter (new objects made by earlier calls included); [] if unknown."""
        model = _id_models().get(name)
        if model is None:
            return []
        return list(self.session.scalars(select(model.id).order_by(model.id).limit(200)).all())

    def budget_line(self, role: str, *, side: str, year: int) -> int:
        """A budget line of the role's unit (a Nav office's system knows its own lines)."""
        from contracts_app.budget.models import Budget

        return self.session.scalars(select(Budget.id).where(Budget.unit_id == self.units[role].id, Budget.side == side,
                                                            Budget.year == year).order_by(Budget.id)).first()

    @contextmanager
    def active(self):
        database = self.app.extensions["contracts_db"]
        before = database.override
        database.override = lambda: self.session
        try:
            yield self
        finally:
            database.override = before


@contextmanager
def demo_api_for(app, engine):
    """The demo data loaded in an outer transaction rolled back at the end (views commit to savepoints), the
    clock fixed, the rate limit out of the way (429 stays documented and tested in tests/api/test_api.py)."""
    fixed = clock_module.FixedClock(FIXED_NOW)
    app.extensions["clock"] = fixed
    clock_module.install_fallback(fixed)
    saved_limit = app.config["API_RATE_LIMIT"]
    app.config["API_RATE_LIMIT"] = 1_000_000
    conn = engine.connect()
    outer = conn.begin()
    session = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    api = DemoApi(app=app, session=session, users={}, units={})
    try:
        with api.active():
            demo.load(session, now=fixed.now())
            session.commit()
            for role, (email, unit_name, creator) in ROLE_LOGINS.items():
                user = session.scalar(select(User).where(User.email == email))
                api.users[role] = user
                if creator is None:
                    api._headers[role] = {"Cookie": _session_cookie(app, email)}
                    continue
                unit = session.scalar(select(Unit).where(Unit.name == unit_name))
                api.units[role] = unit
                roles = frozenset({Role.admin}) if creator == "admin" else frozenset(user.roles_at(unit.id))
                _token, secret = tokens.create_token(
                    session, tokens.TokenInput(name=f"Kontrakttest {role}", unit_id=unit.id, scopes=ALL_SCOPES,
                                               expires_on=fixed.today() + dt.timedelta(days=90)),
                    principal=Principal(user.id, unit.id, roles), now=fixed.now(), today=fixed.today())
                api._headers[role] = {"Authorization": f"Bearer {secret}"}
            session.commit()
        yield api
    finally:
        session.close()
        outer.rollback()
        conn.close()
        app.config["API_RATE_LIMIT"] = saved_limit
        clock_module.install_fallback(None)
        app.extensions.pop("clock", None)


def _session_cookie(app, email: str) -> str:
    client = app.test_client()
    response = login(client, email, demo.DEMO_PASSWORD)
    assert response.status_code == 302, response.status_code
    cookie = client.get_cookie("session")
    assert cookie is not None
    return f"session={cookie.value}"
