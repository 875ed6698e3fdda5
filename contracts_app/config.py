"""Settings: defaults here, overridden by CONTRACTS_* environment variables.

Every setting is documented in the README's configuration table. Flask's ``from_prefixed_env`` strips the
``CONTRACTS_`` prefix, so ``CONTRACTS_DATABASE_URL`` becomes ``app.config["DATABASE_URL"]``.
"""
from __future__ import annotations

import os
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PROJECT_ROOT = Path(__file__).resolve().parent.parent

ENVIRONMENTS = ("development", "production", "testing")
LOCALES = ("nb", "en")


class ConfigError(RuntimeError):
    """The app cannot start with the settings it was given."""


def default_database_url(instance_path: str) -> str:
    return "sqlite:///" + os.path.join(instance_path, "contracts.sqlite3")


DEFAULTS: dict[str, object] = {
    # development | production | testing. `flask --app contracts_app …` defaults to development;
    # wsgi.py (what gunicorn serves) defaults to production.
    "ENV": "development",
    "DATABASE_URL": None,  # None → SQLite file under instance/
    "SECRET_KEY": None,  # required outside development and testing
    "DEFAULT_LOCALE": "nb",
    "TIMEZONE": "Europe/Oslo",
    # Failed logins before a username is locked out, and for how long (minutes).
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_LOCKOUT_MINUTES": 15,
    # Cookies only over HTTPS. None → on in production, off otherwise (the dev server speaks plain HTTP).
    "SECURE_COOKIES": None,
    # Working days a capacity request holds its seats before the provider must answer (never past the
    # offer's request deadline), and that a waiting-list entry has to take freed seats.
    "HOLD_WORKING_DAYS": 5,
    "WAITLIST_OFFER_WORKING_DAYS": 2,
    # --- scheduled jobs (contracts_app/jobs). The scheduler is its own process (`flask scheduler run`);
    # this runs it inside the development server instead (`make run` turns it on). Never in gunicorn (wsgi.py).
    "SCHEDULER_IN_PROCESS": False,
    # A run still "running" after this many minutes is taken for crashed and its window may be claimed again.
    "JOB_STALE_MINUTES": 60,
    # Participant references and consent data are anonymised this many months after the seat ended.
    "RETENTION_MONTHS": 12,
    # Options must be decided this many months before the agreement's current end (the reminder's deadline).
    "OPTION_NOTICE_MONTHS": 3,
    # Links in e-mails point here.
    "BASE_URL": "http://127.0.0.1:5000",
    # --- e-mail. No host: the outbox is the sink (nothing leaves; admins see it at /admin/outbox).
    "SMTP_HOST": None,
    "SMTP_PORT": 587,
    "SMTP_USER": None,
    "SMTP_PASSWORD": None,
    "SMTP_TLS": "starttls",  # starttls | ssl | none
    "SMTP_FROM": "kursportalen@localhost",
    "SMTP_TIMEOUT": 10,  # seconds per connection attempt
    "SMTP_MAX_ATTEMPTS": 8,  # then the message is marked failed (an admin can queue it again)
    # --- rules engine over HTTP (POST /api/v1/rules/evaluate). A batch with more cases is refused with 413
    # (the CLI has no cap); the endpoint accepts bodies up to RULES_BATCH_MAX_BYTES (a 10 000-case batch is
    # about 10 MB) instead of MAX_CONTENT_LENGTH.
    "RULES_BATCH_MAX_CASES": 10_000,
    "RULES_BATCH_MAX_BYTES": 32 * 1024 * 1024,
}

TRUE_WORDS = {"1", "true", "on", "yes"}
FALSE_WORDS = {"0", "false", "off", "no", ""}


