"""The API's shapes, as pydantic v2 models: the same class validates a request (query string or body) and
writes its JSON Schema into the OpenAPI document (``openapi.py``), so the document cannot drift from what the
server accepts. pydantic is the one schema library: well kept, fast (Rust core), JSON Schema 2020-12 output,
which OpenAPI 3.1 uses as is. The rules engine keeps its own validator (``rules/schema.py``).

Amounts are decimal strings (``"12345.50"``, never floats); dates ``YYYY-MM-DD``; times ISO 8601 in UTC.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Generic, Literal, Optional, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from ..boundary import ID_MAX
from ..capacity.models import OfferStatus, RequestStatus
from ..courses.models import CourseFormat, CourseKind
from ..courses.pricing import PriceUnit
from ..money import MONEY_MAX
from ..purchases.states import PurchaseStatus

Id = Annotated[int, Field(ge=1, le=ID_MAX)]
Cefr = Literal["A1", "A2", "B1", "B2", "C1", "C2"]
Text100 = Annotated[str, StringConstraints(max_length=100)]
MAX_PAGE = 100

T = TypeVar("T")


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Query(BaseModel):
    """Query strings ignore parameters they do not know (a link may carry more)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class PageQuery(Query):
    limit: int = Field(20, ge=1, le=MAX_PAGE, description=f"Items per page, at most {MAX_PAGE}.")
    cursor: Optional[Annotated[str, StringConstraints(max_length=1000)]] = Field(
        None, description="Opaque: the `next_cursor` of the previous page. Leave out for the first page.")


# --- query strings (the same filters as the pages) ---------------------------------------------------------

class CourseQuery(PageQuery):
    """The filters of the course catalogue page (`/courses/`), in its order (start date, title)."""

    q: Text100 = Field("", description="Words in the title or description.")
    kind: Optional[CourseKind] = None
    level: Optional[Cefr] = Field(None, description="A participant's CEFR level: courses whose entry range includes it.")
    municipality: Optional[Annotated[str, StringConstraints(pattern=r"^\d{4}$")]] = Field(None, description="Municipality number.")
    format: Optional[CourseFormat] = None
    part_time: bool = False
    start_from: Optional[dt.date] = None
    start_to: Optional[dt.date] = None
    min_free: Optional[int] = Field(None, ge=0, le=10000, description="At least this many free seats.")


class OfferQuery(PageQuery):
    """The filters of the free-seat search page (`/capacity`): published offers open for requests that the
    caller's unit may see."""

    q: Text100 = Field("", description="Words (or word beginnings) of the course.")
    kind: Optional[CourseKind] = None
    level: Optional[Cefr] = None
    county: Optional[Annotated[str, StringConstraints(pattern=r"^\d{2}$")]] = Field(None, description="County number.")
    municipality: Optional[Annotated[str, StringConstraints(pattern=r"^\d{4}$")]] = Field(None, description="Municipality number (wins over county).")
    format: Optional[CourseFormat] = None
    part_time: bool = False
    start_from: Optional[dt.date] = None
    start_to: Optional[dt.date] = None
    max_price: Optional[Decimal] = Field(None, ge=0, le=MONEY_MAX, decimal_places=2, description="Highest seat price for the offer period (NOK).")
    min_seats: Optional[int] = Field(None, ge=1, le=1000)
    sort: Literal["start", "price"] = "start"


class RequestListQuery(PageQuery):
    role: Literal["any", "requester", "provider"] = Field(
        "any", description="`requester`: the unit's own requests; `provider`: requests on the unit's offers.")
    status: Optional[RequestStatus] = None


class PurchaseListQuery(PageQuery):
    role: Literal["any", "buyer", "provider"] = Field(
        "any", description="`buyer`: the unit's own purchases; `provider`: purchases of seats on the unit's courses.")
    status: Optional[PurchaseStatus] = None


# --- bodies ----------------------------------------------------------------------------------------------------

class ParticipantIn(Model):
    reference: Annotated[str, StringConstraints(max_length=40)] = Field(
        description="The buyer's own pseudonymous reference. Never a name or a national identity number.")
    cefr_level: Optional[Cefr] = None
    consent: bool = False
    consent_date: Optional[dt.date] = None


