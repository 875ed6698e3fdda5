"""Course catalogue: search and detail for everyone; create and edit for the provider unit's coordinators."""
from __future__ import annotations

from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import clock
from ..auth import permissions as perm
from ..auth.access import current_principal, requires
from ..db import get_session
from ..pagination import page_arg, paginate
from ..organisations import places
from ..organisations.models import Unit
from ..web import current_actor, save_form
from . import queries, services
from .forms import CourseForm, CourseSearchForm
from .models import Course
from .pricing import Rate

bp = Blueprint("courses", __name__, url_prefix="/courses")


@bp.get("/")
@requires(perm.authenticated)
def index():
    session = get_session()
    form = CourseSearchForm(request.args)
    form.validate()
    page = page_arg(request.args)
    ok = lambda f: None if f.errors else f.data  # noqa: E731 - an invalid filter is ignored (and shown)
    stmt = queries.search(
        session, q=(ok(form.q) or "").strip(), kind=ok(form.kind) or "", level=ok(form.level) or "",
        municipality=(ok(form.municipality) or "").strip(), fmt=ok(form.format) or "",
        part_time=bool(form.part_time.data), start_from=ok(form.start_from), start_to=ok(form.start_to),
        min_free=ok(form.min_free),
    )
    found = paginate(session, stmt, page=page, per_page=queries.PAGE_SIZE)
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "courses/index.html", form=form, courses=found.items, total=found.total, page=found.page, pages=found.pages,
        args=args,
    )


@bp.get("/<int:course_id>")
@requires(perm.authenticated)
def detail(course_id: int):
    course = get_session().get(Course, course_id) or abort(404)
    p = current_principal()
    return render_template(
        "courses/detail.html", course=course, municipality_name=places.municipality_name,
        can_edit=perm.can_manage_courses(p) and course.provider_unit_id == p.unit_id,
        can_buy=perm.can_buy_seats(p) and course.provider_unit_id != p.unit_id and course.is_active,
    )


def _form_data(form: CourseForm) -> dict:
    rates = [
        Rate(entry.valid_from.data, Decimal(entry.amount.data))
        for entry in form.rates.entries
        if entry.valid_from.data is not None and entry.amount.data is not None
    ]
    return {
        "title": form.title.data, "kind": form.kind.data, "cefr_min": form.cefr_min.data, "cefr_max": form.cefr_max.data,
        "format": form.format.data, "municipality_number": form.municipality_number.data, "location": form.location.data,
        "start_date": form.start_date.data, "end_date": form.end_date.data, "rolling_start": form.rolling_start.data,
        "hours_per_week": form.hours_per_week.data, "total_hours": form.total_hours.data,
        "teaching_weekdays": [int(d) for d in form.teaching_weekdays.data or []], "part_time": form.part_time.data,
        "total_seats": form.total_seats.data, "price_unit": form.price_unit.data, "rates": rates,
        "target_groups": form.target_groups.data, "language_support": form.language_support.data,
        "description": form.description.data, "is_active": form.is_active.data,
    }


@bp.route("/new", methods=["GET", "POST"])
@requires(perm.can_manage_courses)
def new():
    session = get_session()
    p = current_principal()
    unit = session.get(Unit, p.unit_id) or abort(403)
    form = CourseForm()
    form.municipality_number.keep = {unit.municipality_number}  # the unit's own place, though the list may not know it
    if request.method == "GET":
        form.municipality_number.data = unit.municipality_number
    if form.validate_on_submit():
        course = save_form(form, lambda: services.create_course(session, unit, _form_data(form), actor=current_actor(), now=clock.now()))
        if course is not None:
            flash(_("The course %(title)s was created.", title=course.title), "success")
            return redirect(url_for(".detail", course_id=course.id))
    return render_template("courses/form.html", form=form, course=None), 422 if form.errors else 200


@bp.route("/<int:course_id>/edit", methods=["GET", "POST"])
@requires(perm.can_manage_courses)
def edit(course_id: int):
    session = get_session()
    course = session.get(Course, course_id) or abort(404)
    if course.provider_unit_id != current_principal().unit_id:
        abort(403)
    form = CourseForm(obj=course)
    form.municipality_number.keep = {course.municipality_number}  # what is stored stays valid
    if request.method == "GET":
        form.kind.data, form.format.data, form.price_unit.data = course.kind.value, course.format.value, course.price_unit.value
        form.cefr_min.data, form.cefr_max.data = course.cefr_min or "", course.cefr_max or ""
        form.teaching_weekdays.data = [str(d) for d in course.weekdays]
        for entry, rate in zip(form.rates.entries, course.rates):
            entry.valid_from.data, entry.amount.data = rate.valid_from, rate.amount
    if form.validate_on_submit():
        if save_form(form, lambda: services.update_course(session, course.id, _form_data(form), actor=current_actor(), now=clock.now())) is not None:
            flash(_("The changes were saved."), "success")
            return redirect(url_for(".detail", course_id=course.id))
    return render_template("courses/form.html", form=form, course=course), 422 if form.errors else 200
