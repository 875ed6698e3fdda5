"""The national data set's row builders (issue 22), beside :mod:`.national` (which loads the organisations,
people, courses, budgets, purchases and capacity, and calls these): the agreements with their versions, the
inboxes, outbox and job runs, and the audit log; and the helpers both use — explicit ids and chunked bulk
inserts. Rows only, computed in memory and inserted in bulk (see :mod:`.national`)."""
from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any, Iterator

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session


class Ids:
    """Explicit primary keys, so rows can point at each other before they are inserted."""

    def __init__(self, session: Session):
        self.session = session
        self.next: dict[Any, int] = {}

    def start(self, model) -> int:
        first = (self.session.scalar(select(func.max(model.id))) or 0) + 1
        self.next[model] = first
        return first

    def take(self, model) -> int:
        n = self.next[model]
        self.next[model] = n + 1
        return n


def _insert(session: Session, model, rows: list[dict], chunk: int = 5000) -> int:
    for i in range(0, len(rows), chunk):
        session.execute(insert(model), rows[i:i + chunk])
    return len(rows)

def _agreements(session, ids, rng, scale, *, now, year, state, offices, providers, entity_rows, demo_users, nav_fjordvik, vo_fjordvik):
    """Agreements between a Nav office (the State's side) and a provider, in drafting or legal review, with their
    versions: what Nav's jurist (who answers for every agreement of the State) reads."""
    from .agreements.models import Agreement, AgreementParty, AgreementVersion
    from .agreements.queries import snapshot
    from .demo import COOPERATION
    from .organisations.models import LegalEntity

    existing = session.scalar(select(func.count()).select_from(Agreement)) or 0
    n = max(0, scale.agreements - existing)
    entities = {e["id"]: e for e in entity_rows}
    fjordvik_entity = session.get(LegalEntity, vo_fjordvik.legal_entity_id)
    entities[fjordvik_entity.id] = dict(name=fjordvik_entity.name, org_number=fjordvik_entity.org_number, legal_type="municipality")
    pairs = [(o["id"], p) for o, p in zip(offices, providers)] or [(nav_fjordvik.id, dict(id=vo_fjordvik.id, legal_entity_id=vo_fjordvik.legal_entity_id))]
    drafter = demo_users["jurist.nav@demo.no"].id
    ids.start(Agreement), ids.start(AgreementParty), ids.start(AgreementVersion)
    agreements, parties, versions = [], [], []
    for i in range(n):
        office, provider = pairs[i % len(pairs)] if i % 25 else (nav_fjordvik.id, dict(id=vo_fjordvik.id, legal_entity_id=vo_fjordvik.legal_entity_id))
        cooperation = i % 3 != 2
        start = dt.date(year - 1 + i % 3, 1 + i % 12, 1)
        n_versions = 1 + rng.randrange(scale.versions_per_agreement)
        status = "draft" if i % 5 < 2 else "in_review" if i % 5 < 4 else "changes_requested"
        at = now - dt.timedelta(days=rng.randrange(10, 700))
        aid = ids.take(Agreement)
        row = dict(id=aid, kind="cooperation" if cooperation else "procurement", status=status, title=f"Samarbeid om norskopplæring nr. {i + 1}",
                   version=n_versions, subject="Felles norskopplæring for Navs brukere, med arbeidspraksis.", cpv_codes=["80580000-3"],
                   measure_code=None, start_date=start, end_date=start + dt.timedelta(days=729), option_plan=[], option_scheme="none",
                   max_duration_months=None, estimated_value=Decimal(rng.randrange(20, 400) * 5000), options_value=None,
                   price_terms="Fast pris per deltaker.", submitted_version=n_versions if status == "in_review" else None,
                   created_by_id=drafter, created_at=at, updated_at=at + dt.timedelta(days=n_versions))
        if cooperation:
            row.update({k: v for k, v in COOPERATION.items() if k in ("common_objectives", "governance", "cost_sharing", "pricing",
                                                                      "activity_basis", "market_share_monitoring", "review_and_exit")},
                       public_interest_only=True, third_party_subcontracting=False, private_operator_advantaged="no")
        supplier = entities[provider["legal_entity_id"]]
        party_rows = [
            dict(id=ids.take(AgreementParty), agreement_id=aid, position=1, role="partner" if cooperation else "buyer", legal_entity_id=state.id,
                 unit_id=office, nav_side="state", name=state.name, org_number=state.org_number, legal_type="state", contact_name="Leder, Nav"),
            dict(id=ids.take(AgreementParty), agreement_id=aid, position=2, role="partner" if cooperation else "supplier",
                 legal_entity_id=provider["legal_entity_id"], unit_id=provider["id"], nav_side=None, name=supplier["name"],
                 org_number=supplier["org_number"], legal_type=supplier["legal_type"], contact_name="Rektor"),
        ]
        transient = Agreement(**{k: v for k, v in row.items() if k != "id"})
        transient.parties = [AgreementParty(**{k: v for k, v in p.items() if k not in ("id", "agreement_id")}) for p in party_rows]
        base_value = row["estimated_value"]
        for number in range(1, n_versions + 1):
            transient.estimated_value = base_value + (number - 1) * 10_000
            transient.subject = row["subject"] + ("" if number == 1 else f" Endret i versjon {number}.")
            versions.append(dict(id=ids.take(AgreementVersion), agreement_id=aid, number=number, snapshot=snapshot(transient),
                                 note="Lagret", verdict=None, created_by_id=drafter, created_at=at + dt.timedelta(days=number)))
        row["estimated_value"], row["subject"] = transient.estimated_value, transient.subject
        agreements.append(row)
        parties += party_rows
    _insert(session, Agreement, agreements, chunk=1000)
    _insert(session, AgreementParty, parties)
    _insert(session, AgreementVersion, versions, chunk=2000)
    return len(agreements), len(versions)


