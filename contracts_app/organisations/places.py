"""Norwegian municipalities and counties by name and number (pure; no Flask).

The official list ships as package data: ``data/municipalities-2024.csv`` (Statistics Norway's classifications
Klass 131 and 104, the 2024 structure; ``data/municipalities-2024.md`` says where it comes from and where a
production install refreshes it). It is read once per process. Units, courses and offers store the *number*
(kommunenummer, four digits; fylkesnummer, two); people type and read *names*. :func:`find_municipality` and
:func:`find_county` turn what was typed — a name in any case, a number, the suggestion "Oslo (0301)" or a unique
start of a name — into the number, or raise :class:`PlaceNotFound` / :class:`PlaceAmbiguous`.
"""
from __future__ import annotations

import csv
import functools
import io
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources

DATA_FILE = "municipalities-2024.csv"
MUNICIPALITY_DIGITS = 4
COUNTY_DIGITS = 2

# The snapshot keeps one language form for these municipalities; SSB's official name is the double (or triple)
# form, and people type the Norwegian one ("Hattfjelldal", "Karasjok", "Tana"). Shown and searched by these names.
OFFICIAL_NAMES = {
    "1826": "Hattfjelldal – Aarborte",
    "1841": "Fauske – Fuossko",
    "1870": "Sortland – Suortá",
    "1875": "Hamarøy – Hábmer",
    "5041": "Snåase – Snåsa",
    "5043": "Raarvihke – Røyrvik",
    "5512": "Tjeldsund – Dielddanuorri",
    "5518": "Loabák – Lavangen",
    "5538": "Storfjord – Omasvuotna – Omasvuono",
    "5540": "Gáivuotna – Kåfjord – Kaivuono",
    "5610": "Kárášjohka – Karasjok",
    "5612": "Guovdageaidnu – Kautokeino",
    "5622": "Porsanger – Porsáŋgu – Porsanki",
    "5628": "Deatnu – Tana",
    "5636": "Unjárga – Nesseby",
}
# Words people add to a name that are not part of it: "Bergen kommune", "Voss herad", "Rogaland fylke".
MUNICIPALITY_SUFFIXES = ("kommune", "herad")
COUNTY_SUFFIXES = ("fylkeskommune", "fylke")
_WITH_NUMBER = re.compile(r"^(?P<name>.*?)\s*\(\s*(?P<number>\d+)\s*\)$")  # "Oslo (0301)", as the suggestions show it
_DASH = re.compile(r"\s*[-–—]\s*")
_SPACE = re.compile(r"\s+")
MAX_INPUT = 100


@dataclass(frozen=True)
class County:
    number: str
    name: str

    @property
    def label(self) -> str:
        return f"{self.name} ({self.number})"


@dataclass(frozen=True)
class Municipality:
    number: str
    name: str
    county: County

    @property
    def label(self) -> str:
        return f"{self.name} ({self.number})"


class PlaceError(ValueError):
    """What was typed names no place (``PlaceNotFound``) or several (``PlaceAmbiguous``)."""

    def __init__(self, text: str, candidates: tuple = ()):
        super().__init__(text)
        self.text = text
        self.candidates = candidates


class PlaceNotFound(PlaceError):
    pass


class PlaceWrongLength(PlaceNotFound):
    """Only digits, but not as many as a number of that kind has."""


class PlaceAmbiguous(PlaceError):
    """``candidates``: the places that fit, by name."""


@dataclass(frozen=True)
class _Index:
    by_number: dict
    keys: tuple  # (normalised name, folded name, number), every name and name form of every place
    digits: int
    suffixes: tuple


@dataclass(frozen=True)
class Places:
    municipalities: dict[str, Municipality]
    counties: dict[str, County]
    _m: _Index
    _c: _Index


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFC", text).casefold().strip().strip("\"'«»“”")
    return _SPACE.sub(" ", _DASH.sub("-", text)).strip()


