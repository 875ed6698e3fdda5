"""Response headers every page gets: Content-Security-Policy, framing, sniffing, referrer, HSTS, caching.

One ``after_request`` hook rather than a library (Flask-Talisman would add a dependency for what is a dozen
lines here, and its HTTPS redirect belongs to the proxy in front of gunicorn).

The policy (``POLICY``) allows scripts only from this site: there is no inline ``<script>`` and no ``on…=``
attribute in any template (the page scripts live in ``static/``), so no nonce is needed. Styles: stylesheets
and ``<style>`` elements only from this site too; ``style=`` *attributes* are allowed (``style-src-attr
'unsafe-inline'``) because a few form fields set their width that way. An injected style attribute can change
how an element looks but cannot select other elements or read their values, so it cannot exfiltrate data the
way an injected ``<style>`` sheet can. ``tests/e2e`` checks in Chromium that no page reports a violation.

Caching: every response that is not a static file gets ``Cache-Control: no-store`` — pages behind the login
and document downloads carry participant references and must not stay in a shared or browser cache (the few
public pages, such as the login form, carry a CSRF token and gain nothing from a cache either). A view that
marks its response ``Cache-Control: public`` keeps it: only the open free-seat feed's JSON and CSV
(``openfeed``), which carry no session, token or personal data.
"""
from __future__ import annotations

from flask import Flask, current_app, request

POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "style-src-attr 'unsafe-inline'",
        "img-src 'self' data:",  # the design system draws its icons as data: SVG in CSS
        "font-src 'self'",
        "connect-src 'self'",  # the rules check page's live assessment (fetch)
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)

FIXED_HEADERS = {
    "Content-Security-Policy": POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


def _set_headers(response):
    for name, value in FIXED_HEADERS.items():
        response.headers.setdefault(name, value)
    cfg = current_app.config
    if cfg["ENV"] == "production" and cfg["HSTS_SECONDS"] > 0:
        # Browsers ignore it over plain HTTP, so it is sent whatever the scheme the proxy forwarded.
        response.headers["Strict-Transport-Security"] = f"max-age={cfg['HSTS_SECONDS']}; includeSubDomains"
    if request.endpoint != "static" and not response.cache_control.public:
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.after_request(_set_headers)
