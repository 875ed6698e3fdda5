"""A course has at least one seat and one teaching hour (issue 19, item 3): 0 was accepted, and a course that
can never be bought was published. The message is on the field and says what is allowed."""
from __future__ import annotations

from decimal import Decimal

import pytest

from contracts_app.errors import ValidationFailed

from ..factories import make_course


@pytest.mark.parametrize("change, path, words", [
    ({"total_seats": 0}, "total_seats", "fra 1 til 10 000"),
    ({"hours_per_week": Decimal("0")}, "hours_per_week", "minst 1 og høyst 60"),
    ({"hours_per_week": Decimal("0.5")}, "hours_per_week", "minst 1 og høyst 60"),
    ({"total_hours": Decimal("0")}, "total_hours", "minst 1"),
])
def test_a_course_without_a_seat_or_an_hour_is_refused_on_the_field(app, db, world, clock, change, path, words):
    with app.test_request_context("/"), pytest.raises(ValidationFailed) as exc:
        make_course(db, world.course.provider_unit, title="Uten plass", **change)
    messages = {e["path"]: e["message"] for e in exc.value.errors}
    assert set(messages) == {path} and words in messages[path]


def test_one_seat_and_one_hour_is_enough(db, world, clock):
    course = make_course(db, world.course.provider_unit, title="Minst", total_seats=1, hours_per_week=Decimal("1"))
    assert course.total_seats == 1