def _fold(key: str) -> str:
    """Without accents, for a second try: "karasjohka" finds "Kárášjohka" (å and ø stay letters of their own)."""
    decomposed = unicodedata.normalize("NFD", key.replace("å", "\0"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("\0", "å")


def _names(name: str) -> list[str]:
    """The forms a place is found by: its name, each part of a multi-language name, the name without a
    disambiguation ("Herøy (Nordland)" is also a "Herøy")."""
    forms = [name, *name.split(" – ")]
    base = re.sub(r"\s*\([^)]*\)$", "", name)
    if base != name:
        forms.append(base)
    return forms


def _index(entries: dict, digits: int, suffixes: tuple) -> _Index:
    keys = []
    for number, place in entries.items():
        for form in dict.fromkeys(_norm(n) for n in _names(place.name)):
            keys.append((form, _fold(form), number))
    return _Index(entries, tuple(keys), digits, suffixes)


def parse(text: str) -> Places:
    """The places in a file in the shipped format (a header, then number, name, county number, county name)."""
    municipalities: dict[str, Municipality] = {}
    counties: dict[str, County] = {}
    for row in csv.DictReader(io.StringIO(text)):
        number, county_number = row["municipality_number"].strip(), row["county_number"].strip()
        if not (len(number) == MUNICIPALITY_DIGITS and number.isdigit() and number.startswith(county_number)):
            raise ValueError(f"bad municipality row: {row!r}")
        county = counties.setdefault(county_number, County(county_number, row["county_name"].strip()))
        municipalities[number] = Municipality(number, OFFICIAL_NAMES.get(number, row["municipality_name"].strip()), county)
    return Places(
        municipalities, counties,
        _index(municipalities, MUNICIPALITY_DIGITS, MUNICIPALITY_SUFFIXES), _index(counties, COUNTY_DIGITS, COUNTY_SUFFIXES),
    )


@functools.cache
def places() -> Places:
    """The shipped list, read once per process."""
    return parse(resources.files(__package__).joinpath("data", DATA_FILE).read_text(encoding="utf-8"))


# --- numbers → names --------------------------------------------------------------------------------------

def municipality(number: str | None) -> Municipality | None:
    return places().municipalities.get(number or "")


def county(number: str | None) -> County | None:
    return places().counties.get(number or "")


def municipality_name(number: str | None) -> str:
    """The name for a stored number; the number itself when the list does not know it (an invented demo place,
    a municipality merged away since); "" for none."""
    place = municipality(number)
    return place.name if place else (number or "")


def county_name(number: str | None) -> str:
    place = county(number)
    return place.name if place else (number or "")


def municipality_label(number: str | None) -> str:
    """"Oslo (0301)": how a field shows a stored number, as the suggestions do."""
    place = municipality(number)
    return place.label if place else (number or "")


def county_label(number: str | None) -> str:
    place = county(number)
    return place.label if place else (number or "")


def municipalities() -> list[Municipality]:
    """Every municipality, by name (the order of the suggestions)."""
    return sorted(places().municipalities.values(), key=lambda m: (_norm(m.name), m.number))


def counties() -> list[County]:
    return sorted(places().counties.values(), key=lambda c: (_norm(c.name), c.number))


# --- what was typed → a number ------------------------------------------------------------------------------

def find_municipality(text: str, *, keep: frozenset[str] | set[str] = frozenset()) -> str:
    """The municipality number for a name or number. ``keep``: numbers accepted although the list does not know
    them (the value already stored on the record being edited)."""
    return _find(places()._m, text, keep)


def find_county(text: str, *, keep: frozenset[str] | set[str] = frozenset()) -> str:
    return _find(places()._c, text, keep)


def _find(index: _Index, text: str, keep) -> str:
    raw = (text or "").strip()
    if len(raw) > MAX_INPUT:
        raise PlaceNotFound(raw)
    key = _norm(raw)
    if (m := _WITH_NUMBER.match(key)) is not None:
        key = m.group("number")  # a chosen suggestion: its number decides
    if key.isdigit():
        if key in index.by_number or key in keep:
            return key
        if len(key) != index.digits:
            raise PlaceWrongLength(raw)
        raise PlaceNotFound(raw)
    for suffix in index.suffixes:
        if key.endswith(" " + suffix):
            key = key[: -len(suffix) - 1].rstrip()
            break
    if not key:
        raise PlaceNotFound(raw)
    folded = _fold(key)
    for fits in (
        lambda k, f: k == key,
        lambda k, f: f == folded,
        lambda k, f: k.startswith(key),
        lambda k, f: f.startswith(folded),
    ):
        numbers = list(dict.fromkeys(number for k, f, number in index.keys if fits(k, f)))
        if len(numbers) == 1:
            return numbers[0]
        if numbers:
            found = sorted((index.by_number[n] for n in numbers), key=lambda p: (_norm(p.name), p.number))
            raise PlaceAmbiguous(raw, tuple(found))
    raise PlaceNotFound(raw)
