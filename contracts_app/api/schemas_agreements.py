"""The shapes of the agreement, budget-line and threshold operations (``views_agreements.py``,
``views_budget.py``), as pydantic v2 models like ``schemas.py``: the same class validates the query string and
writes its JSON Schema into the OpenAPI document.

Query models here are strict: an unknown parameter, a value out of range or a string that is too long is a 422
with the parameter named, never a 500 and never silently ignored. Amounts are decimal strings (NOK), dates
``YYYY-MM-DD``, times ISO 8601 in UTC.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Literal, Optional

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from ..agreements.models import AgreementKind
from ..agreements.states import AgreementStatus
from ..budget.models import StopMode
from ..purchases.states import PurchaseStatus
from ..rules.vocab import Verdict
from .schemas import CourseRef, PageQuery

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date(value):
    """Only ``YYYY-MM-DD`` (pydantic would also read a number as a Unix time)."""
    if isinstance(value, str) and not _ISO_DATE.match(value.strip()):
        raise ValueError("not an ISO date")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
VerdictValue = Literal[tuple(v.value for v in Verdict)]  # type: ignore[valid-type] - the engine's verdicts


class StrictPageQuery(PageQuery):
    """``limit`` and ``cursor`` as every list; any other parameter than the model's is a 422."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class StrictQuery(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# --- query strings -----------------------------------------------------------------------------------------------

class AgreementQuery(StrictPageQuery):
    """The filters of the agreement list page (`/agreements`), in its order (latest change first)."""

    q: Annotated[str, StringConstraints(max_length=200)] = Field(
        "", description="Part of a party's name or organisation number.")
    status: Optional[AgreementStatus] = None
    kind: Optional[AgreementKind] = None
    verdict: Optional[VerdictValue] = Field(None, description="The rules engine's verdict on the current version.")
    expiring: Optional[Literal["90"]] = Field(None, description="`90`: in force and ending within 90 days of today.")


class VersionQuery(StrictPageQuery):
    """The versions of one agreement, oldest first."""


class BudgetQuery(StrictPageQuery):
    """The unit's budget lines, in the order of the page `/budgets/` (newest year first, then the line's name)."""


class LedgerQuery(StrictPageQuery):
    """The filters of the budget page's list of purchases, newest first."""

    status: Optional[PurchaseStatus] = Field(
        None, description="A purchase status; left out: the open ones (confirmed or awaiting an override).")
    course: Annotated[str, StringConstraints(max_length=120)] = Field("", description="Part of the course title, in any case.")


class ThresholdQuery(StrictQuery):
    date: Optional[IsoDate] = Field(None, description="The reference date (`YYYY-MM-DD`); left out: today.")


class NoQuery(StrictQuery):
    """An operation without query parameters: any parameter is a 422."""


# --- agreements -----------------------------------------------------------------------------------------------

class PartyOut(BaseModel):
    role: str = Field(description="`partner`, `buyer` or `supplier`.")
    name: str
    org_number: str
    legal_type: Optional[str]
    legal_entity_id: Optional[int]
    unit_id: Optional[int] = Field(description="The unit acting for the party, when registered.")
    nav_side: Optional[str] = Field(description="For a Nav office: `state` or `municipal`.")


class PartyDetailOut(PartyOut):
    contact_name: Optional[str]
    contact_email: Optional[str]
    contact_phone: Optional[str]


class AgreementSummaryOut(BaseModel):
    id: int
    title: str
    kind: AgreementKind
    status: AgreementStatus
    version: int = Field(description="The number of the latest saved version.")
    verdict: Optional[str] = Field(description="The rules engine's verdict on the current version.")
    start_date: Optional[dt.date]
    end_date: Optional[dt.date] = Field(description="The current end, including exercised options.")
    estimated_value: Optional[Decimal]
    options_value: Optional[Decimal]
    parties: list[PartyOut]
    updated_at: dt.datetime


class AgreementOut(AgreementSummaryOut):
    subject: Optional[str]
    cpv_codes: list[str]
    measure_code: Optional[str]
    procurement_case_ref: Optional[str]
    procurement_notice_ref: Optional[str]
    parent_id: Optional[int] = Field(description="For a call-off: the agreement it is made under.")
    option_scheme: str
    option_plan: list[int] = Field(description="Months of each option, in order.")
    max_duration_months: Optional[int]
    price_terms: Optional[str]
    covered_unit_ids: list[int] = Field(description="Units beyond the parties' whose purchases it covers.")
    submitted_version: Optional[int]
    approved_version: Optional[int] = Field(description="The approved version; null when the current one is not approved.")
    terminated_on: Optional[dt.date]
    termination_reason: Optional[str]
    parties: list[PartyDetailOut]
    created_at: dt.datetime


