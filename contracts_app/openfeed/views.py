"""The public free-seat feed: one page and two downloads of the same offers, no login (see ``__init__``).

The page shows an invalid filter as a message on its field and lists as if it were empty (200), like the
logged-in search. The JSON and CSV answer an invalid filter with 400 and the messages: a program that asked
for one municipality must not silently receive the whole country.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from decimal import Decimal

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import force_locale

from .. import clock
from ..auth.access import public
from ..courses.models import CourseFormat, CourseKind
from ..db import get_session
from ..pagination import requested
from . import queries
from .forms import FeedFilterForm
from .queries import FeedFilters, FeedItem

bp = Blueprint("openfeed", __name__)

#: Seconds a browser, a proxy or a municipality's website may keep the JSON and CSV.
MAX_AGE = 300
#: Offers per JSON page unless ``per_page`` asks for fewer (at most ``pagination.MAX_PER_PAGE``).
JSON_PER_PAGE = 100
FILTER_ARGS = ("municipality", "level", "format")
#: The downloads' language, whatever the visitor's: the same bytes for everyone, and reading no session (a
#: public, cacheable response must never vary by, refresh or set a visitor's cookie).
DOWNLOAD_LOCALE = "nb"

#: The CSV's columns (a file format: bokmål whatever the visitor's language, never renamed).
CSV_COLUMNS = (
    "Kurs", "Kurstype", "Tilbyder", "Tilbyders e-post", "Kommune", "Nivå (CEFR)", "Undervisningsform",
    "Plassene kan brukes fra", "Plassene kan brukes til", "Søknadsfrist", "Ledige plasser",
    "Pris per plass (kr eks. mva.)", "Tilbud-ID",
)
#: A cell Excel or LibreOffice would read as a formula starts with one of these (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _read_filters() -> tuple[FeedFilterForm, FeedFilters]:
    """The filters of the query string; a field with an error is left out (and carries its message)."""
    form = FeedFilterForm(request.args)
    form.validate()
    ok = lambda f: None if f.errors else f.data  # noqa: E731
    return form, FeedFilters(
        municipality=ok(form.municipality) or "", level=ok(form.level) or "", fmt=ok(form.format) or "")


def _filter_args() -> dict[str, str]:
    """The filters as given (for links to the other forms and pages of the same list)."""
    return {k: request.args[k] for k in FILTER_ARGS if request.args.get(k)}


def _bad_filters(form: FeedFilterForm):
    errors = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
    return current_app.response_class(json.dumps({"errors": errors}, ensure_ascii=False), status=400,
                                      mimetype="application/json")


def _cacheable(response, fingerprint: str):
    """Public for five minutes, with an ETag over what the response lists; answers If-None-Match with 304.
    Public data without credentials: any website may fetch it from a script (CORS)."""
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    response.headers["Access-Control-Allow-Origin"] = "*"
    # Weak: the body also says when it was made, which the tag leaves out.
    response.set_etag(hashlib.sha256(fingerprint.encode()).hexdigest()[:32], weak=True)
    return response.make_conditional(request)


# --- the page ---------------------------------------------------------------------------------------------

@bp.get("/open/ledige-plasser")
@public
def index():
    form, filters = _read_filters()
    page, per_page = requested(request.args)
    found = queries.feed_page(get_session(), filters, today=clock.today(), page=page, per_page=per_page)
    args = _filter_args()
    if request.args.get("per_page") and not form.errors:
        args_with_size = {**args, "per_page": str(found.per_page)}
    else:
        args_with_size = args
    return render_template("openfeed/index.html", form=form, found=found, args=args_with_size, filter_args=args,
                           kind_label=CourseKind.label_of, format_label=CourseFormat.label_of)


# --- JSON -------------------------------------------------------------------------------------------------

def _amount(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


def item_json(i: FeedItem) -> dict:
    return {
        "id": i.id,
        "course": {"title": i.course_title, "kind": i.course_kind},
        "provider": {"name": i.provider_name, "email": i.provider_email},
        "place": {"municipality_number": i.municipality_number, "municipality_name": i.municipality_name},
        "level": {"min": i.level_min, "max": i.level_max},
        "format": i.format,
        "period": {"start": i.period_start.isoformat(), "end": i.period_end.isoformat()},
        "deadline": i.deadline.isoformat(),
        "free_seats": i.free_seats,
        "price_per_seat": _amount(i.price_per_seat),
        "currency": "NOK",
    }


@bp.get("/open/ledige-plasser.json")
@public
def feed_json():
    with force_locale(DOWNLOAD_LOCALE):
        return _feed_json()


def _feed_json():
    form, filters = _read_filters()
    if form.errors:
        return _bad_filters(form)
    page, per_page = requested(request.args, per_page=JSON_PER_PAGE)
    found = queries.feed_page(get_session(), filters, today=clock.today(), page=page, per_page=per_page)
    listed = {"count": found.total, "page": found.page, "per_page": found.per_page,
              "items": [item_json(i) for i in found.items]}
    if found.has_next:
        more = {**_filter_args(), "page": found.page + 1}
        if request.args.get("per_page"):
            more["per_page"] = found.per_page
        listed["next"] = url_for("openfeed.feed_json", _external=True, **more)
    body = {
        "generated_at": clock.now().astimezone(dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "source": url_for("openfeed.index", _external=True, **_filter_args()),
        **listed,
    }
    response = current_app.response_class(json.dumps(body, ensure_ascii=False, indent=1), mimetype="application/json")
    return _cacheable(response, json.dumps(listed, sort_keys=True))


# --- CSV --------------------------------------------------------------------------------------------------

def _text(value: str | None) -> str:
    """A text cell no spreadsheet runs as a formula (a leading apostrophe, as OWASP advises)."""
    value = value or ""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _csv_amount(value: Decimal) -> str:
    """1234,50: a number to Norwegian Excel (decimal comma, no thousands separator, which would make it text)."""
    return _amount(value).replace(".", ",")


def _csv_date(day: dt.date) -> str:
    return day.strftime("%d.%m.%Y")  # a date to Norwegian Excel and LibreOffice


def _level(i: FeedItem) -> str:
    if i.level_min is None and i.level_max is None:
        return "Ingen krav"
    return f"{i.level_min or ''}–{i.level_max or ''}"


def csv_row(i: FeedItem) -> list[str]:
    place = f"{i.municipality_name} ({i.municipality_number})" if i.municipality_name else (i.municipality_number or "")
    return [
        _text(i.course_title), str(CourseKind.label_of(i.course_kind)), _text(i.provider_name), _text(i.provider_email),
        _text(place), _level(i), str(CourseFormat.label_of(i.format)), _csv_date(i.period_start),
        _csv_date(i.period_end), _csv_date(i.deadline), str(i.free_seats), _csv_amount(i.price_per_seat), str(i.id),
    ]


@bp.get("/open/ledige-plasser.csv")
@public
def feed_csv():
    """Every matching offer for Norwegian Excel, which opens a double-clicked CSV with the system's list
    separator and decimal sign (semicolon and comma in Norway) and reads it as UTF-8 only with a byte-order
    mark. So: BOM, ``;``, CRLF, amounts ``1234,50``, dates ``dd.mm.yyyy``, and the municipality as "Oslo
    (0301)" in one text cell (a bare ``0301`` would lose its leading zero). LibreOffice asks and accepts it
    too. Labels are bokmål whatever the visitor's language: the file is the same for everyone."""
    with force_locale(DOWNLOAD_LOCALE):
        return _feed_csv()


def _feed_csv():
    form, filters = _read_filters()
    if form.errors:
        return _bad_filters(form)
    items = queries.feed_all(get_session(), filters, today=clock.today())
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(CSV_COLUMNS)
    writer.writerows(csv_row(i) for i in items)
    text = out.getvalue()
    response = current_app.response_class(("\ufeff" + text).encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = 'attachment; filename="ledige-plasser.csv"'
    return _cacheable(response, text)
