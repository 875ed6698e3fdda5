"""Domain errors and the one place that turns them into responses.

Services raise these with a message that tells the user what they can do. Views never build error responses
by hand: HTML requests get an error page (or a flashed message for DomainError on a form post), JSON/API
requests a body ``{"error": ..., "errors": [{"path": ..., "message": ...}]}``.
"""
from __future__ import annotations

import logging

from flask import Flask, current_app, flash, jsonify, redirect, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A business rule refused the request. ``status`` is the HTTP status an API answers with."""

    status = 409

    def __init__(self, message: str, *, errors: list[dict] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or []


class ValidationFailed(DomainError):
    """Input that is well-formed but not acceptable; ``errors`` name the fields."""

    status = 422


class NotFound(DomainError):
    status = 404


class PermissionDenied(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409


class TransitionNotAllowed(Conflict):
    """A status change that the object's transition table (its ``states.py``) does not allow.

    A 409 conflict page or JSON body, never a 500: it usually means someone else moved the object first.
    ``current`` and ``target`` are the states (enum members or strings); ``action`` the attempted action.
    """

    def __init__(self, current, target=None, *, action: str | None = None, message: str | None = None):
        self.current, self.target, self.action = current, target, action
        super().__init__(message or _refusal(getattr(current, "label", getattr(current, "value", current))))


def _refusal(state: str) -> str:
    """The default message, in the request's language (English outside one: scripts, jobs, tests)."""
    try:
        return _("This cannot be done while the status is “%(state)s”. Reload the page to see the current state.",
                 state=state)
    except (RuntimeError, KeyError):
        return f"This cannot be done while the status is “{state}”. Reload the page to see the current state."


def wants_json() -> bool:
    if request.path.startswith("/api/") or request.path == "/healthz":
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _title(status: int) -> str:
    titles = {
        400: _("Bad request"),
        403: _("Access denied"),
        404: _("Page not found"),
        405: _("Method not allowed"),
        409: _("Conflict"),
        413: _("Request too large"),
        422: _("Invalid input"),
        429: _("Too many requests"),
        500: _("Something went wrong"),
    }
    return titles.get(status, _("Something went wrong"))


def _explanation(status: int) -> str:
    texts = {
        400: _("The request could not be understood. Go back and try again."),
        403: _("You do not have access to this page with your active unit and role."),
        404: _("We could not find what you asked for. It may have been moved or deleted."),
        405: _("This page cannot be used that way."),
        409: _("The request conflicts with the current state. Reload the page and try again."),
        413: _("The file or form you sent is too large."),
        422: _("Some of the input could not be accepted."),
        429: _("Too many attempts. Wait a little and try again."),
        500: _("An unexpected error occurred. It has been logged. Try again later."),
    }
    return texts.get(status, texts[500])


def error_response(status: int, message: str | None = None, errors: list[dict] | None = None):
    if request.path.startswith("/api/v1/"):  # the API answers in RFC 9457 problem+json, also for unknown paths
        from .api.problems import problem

        return problem(status, message, errors=errors)
    if wants_json():
        body = {"error": message or _title(status), "status": status}
        if errors:
            body["errors"] = errors
        return jsonify(body), status
    return (
        render_template(
            "errors/error.html", status=status, title=_title(status), message=message or _explanation(status)
        ),
        status,
    )


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain_error(exc: DomainError):
        from .db import get_session

        from .web import referrer_target

        get_session().rollback()  # nothing half-written stays
        back = referrer_target() if not wants_json() and request.method == "POST" and exc.status in (409, 422) else None
        if back:
            flash(exc.message, "error")
            return redirect(back)
        return error_response(exc.status, exc.message, exc.errors)

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError):
        return error_response(
            400, _("The form has expired or was not sent from this site. Reload the page and try again.")
        )

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(exc: RequestEntityTooLarge):
        limit = request.max_content_length or current_app.config["MAX_CONTENT_LENGTH"]
        return error_response(413, _("The file or form you sent is too large: at most %(size)s MB is accepted.",
                                     size=f"{limit / (1024 * 1024):g}"))

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        status = exc.code or 500
        return error_response(status, None if status != 400 else exc.description)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):  # pragma: no cover - exercised by the 500 page test
        log.exception("Unhandled error on %s %s", request.method, request.path)
        try:
            from .db import get_session

            get_session().rollback()
        except Exception:  # noqa: BLE001 - the original error matters more
            log.exception("Rollback after an unhandled error failed")
        return error_response(500)