class SeatOrder(Model):
    """What a request for free seats and a seat purchase both say: the budget line, seats, period, participants."""

    budget_id: Id
    side: Optional[Literal["state", "municipal"]] = Field(None, description="A Nav office's side; leave out to use the budget line's.")
    seats: int = Field(ge=1, le=50)
    start_date: dt.date
    end_date: dt.date
    participants: list[ParticipantIn] = Field(default_factory=list, max_length=50, description="One per seat.")
    past_start_confirmed: bool = Field(False, description="The start date is in the past, and that is right.")


class CapacityRequestIn(SeatOrder):
    """A request for seats on a free-seat offer (the page `/capacity/offers/{id}/request`)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={"examples": [{
        "offer_id": 12, "budget_id": 3, "side": "municipal", "seats": 1, "start_date": "2026-03-09", "end_date": "2026-03-27",
        "participants": [{"reference": "KAP-17", "cefr_level": "A2"}], "message": "",
    }]})

    offer_id: Id
    message: Annotated[str, StringConstraints(max_length=2000)] = ""
    join_waiting_list: bool = Field(False, description="Join the waiting list when too few seats are free.")


class Empty(Model):
    """The body of an action without fields: `{}` (an empty body is taken as `{}`)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{}]})


class DeclineIn(Model):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={"examples": [{"reason": "The group is full."}]})

    reason: Annotated[str, StringConstraints(min_length=3, max_length=2000)]