# --- inbox, outbox, job runs -------------------------------------------------------------------------------------------


def _inbox_outbox_jobs(session, ids, rng, scale, *, now, demo_users) -> dict[str, int]:
    from .jobs.models import JobRun
    from .notifications.models import Notification, OutboxMessage

    ids.start(Notification)
    notes = []
    for user in demo_users.values():
        for k in range(scale.notifications_per_user):
            at = now - dt.timedelta(minutes=17 * (scale.notifications_per_user - k))
            kind, params = (("capacity.request_withdrawn", {"unit": "Nav Kommune 7", "seats": 1, "course": f"Norskkurs A1–A2 ({k})"})
                            if k % 2 else ("agreement.commented", {"name": "Nina Nordmann", "title": f"Samarbeid om norskopplæring nr. {k}"}))
            notes.append(dict(id=ids.take(Notification), user_id=user.id, kind=kind, params=params, link="/inbox", created_at=at,
                              read_at=None if k >= scale.notifications_per_user - 20 else at + dt.timedelta(hours=1),
                              dedupe_key=None, email_status="skipped"))
    _insert(session, Notification, notes)
    ids.start(OutboxMessage)
    users = list(demo_users.values())
    outbox = []
    for k in range(scale.outbox):
        user = users[k % len(users)]
        at = now - dt.timedelta(minutes=3 * (scale.outbox - k))
        outbox.append(dict(id=ids.take(OutboxMessage), user_id=user.id, to_address=user.email, subject="Varsel fra kursportalen",
                           body="Du har et nytt varsel i kursportalen.", locale="nb", dedupe_key=f"national:{k}",
                           status="sent" if k % 50 else "failed", attempts=1 if k % 50 else 5, next_attempt_at=at,
                           last_error=None if k % 50 else "SMTP 451: prøv igjen senere", created_at=at, sent_at=at if k % 50 else None))
    _insert(session, OutboxMessage, outbox)
    ids.start(JobRun)
    runs = []
    jobs = ["capacity.holds", "notifications.mailer", "law.reassess", "budget.alerts", "capacity.reminders"]
    for k in range(scale.job_runs):
        start = (now - dt.timedelta(minutes=5 * (scale.job_runs - k))).replace(second=0, microsecond=0)
        runs.append(dict(id=ids.take(JobRun), job=jobs[k % len(jobs)], window_key=f"national:{start:%Y-%m-%dT%H:%MZ}:{k}", status="succeeded",
                         trigger="schedule", attempts=1, started_at=start, finished_at=start + dt.timedelta(seconds=1),
                         result={"done": k % 7}, error=None, claimed_by="nasjonal-demo:1"))
    _insert(session, JobRun, runs)
    return {"notifications": len(notes), "outbox": len(outbox), "job_runs": len(runs)}


# --- audit ---------------------------------------------------------------------------------------------------------


AUDIT_COLUMNS = ("id", "at", "actor_id", "unit_id", "action", "object_type", "object_id", "before", "after")


def _audit(session, rng, scale, *, now, purchases, offers, requests, courses, user_ids, unit_of_user) -> int:
    """Audit events up to ``scale.audit_events`` in all: one for each object created here, then logins, spread
    over the last two years (oldest first, so ids follow time as they do in service)."""
    from .audit import AuditEvent

    existing = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    total = max(0, scale.audit_events - existing)
    first = (session.scalar(select(func.max(AuditEvent.id))) or 0) + 1
    objects: list[tuple] = (
        [("purchase.confirmed", "seat_purchase", p["id"], p["created_by_id"], p["buyer_unit_id"], {"seats": p["seats"], "amount": str(p["amount"])})
         for p in purchases]
        + [("capacity.offer_published", "capacity_offer", o["id"], o["created_by_id"], o["provider_unit_id"], {"seats_offered": o["seats_offered"]})
           for o in offers]
        + [("capacity.request_created", "capacity_request", r["id"], r["created_by_id"], r["requester_unit_id"], {"seats": r["seats"]})
           for r in requests]
        + [("course.created", "course", c["id"], None, None, {"title": c["title"]}) for c in courses]
    )[:total]
    rng.shuffle(objects)
    span = dt.timedelta(days=730).total_seconds()
    begin = now - dt.timedelta(days=730)

    def rows() -> Iterator[tuple]:
        step = span / max(1, total)
        k_obj = 0
        ratio = len(objects) / max(1, total)
        for k in range(total):
            at = begin + dt.timedelta(seconds=k * step)
            if k_obj < len(objects) and (k * ratio >= k_obj or total - k <= len(objects) - k_obj):
                action, otype, oid, actor, unit, after = objects[k_obj]
                k_obj += 1
                yield (first + k, at, actor, unit, action, otype, str(oid), None, json.dumps(after))
            else:
                uid = user_ids[k % len(user_ids)]
                yield (first + k, at, uid, unit_of_user.get(uid), "user.logged_in", "user_account", str(uid), None, None)

    if session.get_bind().dialect.name == "postgresql":
        cursor = session.connection().connection.driver_connection.cursor()
        with cursor.copy(f"COPY audit_event ({', '.join(AUDIT_COLUMNS)}) FROM STDIN") as copy:
            for row in rows():
                copy.write_row(row)
    else:
        table = AuditEvent.__table__
        chunk: list[dict] = []
        for row in rows():
            values = dict(zip(AUDIT_COLUMNS, row))
            values["after"] = json.loads(values["after"]) if values["after"] else None
            chunk.append(values)
            if len(chunk) == 10_000:
                session.execute(insert(table), chunk)
                chunk = []
        if chunk:
            session.execute(insert(table), chunk)
    return total
