"""Release and record packages, written incrementally: one release at a time goes to the output, so an
export of any size needs the memory of one chunk of rows (``source.py``)."""
from __future__ import annotations

import datetime as dt
import json
from typing import IO, Iterable, Iterator

from sqlalchemy.orm import Session

from . import build, purchases, records, source

VERSION = "1.1"
PUBLISHER = {"name": "Kursportalen"}


def dumps(node) -> str:
    return json.dumps(node, ensure_ascii=False, separators=(",", ":"))


def _moment(release: dict) -> dt.datetime:
    return dt.datetime.fromisoformat(release["date"].replace("Z", "+00:00"))


def keep(releases: list[dict], since: dt.date | None) -> list[dict]:
    """The releases dated on or after ``since`` (a Norwegian calendar date)."""
    if since is None:
        return releases
    start = source.since_moment(since)
    return [r for r in releases if _moment(r) >= start]


def agreement_releases(data: Iterable[build.AgreementData], prefix: str, since: dt.date | None = None) -> Iterator[dict]:
    for a in data:
        yield from keep(build.agreement_releases(a, prefix), since)


def purchase_releases(data: Iterable[purchases.PurchaseData], prefix: str, since: dt.date | None = None) -> Iterator[dict]:
    for p in data:
        yield from keep(purchases.purchase_releases(p, prefix), since)


def all_releases(session: Session, prefix: str, since: dt.date | None = None) -> Iterator[dict]:
    yield from agreement_releases(source.iter_agreements(session, since=since), prefix, since)
    yield from purchase_releases(source.iter_purchases(session, since=since), prefix, since)


def header(uri: str) -> dict:
    return {"uri": uri, "version": VERSION, "publisher": dict(PUBLISHER)}


def write_release_package(out: IO[str], releases: Iterable[dict], *, uri: str, now: dt.datetime) -> int:
    """Write a release package to ``out`` release by release; ``publishedDate`` comes last (the newest
    release's date, so the same data gives the same package; ``now`` when there is none). Returns the count."""
    head = dumps(header(uri))
    out.write(head[:-1] + ',"releases":[')
    count, newest = 0, None
    for release in releases:
        if count:
            out.write(",\n")
        out.write(dumps(release))
        count += 1
        if newest is None or _moment(release) > _moment(newest):
            newest = release
    published = newest["date"] if newest is not None else build.moment(now)
    out.write(f'],"publishedDate":{dumps(published)}}}\n')
    return count


def release_package(releases: list[dict], *, uri: str, now: dt.datetime, **extra) -> dict:
    newest = max(releases, key=_moment)["date"] if releases else build.moment(now)
    return {**header(uri), "publishedDate": newest, "releases": releases, **extra}


def record_package(record: dict, *, uri: str) -> dict:
    return {**header(uri), "publishedDate": record["compiledRelease"]["date"], "records": [record]}


# --- one contracting process -----------------------------------------------------------------------------

def parse_ocid(ocid: str, prefix: str) -> tuple[str, int] | None:
    """``<prefix>a-12`` → ("a", 12); anything else → None."""
    if not ocid.startswith(prefix):
        return None
    kind, _sep, number = ocid[len(prefix):].partition("-")
    if kind not in ("a", "p") or not (number.isascii() and number.isdigit()) or len(number) > 10 or number.startswith("0"):
        return None
    return kind, int(number)


def find_record(session: Session, ocid: str, prefix: str) -> dict | None:
    parsed = parse_ocid(ocid, prefix)
    if parsed is None:
        return None
    kind, local_id = parsed
    if kind == "a":
        data = source.load_agreements(session, [local_id])
        releases = build.agreement_releases(data[0], prefix) if data else []
    else:
        data = source.load_purchases(session, [local_id])
        releases = purchases.purchase_releases(data[0], prefix) if data else []
    return records.record(releases) if releases else None
