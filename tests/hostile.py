"""Helpers for tests/test_hostile_input.py: the hostile values per input type, reading the forms of a page
(lxml), counting every table's rows in one statement, and keeping the traceback of a 500 so a failure says
where it was raised."""
from __future__ import annotations

import inspect
import logging
import re
import traceback
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from lxml import html as lxml_html
from sqlalchemy import func, select

# ---------------------------------------------------------------------------------------------------------------
# The corpus: fixed values per input type (deterministic, so CI runs the same cases every time).

RTL_EMOJI = "\u202eمرحبا \u05e9\u05dc\u05d5\u05dd 👩\u200d👩\u200d👧 \U0001f600\u200f"
LONG = "x" * 10_000
SPECIALS = "'\"&|!:*\\<>%;"

# Every list is ordered most telling first: a route with many fields takes only the first few values of each
# (see ``per_field``), so the run stays short and every field still gets the worst ones.
#
# Query string values: unknown enums, huge and negative numbers, NUL, 10 000 characters, RTL and emoji,
# quotes and the full-text search operators, impossible dates.
QUERY_VALUES = [
    "__unknown__", "9" * 400, "1e999999999", "-1", LONG, RTL_EMOJI, "&|!:*\\", "'", str(2**31), "sNaN", '"',
    "9999-12-31", "0000-01-01", "\x00",
]

# A query parameter no code reads (tests/test_hostile_input.py adds ``page`` to every route, and ``size`` to every
# view that reads the query string; see ``read_names``) reaches only the app-wide query-string check (boundary.py:
# control characters → 400) and a view that ignores it: the same code on every such route. It gets one value per
# class that check and the URL decoding tell apart — a control character, 10 000 characters, RTL text with emoji,
# an unknown word — instead of the whole list above, which every parameter a view does read still gets (and an
# unread one on test_hostile_input.UNREAD_FULL_ROUTES).
UNREAD_VALUES = ["\x00", LONG, RTL_EMOJI, "__unknown__"]
assert set(UNREAD_VALUES) <= set(QUERY_VALUES)

TEXT = ["\x00", LONG, RTL_EMOJI, SPECIALS, "' OR '1'='1"]
NUMBER = ["9" * 400, "1e999999999", str(2**31), "-1", "sNaN", "abc", "99999999999999999999"]
DATE = ["0000-01-01", "9999-12-31", "abc", "2026-02-30"]
CHOICE = ["__unknown__", "9" * 400, "-1"]
HIDDEN = ["9" * 400, "abc", "-1", str(2**31), "", "\x00"]
FILES = [("not-a-pdf.pdf", b"%PDF-1.4 this is not a PDF"), ("empty.pdf", b""), (RTL_EMOJI + ".json", b"\xff\xfe{")]

CORPUS = {
    "text": TEXT, "textarea": TEXT, "email": TEXT + ["a@b", "@"], "password": [LONG, RTL_EMOJI, SPECIALS],
    "number": NUMBER, "date": DATE, "select": CHOICE, "checkbox": CHOICE, "radio": CHOICE, "hidden": HIDDEN,
    "button": ["__unknown__"], "file": FILES,
}

# A plausible value for an empty field, so the rest of the form is valid and the hostile field gets further.
FILL = {"text": "Test", "textarea": "Test", "email": "test@example.no", "password": "Test-passord-123",
        "number": "1", "date": "2026-03-09"}

# ---------------------------------------------------------------------------------------------------------------
# Forms read from a page.


@dataclass
class Input:
    name: str
    kind: str  # a CORPUS key
    values: list[str] = field(default_factory=list)  # what the browser would send unchanged (may be several)


@dataclass
class PageForm:
    action: str  # path (no query string)
    method: str
    inputs: list[Input]

    def base(self) -> list[tuple[str, object]]:
        return [(i.name, v) for i in self.inputs for v in i.values]

    def with_value(self, name: str, value) -> list[tuple[str, object]]:
        """The form as the browser sends it, with ``name`` replaced by one hostile value."""
        out = [(n, v) for n, v in self.base() if n != name]
        out.append((name, value))
        return out