class ChangeOut(BaseModel):
    field: str = Field(description="The changed field, as a path (`parties[1].contact_name`).")
    label: str = Field(description="The field's name in the caller's language.")


class AgreementVersionOut(BaseModel):
    number: int
    created_at: dt.datetime
    note: Optional[str] = Field(description="What the save was (a wizard step, an option exercised …), as stored.")
    note_label: str = Field(description="The same in the caller's language.")
    verdict: Optional[str] = Field(description="The rules engine's verdict on this version.")
    changes: list[ChangeOut] = Field(description="The fields that differ from the previous version (all for version 1).")


class AgreementDocumentOut(BaseModel):
    id: int = Field(description="The document's id (`generated`) or the signature's id (`uploaded`).")
    source: Literal["generated", "uploaded"]
    kind: str = Field(description="`cooperation_agreement`, `procurement_protocol`, `exemption_assessment` (generated) "
                                  "or `signed_agreement` (an uploaded signed PDF).")
    filename: str
    content_type: str
    sha256: Optional[str] = Field(description="SHA-256 of the bytes (hex); the download's `X-Content-SHA256` and `ETag`.")
    version_number: Optional[int] = Field(description="The agreement version a generated document was made from.")
    at_approval: bool = Field(description="Made at approval (frozen with the approved version).")
    created_at: dt.datetime
    download: str = Field(description="The path that answers the bytes.")


class AgreementDocumentList(BaseModel):
    items: list[AgreementDocumentOut] = Field(description="Generated documents (newest first), then uploaded signed PDFs.")


# --- budget lines -------------------------------------------------------------------------------------------------

class StopOut(BaseModel):
    id: int
    reason: str
    starts_on: dt.date
    ends_on: Optional[dt.date] = Field(description="Null: until lifted.")
    declared_at: dt.datetime


class BudgetLineOut(BaseModel):
    id: int
    year: int
    line: str
    side: str = Field(description="Which legal person of a Nav office spends it: `state` or `municipal`.")
    amount: Decimal = Field(description="The budget (NOK).")
    committed: Decimal = Field(description="Reserved by confirmed purchases and not yet spent.")
    spent: Decimal = Field(description="Actual costs registered.")
    remaining: Decimal = Field(description="amount − committed − spent.")
    used_pct: Decimal = Field(description="(committed + spent) of the amount, in per cent.")
    warning_pct: Decimal
    stop_mode: StopMode = Field(description="`hard`: purchases beyond the amount are refused; `warn`: allowed with a warning.")
    stopped: bool = Field(description="A declared budget stop is in force today.")
    stop: Optional[StopOut] = Field(description="The stop in force today, if any.")


class MonthOut(BaseModel):
    month: int = Field(description="1–12; 0: before the line's year, 13: after it.")
    committed: Decimal
    spent: Decimal
    cumulative_used: Decimal


class BudgetLineDetailOut(BudgetLineOut):
    months: list[MonthOut] = Field(description="The money by month as on the budget page: open commitments by their seat "
                                               "periods, actual costs where registered.")
    stops: list[StopOut] = Field(description="Every declared stop, lifted or not, oldest first.")


class LedgerEntryOut(BaseModel):
    purchase_id: int
    course: CourseRef
    status: PurchaseStatus
    seats: int
    start_date: dt.date
    end_date: dt.date
    amount: Decimal = Field(description="The committed price.")
    actual_amount: Optional[Decimal] = Field(description="The actual cost, when registered.")
    created_at: dt.datetime


# --- thresholds ----------------------------------------------------------------------------------------------------

class ThresholdOut(BaseModel):
    key: str = Field(description="`lower_limit`, `national`, `eea_…`, `small_lot`, `protocol_trigger`.")
    rule: str = Field(description="The catalogue rule the figure implements (e.g. `THR-01`).")
    value_nok: Optional[Decimal]
    effective_from: Optional[dt.date]
    effective_to: Optional[dt.date] = Field(description="Null: open period.")
    source: str = Field(description="The legal source of the figure.")
    last_verified: Optional[dt.date]
    note: str


class LawOut(BaseModel):
    id: str
    title: str
    title_en: str
    in_force_from: dt.date
    in_force_to: Optional[dt.date]
    verified: bool


class ThresholdsOut(BaseModel):
    date: dt.date = Field(description="The reference date.")
    table_id: str = Field(description="Fingerprint of the table's active rows: what an approved agreement records.")
    table_source: Literal["database", "shipped"] = Field(
        description="`database`: the table legal staff keep in the app; `shipped`: the one delivered with the code "
                    "(while the database holds none).")
    law: Optional[LawOut] = Field(description="The Act and regulation in force on the date.")
    thresholds: list[ThresholdOut] = Field(description="The active figures in force on the date, by key (none when the "
                                                       "table does not cover it).")
