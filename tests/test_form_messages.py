"""No English WTForms message on a bokmål page (issue 19, item 4).

Every form class in the app (found by walking the package, so a new form is covered without being listed here)
is filled with invalid input in ``nb`` inside a request and validated; any error that is one of WTForms'
English messages (the msgids of ``wtforms/locale/wtforms.pot``) fails the test."""
from __future__ import annotations

import importlib
import pkgutil
import re

import flask
import pytest
import wtforms
from flask_babel import get_locale
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

import contracts_app
from contracts_app import formbase

from .support import wtforms_english_messages

# One value per kind of mistake: missing, letters, negative, too short/long, too many digits, a bad choice.
INVALID_INPUTS = ["", "abc", "-5", "1", "x" * 5000, "9" * 40, "1.2.3", "2026-13-45"]


def _all_form_classes() -> list[type[wtforms.Form]]:
    for info in pkgutil.walk_packages(contracts_app.__path__, prefix="contracts_app."):
        importlib.import_module(info.name)
    found, todo = set(), [wtforms.Form]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("contracts_app.") and sub not in (formbase.Form, formbase.FlaskForm):
                found.add(sub)
    return sorted(found, key=lambda c: (c.__module__, c.__qualname__))


FORM_CLASSES = _all_form_classes()


ENGLISH = wtforms_english_messages()


def _make(form_class, formdata=None):
    kwargs = {"meta": {"csrf": False}} if issubclass(form_class, FlaskForm) else {}
    return form_class(formdata, **kwargs) if formdata is not None else form_class(**kwargs)


def _leaves(fields):
    for field in fields:
        if isinstance(field, wtforms.FormField):
            yield from _leaves(field.form)
        elif isinstance(field, wtforms.FieldList):
            yield from _leaves(field.entries)
        else:
            yield field


def _messages(form, fields=None):
    """Every error message of every field, validating field by field: a select field whose choices the view
    fills in raises "Choices cannot be None." instead of answering with an error."""
    found = []
    for field in fields if fields is not None else form:
        try:
            field.validate(form)
        except (TypeError, ValueError) as exc:
            found.append(str(exc))
        errors = field.errors
        stack = [errors]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                stack.extend(item.values())
            elif isinstance(item, (list, tuple)):
                stack.extend(item)
            else:
                found.append(str(item))
    return found


def test_every_form_class_is_found():
    names = {c.__name__ for c in FORM_CLASSES}
    assert {"PurchaseForm", "ParticipantForm", "RateForm", "PartyForm", "PageForm", "BudgetForm"} <= names


def test_every_plain_form_takes_the_request_language():
    plain = [c.__qualname__ for c in FORM_CLASSES if not issubclass(c, (formbase.FlaskForm, formbase.Form))]
    assert plain == [], "derive these from contracts_app.formbase (FlaskForm or Form): " + repr(plain)


@pytest.mark.parametrize("form_class", FORM_CLASSES, ids=lambda c: f"{c.__module__.removeprefix('contracts_app.')}.{c.__name__}")
def test_no_english_wtforms_message_in_bokmal(app, form_class):
    english = []
    for value in INVALID_INPUTS:
        with app.test_request_context("/", method="POST"):
            assert str(get_locale()).startswith("nb")
            names = [f.name for f in _leaves(_make(form_class))]
            # A second entry in every list: participant 2, rate 2 …
            names += [re.sub(r"-0-", "-1-", n) for n in names if "-0-" in n]
        with app.test_request_context("/", method="POST", data=MultiDict([(n, value) for n in names])):
            form = _make(form_class, formdata=flask.request.form)
            messages = _messages(form) + _messages(form, list(_leaves(form)))
            english += [(value[:10], m) for m in messages if any(p.fullmatch(m) for p in ENGLISH)]
    assert english == [], f"{form_class.__name__}: English WTForms messages on a bokmål page: {sorted(set(english))[:10]}"


def test_the_three_messages_from_the_issue_are_bokmal(app):
    with app.test_request_context("/"):
        t = flask.request.wtforms_translations
        assert t.ngettext("Field must be exactly %(max)d character long.",
                          "Field must be exactly %(max)d characters long.", 4) % {"max": 4} == "Feltet må være nøyaktig 4 tegn langt."
        assert t.gettext("Number must be at least %(min)s.") % {"min": 0} == "Tall må være minst 0."
        assert t.gettext("Not a valid decimal value.").startswith("Ikke en gyldig desimalverdi")
