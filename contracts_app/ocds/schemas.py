"""The OCDS endpoints' query and answer models (pydantic, as the rest of ``/api/v1``). The answers are OCDS
packages: their shape is the OCDS 1.1.5 schema's, so the models only name the package's top level."""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from pydantic import BaseModel, ConfigDict, Field

from ..api.schemas import PageQuery


class OcdsReleaseQuery(PageQuery):
    """Contracting processes (agreements first, then purchases, each by id) per page, with their releases."""

    since: Optional[dt.date] = Field(None, description="Only releases dated on or after this date (YYYY-MM-DD, Norwegian time).")


class OcdsPublisher(BaseModel):
    name: str


class OcdsLinks(BaseModel):
    next: Optional[str] = Field(None, description="The next page (absent on the last).")


class OcdsReleasePackage(BaseModel):
    """An OCDS 1.1 release package (https://standard.open-contracting.org/1.1/en/schema/release_package/).
    `links.next` (as in OCDS 1.2) and `next_cursor` page it; an empty page has no releases."""

    model_config = ConfigDict(extra="allow", title="OcdsReleasePackage")

    uri: str
    version: str
    publisher: OcdsPublisher
    publishedDate: str
    releases: list[dict[str, Any]]
    links: Optional[OcdsLinks] = None
    next_cursor: Optional[str] = None


class OcdsRecordPackage(BaseModel):
    """An OCDS 1.1 record package with one record: every release of the contracting process and the
    compiled release (https://standard.open-contracting.org/1.1/en/schema/record_package/)."""

    model_config = ConfigDict(extra="allow", title="OcdsRecordPackage")

    uri: str
    version: str
    publisher: OcdsPublisher
    publishedDate: str
    records: list[dict[str, Any]]