class PurchasePreviewIn(SeatOrder):
    """A seat purchase as the page `/courses/{id}/buy` takes it: priced and checked by `POST /purchases/preview`,
    made by `POST /purchases`."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={"examples": [{
        "course_id": 7, "budget_id": 3, "side": "municipal", "seats": 1, "start_date": "2026-03-09", "end_date": "2026-06-19",
        "participants": [{"reference": "KJP-17", "cefr_level": "A2"}],
    }]})

    course_id: Id


class PurchaseIn(PurchasePreviewIn):
    override_reason: Optional[Annotated[str, StringConstraints(max_length=2000)]] = Field(
        None, description="Ask for a budget-stop override (10–2000 characters): a purchase refused only by its budget "
                          "line is stored as `awaiting_override` for another budget owner of the unit to decide. Leave "
                          "out to be refused (409 …#problem-budget-stopped) instead.")


class CancelIn(Model):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={"examples": [{"reason": "The participant got a job."}]})

    reason: Annotated[str, StringConstraints(min_length=3, max_length=2000)]


class ActualCostIn(Model):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={"examples": [{"actual_amount": "7104.00"}]})

    actual_amount: Decimal = Field(ge=0, le=MONEY_MAX, decimal_places=2, description="The actual cost in NOK (a decimal string).")


# --- answers -----------------------------------------------------------------------------------------------------

class UnitRef(BaseModel):
    id: int
    name: str


class TokenInfo(BaseModel):
    prefix: str
    name: str
    scopes: list[str]
    expires_at: dt.datetime


class Me(BaseModel):
    user_id: int
    unit_id: Optional[int]
    roles: list[str]
    token: Optional[TokenInfo] = Field(None, description="The token of this call (absent for a browser session).")


class CourseOut(BaseModel):
    id: int
    title: str
    kind: CourseKind
    format: CourseFormat
    cefr_min: Optional[str]
    cefr_max: Optional[str]
    municipality_number: Optional[str]
    location: Optional[str]
    start_date: dt.date
    end_date: dt.date
    rolling_start: bool
    hours_per_week: Decimal
    part_time: bool
    total_seats: int
    seats_free: int
    price_unit: PriceUnit
    is_active: bool
    provider_unit: UnitRef
    description: Optional[str]
    target_groups: Optional[str]
    language_support: Optional[str]
    updated_at: dt.datetime


class CourseRef(BaseModel):
    id: int
    title: str


class OfferOut(BaseModel):
    id: int
    course: CourseRef
    provider_unit: UnitRef
    status: OfferStatus
    seats_offered: int
    seats_available: int
    period_start: dt.date
    period_end: dt.date
    request_deadline: dt.date
    unit_price: Optional[Decimal] = Field(description="Offer price per price unit; null: the course's price.")
    seat_price: Decimal = Field(description="Price of one seat for the whole offer period.")
    contact_name: str
    contact_email: str
    contact_phone: Optional[str]
    notes: Optional[str]


class ParticipantOut(BaseModel):
    reference: str
    cefr_level: Optional[str]
    consent: bool
    consent_date: Optional[dt.date]


class CapacityRequestOut(BaseModel):
    id: int
    offer_id: int
    course: CourseRef
    requester_unit: UnitRef
    provider_unit: UnitRef
    budget_id: int
    side: str
    seats: int
    start_date: dt.date
    end_date: dt.date
    unit_price: Optional[Decimal]
    quoted_amount: Decimal
    status: RequestStatus
    position: Optional[int] = Field(description="Place on the waiting list (1 = first) while waiting.")
    hold_expires_at: Optional[dt.datetime]
    purchase_id: Optional[int] = Field(description="The seat purchase an accepted request became.")
    answer_reason: Optional[str]
    message: Optional[str]
    participants: list[ParticipantOut]
    created_at: dt.datetime
    updated_at: dt.datetime


class BudgetAfter(BaseModel):
    budget_id: int
    remaining_after: Decimal = Field(description="What the budget line has left after this purchase.")
    used_pct_after: Decimal = Field(description="Share of the line used (committed and spent) after it, in per cent.")
    allowed: bool = Field(description="false: the line refuses the purchase (a declared stop, or over a hard stop's limit).")
    warning: Optional[str]
    refusal: Optional[str]
    stop_declared: bool = Field(description="A declared budget stop refuses it (not only the line's limit).")


class PurchasePreviewOut(BaseModel):
    course: CourseRef
    seats: int
    amount: Decimal = Field(description="The price of the seats for the period (NOK excl. VAT).")
    breakdown: list[str] = Field(description="How the price was computed, line by line (bokmål).")
    budget: BudgetAfter
    verdict: Optional[str] = Field(description="The rules engine's verdict on the purchase (docs/rules.md).")
    assessment: Optional[dict] = Field(description="The rules engine's whole assessment.")
    agreement_id: Optional[int] = Field(description="The registered agreement that covers the purchase, if any.")
    agreement_warning: Optional[str]
    can_confirm: bool = Field(description="`POST /purchases` with the same body would confirm it now.")
    overridable: bool = Field(description="Only the budget line refuses: `POST /purchases` with `override_reason` asks "
                                          "for an override.")


class PurchaseOut(BaseModel):
    id: int
    course: CourseRef
    buyer_unit: UnitRef
    provider_unit: UnitRef
    side: str
    budget_id: int
    seats: int
    start_date: dt.date
    end_date: dt.date
    amount: Decimal
    breakdown: list[str]
    actual_amount: Optional[Decimal]
    status: PurchaseStatus
    verdict: Optional[str] = Field(description="The rules engine's verdict, frozen at confirmation.")
    agreement_id: Optional[int]
    override_reason: Optional[str]
    override_decision_note: Optional[str]
    cancel_reason: Optional[str]
    participants: list[ParticipantOut]
    created_at: dt.datetime
    updated_at: dt.datetime


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: Optional[str] = Field(description="Pass as `cursor` for the next page; null on the last page.")
    limit: int


class ProblemField(BaseModel):
    pointer: Optional[str] = Field(None, description="JSON Pointer (RFC 6901) into the request body.")
    parameter: Optional[str] = Field(None, description="The query parameter or header.")
    detail: str


class Problem(BaseModel):
    """RFC 9457 problem details (`application/problem+json`)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "type": "/api/docs#problem-invalid-input", "title": "Ugyldig innhold", "status": 422,
        "detail": "Forespørselen ble ikke sendt.", "errors": [{"pointer": "/seats", "detail": "Minst 1."}],
    }]})

    type: str
    title: str
    status: int
    detail: str
    instance: Optional[str] = None
    errors: Optional[list[ProblemField]] = None
