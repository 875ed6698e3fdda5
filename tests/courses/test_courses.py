"""Course services and the course form: seats never below what is sold, rate errors on their row."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from contracts_app.audit import Actor
from contracts_app.courses import services as course_services
from contracts_app.courses.models import Course
from contracts_app.courses.pricing import Rate
from contracts_app.errors import ValidationFailed

from ..support import login


def test_course_seats_cannot_be_set_below_what_is_sold(db, world, clock):
    data = {k: getattr(world.course, k) for k in course_services.COURSE_FIELDS}
    data.update(kind=world.course.kind.value, format=world.course.format.value, price_unit=world.course.price_unit.value,
                teaching_weekdays=list(world.course.weekdays), total_seats=0,
                rates=[Rate(r.valid_from, r.amount) for r in world.course.rates])
    with pytest.raises(ValidationFailed) as info:
        course_services.update_course(db, world.course.id, data, actor=Actor(None), now=clock.now())
    assert "total_seats" in {e["path"] for e in info.value.errors}

@pytest.mark.parametrize(
    "rate,field_id",
    [("0", "rates-0-amount-error"), ("-5", "rates-0-amount-error"), ("", "rates-error")],
    ids=["zero-rate", "negative-rate", "no-rate"],
)
def test_course_rate_errors_show_on_the_rate_row_and_nothing_is_stored(client, db, world, rate, field_id):
    login(client, "coordinator@test.no")
    before = db.scalar(select(func.count()).select_from(Course))
    response = client.post("/courses/new", data={
        "title": "Nytt kurs", "kind": "norwegian_training", "format": "in_person", "start_date": "2026-08-17",
        "end_date": "2026-12-18", "hours_per_week": "8", "teaching_weekdays": ["0", "1", "2"], "total_seats": "12",
        "price_unit": "per_hour", "rates-0-valid_from": "2026-08-01", "rates-0-amount": rate,
    })
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert 'id="error-summary"' in text and (f'id="{field_id}"' in text)
    assert 'value="Nytt kurs"' in text
    assert db.scalar(select(func.count()).select_from(Course)) == before


@pytest.mark.parametrize("path", ["/courses/", "/capacity"])
@pytest.mark.parametrize("query", ["kind=bogus", "format=bogus", "level=Z9", "kind=bogus&format=bogus&level=x"])
def test_an_unknown_filter_value_is_ignored_and_shown_not_a_500(client, world, path, query):
    login(client, "advisor@test.no")
    response = client.get(f"{path}?{query}")
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