def _kind(el) -> str:
    tag = el.tag
    if tag in ("select", "textarea"):
        return tag
    if tag == "button":
        return "button"
    t = (el.get("type") or "text").lower()
    if t in ("number", "range") or (el.get("inputmode") or "") in ("numeric", "decimal"):
        return "number"
    if t in ("date", "datetime-local", "month"):
        return "date"
    if t in ("checkbox", "radio", "hidden", "email", "password", "file"):
        return t
    return "text"


def parse_forms(body: str, page_path: str) -> list[PageForm]:
    doc = lxml_html.fromstring(body)
    forms = []
    for form in doc.iter("form"):
        action = urlsplit(form.get("action") or page_path).path or page_path
        inputs: dict[str, Input] = {}
        for el in form.iter("input", "select", "textarea", "button"):
            name = el.get("name")
            if not name or el.get("disabled") is not None:
                continue
            kind = _kind(el)
            if kind == "text" and el.tag == "input" and (el.get("type") or "text").lower() in ("submit", "reset", "image"):
                kind = "button"
            item = inputs.setdefault(name, Input(name, kind))
            if kind in ("checkbox", "radio"):
                if el.get("checked") is not None:
                    item.values.append(el.get("value") or "on")
                elif kind == "radio" and not item.values and not any(
                        e.get("checked") is not None for e in form.iter("input") if e.get("name") == name):
                    item.values.append(el.get("value") or "on")
            elif kind == "select":
                options = [o for o in el.iter("option")]
                chosen = [o.get("value", o.text_content()) for o in options if o.get("selected") is not None]
                if not chosen:
                    real = [o.get("value", o.text_content()) for o in options if o.get("value", o.text_content())]
                    chosen = real[:1] or [""]
                item.values.extend(chosen if el.get("multiple") is not None else chosen[:1])
            elif kind == "button":
                if not item.values:
                    item.values.append(el.get("value") or "")
            elif kind == "file":
                pass
            elif kind == "textarea":
                item.values.append(el.text_content() or FILL["textarea"])
            else:
                value = el.get("value")
                if not value and kind in FILL and name != "csrf_token":
                    value = FILL[kind]
                item.values.append(value or "")
        forms.append(PageForm(action, (form.get("method") or "get").lower(), list(inputs.values())))
    return forms


def query_names(view) -> set[str]:
    """The query-string names a view reads (``request.args.get("x")``, ``args["x"]``, ``page``/``per_page``
    through ``pagination.requested``/``page_arg``/``PageForm``), and ``page``/``size`` for any view that reads
    the query string (see ``read_names``)."""
    while hasattr(view, "__wrapped__"):
        view = view.__wrapped__
    try:
        source = inspect.getsource(view)
    except (OSError, TypeError):
        return set()
    names = set(re.findall(r"args(?:\.get|\.getlist|\.get_all)?\(\s*[\"'](\w+)", source))
    names |= set(re.findall(r"args\[\s*[\"'](\w+)", source))
    if re.search(r"\b(?:requested|page_arg|PageForm)\(", source):
        names |= {"page", "per_page"}
    if "request.args" in source:
        names |= {"page", "size"}
    return names


def read_names(view) -> set[str] | None:
    """The names of ``query_names`` the view's source names itself (or reads through the pagination helpers);
    the rest (``page``/``size`` added for any view that reads the query string) may be read by no code at all.
    None when the view calls a function of the app that reads the query string itself (``parse_query``,
    ``_read_filters`` …): then any name may be read."""
    names = query_names(view)
    source = _source(view)
    if any(re.search(rf"\b{helper}\(", source) for helper in _query_helpers()):
        return None
    guessed = {"page", "size"} if "request.args" in source else set()
    paged = {"page", "per_page"} if re.search(r"\b(?:requested|page_arg|PageForm)\(", source) else set()
    literal = {n for n in guessed if re.search(rf"[\"']{n}[\"']", source)}
    return names - guessed | paged | literal


_HELPERS: list[str] | None = None