def as_bool(value, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in TRUE_WORDS | FALSE_WORDS:
        return value.strip().lower() in TRUE_WORDS
    raise ConfigError(f"CONTRACTS_{name} must be on or off (1/0, true/false), not {value!r}")


def _whole(cfg, key: str, low: int, high: int) -> None:
    value = cfg.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ConfigError(f"CONTRACTS_{key} must be a whole number from {low} to {high}, not {value!r}")

DEV_SECRET_KEY = "development-only-not-secret"  # noqa: S105 - never used in production (checked below)


def load(app, overrides: dict | None = None, *, default_env: str = "development") -> None:
    """Fill ``app.config`` from defaults, the environment and explicit overrides, then check it."""
    cfg = app.config
    for key, value in DEFAULTS.items():
        cfg.setdefault(key, value)
    cfg["ENV"] = default_env
    cfg.from_prefixed_env(prefix="CONTRACTS")
    if overrides:
        cfg.update(overrides)

    env = str(cfg["ENV"])
    if env not in ENVIRONMENTS:
        raise ConfigError(f"CONTRACTS_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    for key in ("HOLD_WORKING_DAYS", "WAITLIST_OFFER_WORKING_DAYS"):
        value = cfg.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 30:
            raise ConfigError(f"CONTRACTS_{key} must be a whole number of working days from 1 to 30, not {value!r}")
    cfg["SCHEDULER_IN_PROCESS"] = as_bool(cfg.get("SCHEDULER_IN_PROCESS"), "SCHEDULER_IN_PROCESS")
    _whole(cfg, "JOB_STALE_MINUTES", 5, 24 * 60)
    _whole(cfg, "RETENTION_MONTHS", 1, 120)
    _whole(cfg, "OPTION_NOTICE_MONTHS", 0, 24)
    _whole(cfg, "SMTP_PORT", 1, 65535)
    _whole(cfg, "SMTP_TIMEOUT", 1, 300)
    _whole(cfg, "SMTP_MAX_ATTEMPTS", 1, 50)
    _whole(cfg, "RULES_BATCH_MAX_CASES", 1, 1_000_000)
    _whole(cfg, "RULES_BATCH_MAX_BYTES", 1024, 1024 * 1024 * 1024)
    if cfg.get("SMTP_TLS") not in ("starttls", "ssl", "none"):
        raise ConfigError(f"CONTRACTS_SMTP_TLS must be starttls, ssl or none, not {cfg.get('SMTP_TLS')!r}")
    try:
        ZoneInfo(str(cfg["TIMEZONE"]))
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"CONTRACTS_TIMEZONE must be an IANA time zone such as Europe/Oslo, not {cfg['TIMEZONE']!r}") from None
    if cfg["DEFAULT_LOCALE"] not in LOCALES:
        raise ConfigError(f"CONTRACTS_DEFAULT_LOCALE must be one of {', '.join(LOCALES)}")
    if not cfg.get("SECRET_KEY"):
        if env == "production":
            raise ConfigError(
                "CONTRACTS_SECRET_KEY is not set. In production the app refuses to start without a secret key: "
                "set CONTRACTS_SECRET_KEY to a long random string (for example the output of "
                "`python -c 'import secrets; print(secrets.token_hex(32))'`)."
            )
        cfg["SECRET_KEY"] = DEV_SECRET_KEY
    elif env == "production" and cfg["SECRET_KEY"] == DEV_SECRET_KEY:
        raise ConfigError("CONTRACTS_SECRET_KEY must not be the development key in production")
    if not cfg.get("DATABASE_URL"):
        os.makedirs(app.instance_path, exist_ok=True)
        cfg["DATABASE_URL"] = default_database_url(app.instance_path)

    secure = cfg.get("SECURE_COOKIES")
    cfg["SESSION_COOKIE_SECURE"] = (env == "production") if secure is None else bool(secure)
    cfg["SESSION_COOKIE_HTTPONLY"] = True
    cfg["SESSION_COOKIE_SAMESITE"] = "Lax"
    cfg["REMEMBER_COOKIE_HTTPONLY"] = True
    cfg["REMEMBER_COOKIE_SECURE"] = cfg["SESSION_COOKIE_SECURE"]
    cfg["BABEL_DEFAULT_LOCALE"] = cfg["DEFAULT_LOCALE"]
    cfg["BABEL_DEFAULT_TIMEZONE"] = cfg["TIMEZONE"]
    cfg["BABEL_TRANSLATION_DIRECTORIES"] = str(Path(__file__).parent / "translations")
    cfg.setdefault("WTF_CSRF_TIME_LIMIT", None)  # the token lives as long as the session
    cfg.setdefault("MAX_CONTENT_LENGTH", 5 * 1024 * 1024)
