"""The Norwegian working-day calendar: official public holidays and working days (pure).

Public holidays are the official days of ``holidays.Norway`` with ``include_sundays=False``: ordinary Sundays are
never "holidays" here, only the official days such as Easter Sunday or 17 May. The names are bokmål (the package
calls bokmål ``"no"``; ``"nb"`` is not supported by it and would silently give English names) and English.

Used by course pricing (teaching days skip public holidays) and by capacity (a hold ends after N working days).
Days as proleptic ordinals: ordinal 1 (0001-01-01) is a Monday, so ``(o - 1) % 7`` is the weekday.
"""
from __future__ import annotations

from bisect import bisect_left
from datetime import date
from functools import lru_cache
from itertools import chain
from types import MappingProxyType
from typing import Mapping


@lru_cache(maxsize=256)
def holidays_of_year(year: int) -> Mapping[int, tuple[str, str]]:
    """Norwegian official public holidays of ``year``: ordinal → (bokmål name, English name)."""
    import holidays  # imported on first use: it is slow to import and most processes never price anything

    nb = holidays.Norway(years=year, language="no", include_sundays=False)
    en = holidays.Norway(years=year, language="en_US", include_sundays=False)
    return MappingProxyType({day.toordinal(): ("; ".join(nb.get_list(day)), "; ".join(en.get_list(day))) for day in nb})


def holiday_name_en(day: date, fallback: str) -> str:
    """The English name of the public holiday on ``day``, or ``fallback``."""
    names = holidays_of_year(day.year).get(day.toordinal())
    return names[1] if names else fallback


def is_public_holiday(day: date) -> bool:
    """Whether ``day`` is a Norwegian official public holiday (ordinary Sundays are not)."""
    return day.toordinal() in holidays_of_year(day.year)


def add_working_days(day: date, n: int) -> date:
    """The ``n``-th working day after ``day`` (Monday–Friday, not a public holiday); ``day`` itself if n is 0."""
    while n > 0:
        day = date.fromordinal(day.toordinal() + 1)
        if day.weekday() < 5 and not is_public_holiday(day):
            n -= 1
    return day


def days_on_weekdays(s: int, e: int, weekdays: tuple[int, ...]) -> tuple[list[int], tuple[tuple[date, str], ...]]:
    """The ordinals in ``[s, e]`` whose weekday (0 = Monday) is one of ``weekdays`` and that are not public
    holidays, sorted; and the public holidays that removed one of them, as (date, bokmål name)."""
    first_weekday = (s - 1) % 7
    candidates = sorted(chain.from_iterable(range(s + (w - first_weekday) % 7, e + 1, 7) for w in weekdays))
    wanted = set(weekdays)
    hit: dict[int, str] = {}
    for year in range(date.fromordinal(s).year, date.fromordinal(e).year + 1):
        for o, (name_nb, _name_en) in holidays_of_year(year).items():
            if s <= o <= e and (o - 1) % 7 in wanted:
                hit[o] = name_nb
    if not hit:
        return candidates, ()
    for o in hit:  # a dozen deletions from a sorted list beat filtering every day
        del candidates[bisect_left(candidates, o)]
    return candidates, tuple((date.fromordinal(o), hit[o]) for o in sorted(hit))
