"""contracts_app: public-public cooperation and seat-purchase contract manager."""
from __future__ import annotations

import logging

from flask import Flask, redirect, url_for

from .config import PROJECT_ROOT


def create_app(config: dict | None = None, *, default_env: str = "development") -> Flask:
    """Build the app: config, database, extensions, blueprints, error handlers, CLI — nothing else.

    Migrations never run here (several workers would race); see ``flask --app contracts_app db upgrade``.
    """
    from flask_wtf.csrf import CSRFProtect

    from . import boundary, cli, db, errors, i18n
    from . import config as config_module
    from .admin.views import bp as admin_bp
    from .agreements.views import bp as agreements_bp
    from .api import bp as api_bp
    from .api import pages_bp as api_pages_bp
    from .auth import access
    from .auth.access import public
    from .auth.views import bp as auth_bp
    from .budget.views import bp as budget_bp
    from .capacity.views import bp as capacity_bp
    from .courses.views import bp as courses_bp
    from .documents.views import bp as documents_bp
    from .home import bp as home_bp
    from .jobs.views import bp as jobs_bp
    from .lawchange.views import bp as lawchange_bp
    from .notifications.views import bp as notifications_bp
    from .openfeed.views import bp as openfeed_bp
    from .purchases.views import bp as purchases_bp
    from .organisations.views import bp as organisations_bp
    from .rulecheck.views import bp as rulecheck_bp

    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=str(PROJECT_ROOT / "instance"),
    )
    config_module.load(app, config, default_env=default_env)
    boundary.init_app(app)  # before the blueprints: their <int:...> routes take the bounded converter
    logging.basicConfig(level=logging.INFO if app.config["ENV"] != "testing" else logging.WARNING)

    if app.config["PROXY_COUNT"]:  # the client's address (login throttle) and scheme as the proxies saw them
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)

    from .auth import oidc

    oidc.init_app(app)  # single sign-on providers and their routes; the test provider at /dev-oidc (development)

    db.init_app(app)
    from . import statements

    statements.init_app(app)  # X-SQL-Statements per response, only with CONTRACTS_COUNT_STATEMENTS (benchmarks)
    access.init_app(app)
    i18n.init_app(app)
    csrf = CSRFProtect(app)
    csrf.exempt(api_bp)  # JSON API: no cookies-only form posts; see api/__init__.py

    for bp in (home_bp, auth_bp, organisations_bp, courses_bp, purchases_bp, capacity_bp, budget_bp, agreements_bp, documents_bp,
               rulecheck_bp, lawchange_bp, admin_bp, jobs_bp, notifications_bp, api_bp, api_pages_bp, openfeed_bp):
        app.register_blueprint(bp)
    from .exports.views import bp as exports_bp

    app.register_blueprint(exports_bp)  # CSV and Excel exports of the lists (issue 21 item 6)
    errors.register_error_handlers(app)
    cli.register(app)

    @public
    def favicon():  # what browsers and bookmarks ask for without reading the page's <link rel="icon">
        return redirect(url_for("static", filename="favicon.svg"), 301)

    app.add_url_rule("/favicon.ico", "favicon", favicon)
    from .jobs import scheduler

    scheduler.init_app(app)  # only with CONTRACTS_SCHEDULER_IN_PROCESS (development)

    from .web import error_list

    app.jinja_env.globals["form_error_list"] = error_list  # used by the form macros (imported without context)

    @app.context_processor
    def _layout_context():
        from .layout import layout_context

        return layout_context()

    from . import security_headers

    security_headers.init_app(app)  # CSP, framing, HSTS in production, no-store on pages and downloads

    return app