def _query_helpers() -> list[str]:
    """The app's functions that read ``request.args`` and are not views (found once, in the source)."""
    global _HELPERS
    if _HELPERS is None:
        import ast
        from pathlib import Path

        import contracts_app

        helpers: list[tuple[str, str, str]] = []  # undecorated functions: file, name, source
        for path in Path(contracts_app.__file__).parent.rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            lines = text.splitlines()
            for node in ast.walk(ast.parse(text)):
                if isinstance(node, ast.FunctionDef) and not node.decorator_list:
                    helpers.append((str(path), node.name, "\n".join(lines[node.lineno - 1:node.end_lineno])))
        # not the app-wide check every request passes (boundary.py) nor the test OIDC provider's own app
        readers = {(f, name) for f, name, source in helpers if "request.args" in source} - {
            (f, n) for f, n, _s in helpers if n in ("_refuse_control_characters_in_query_string", "_make_app")}
        found = set(readers)
        while True:  # and the functions of the same module that call one of them
            more = set()
            for f, name, source in helpers:
                callees = [n for g, n in found if g == f]
                if (f, name) not in found and callees and re.search(
                        r"\b(?:" + "|".join(map(re.escape, callees)) + r")\(", source):
                    more.add((f, name))
            if not more:
                break
            found |= more
        found = {name for _f, name in found}
        _HELPERS = sorted(found)
    return _HELPERS


def _source(view) -> str:
    while hasattr(view, "__wrapped__"):
        view = view.__wrapped__
    try:
        return inspect.getsource(view)
    except (OSError, TypeError):
        return ""


_PAIRS = [("_from", "_to"), ("from_", "to_"), ("min_", "max_"), ("_min", "_max"), ("start", "end")]


def inverted_ranges(names: set[str]) -> list[dict[str, str]]:
    """For each pair of names that look like a range (x_from/x_to, min_x/max_x, start/end …), values that
    run backwards, as dates and as numbers."""
    out = []
    for a in sorted(names):
        for lo, hi in _PAIRS:
            if lo in a:
                b = a.replace(lo, hi)
                if b in names and b != a:
                    out.append({a: "2026-12-31", b: "2026-01-01"})
                    out.append({a: "10", b: "1"})
    return out


# ---------------------------------------------------------------------------------------------------------------
# Row counts and tracebacks.


def row_counts(session, metadata, exempt: set[str]) -> dict[str, int]:
    """Every table's row count, in one statement (scalar subqueries)."""
    tables = [t for name, t in sorted(metadata.tables.items()) if name not in exempt]
    row = session.execute(select(*[select(func.count()).select_from(t).scalar_subquery().label(t.name)
                                    for t in tables])).one()
    return dict(zip([t.name for t in tables], row))


def changed(before: dict[str, int], after: dict[str, int]) -> dict[str, tuple[int, int]]:
    return {k: (before[k], after[k]) for k in before if before[k] != after.get(k)}


class ErrorCapture(logging.Handler):
    """Keeps the exceptions logged by the 500 handler (contracts_app/errors.py logs them with the traceback)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.records.append(record)

    def take(self) -> list[logging.LogRecord]:
        out, self.records = self.records, []
        return out


def where_raised(exc_info) -> str:
    """``file:line in function`` of the deepest frame in the app's code, then the exception, shortened."""
    _type, exc, tb = exc_info
    frames = traceback.extract_tb(tb)
    ours = [f for f in frames if "/contracts_app/" in f.filename] or frames
    site = ours[-1] if ours else None
    text = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
    if site is None:
        return text
    path = site.filename.split("/work/main/")[-1]
    deepest = frames[-1]
    tail = "" if deepest is site else f" (deepest: {deepest.filename.split('site-packages/')[-1]}:{deepest.lineno})"
    return f"{path}:{site.lineno} in {site.name}{tail} — {text}"


def per_field(fields: int, budget: int, least: int = 2) -> int:
    """How many values of each field's list to send so that ``fields`` fields take about ``budget`` requests."""
    return max(least, budget // max(fields, 1))


def short(value) -> str:
    """A value as a failure message shows it: repr, long values cut."""
    if isinstance(value, tuple):
        value = value[0]
    r = repr(value)
    return r if len(r) <= 40 else r[:30] + f"…(len {len(r)})"
