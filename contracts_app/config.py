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
    # Login throttle (docs/security.md, V2.2). Attempts from one client address for one login name before it is
    # locked for the rest of a window of LOGIN_LOCKOUT_MINUTES (minutes) …
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_LOCKOUT_MINUTES": 15,
    # … failed attempts for one login name from every address (but one it has logged in from before) per window
    # of LOGIN_ACCOUNT_WINDOW_MINUTES, and failed attempts from one address over every login name per
    # LOGIN_LOCKOUT_MINUTES (an office behind one address shares this).
    "LOGIN_ACCOUNT_MAX_FAILURES": 20,
    "LOGIN_ACCOUNT_WINDOW_MINUTES": 60,
    "LOGIN_ADDRESS_MAX_FAILURES": 100,
    # Reverse proxies in front of the app that set X-Forwarded-For/-Proto (0 = none: the socket's address is the
    # client's). Set it to exactly the number of proxies, or clients can forge their address.
    "PROXY_COUNT": 0,
    # A session ends after this many minutes without a request, and this many hours after login in any case.
    "SESSION_IDLE_MINUTES": 30,
    "SESSION_MAX_HOURS": 10,
    # A password-reset link works once, for this many hours.
    "PASSWORD_RESET_HOURS": 24,
    # Cookies only over HTTPS. None → on in production, off otherwise (the dev server speaks plain HTTP).
    "SECURE_COOKIES": None,
    # Working days a capacity request holds its seats before the provider must answer (never past the
    # offer's request deadline), and that a waiting-list entry has to take freed seats.
    "HOLD_WORKING_DAYS": 5,
    "WAITLIST_OFFER_WORKING_DAYS": 2,
    # --- scheduled jobs (contracts_app/jobs). The scheduler is its own process (`flask scheduler run`);
    # this runs it inside the development server instead (`make run` turns it on). Never in gunicorn (wsgi.py).
    "SCHEDULER_IN_PROCESS": False,
    "COUNT_STATEMENTS": False,  # X-SQL-Statements per response (benchmarks only; contracts_app/statements.py)
    # --- the JSON API (contracts_app/api): calls per token per window (429 with Retry-After above it).
    "API_RATE_LIMIT": 600,
    "API_RATE_WINDOW_SECONDS": 60,
    # Answers stored for Idempotency-Key are kept this many days (then deleted by the nightly retention job).
    "API_IDEMPOTENCY_DAYS": 7,
    # A run still "running" after this many minutes is taken for crashed and its window may be claimed again.
    "JOB_STALE_MINUTES": 60,
    # Participant references and consent data are anonymised this many months after the seat ended.
    "RETENTION_MONTHS": 12,
    # Options must be decided this many months before the agreement's current end (the reminder's deadline).
    "OPTION_NOTICE_MONTHS": 3,
    # Links in e-mails point here.
    "BASE_URL": "http://127.0.0.1:5000",
    # OCDS publication (docs/ocds.md): every OCID starts with this. The default marks test data; a real
    # publisher registers its own prefix ("ocds-" + six characters) with the Open Contracting Partnership.
    "OCID_PREFIX": "ocds-test00-",
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
    # --- limits. Largest request body anywhere else (forms, signed-PDF uploads); larger is refused with 413.
    # Flask's own default is None (no limit), so this default is assigned, not set "if missing".
    "MAX_CONTENT_LENGTH": 5 * 1024 * 1024,
    # Strict-Transport-Security max-age in seconds, sent in production only (security_headers.py).
    "HSTS_SECONDS": 365 * 24 * 60 * 60,
    # --- single sign-on (auth/oidc.py, auth/oidc_settings.py, docs/security.md V2.11). Providers by name
    # ("entra idporten"), each with CONTRACTS_OIDC_<NAME>_DISCOVERY_URL, _CLIENT_ID, _CLIENT_SECRET, _SCOPES,
    # _ACCEPTED_ACR, _DISPLAY_NAME, _SUBJECT_CLAIM, _EMAIL_CLAIMS.
    "OIDC_PROVIDERS": "",
    # The built-in test provider at /dev-oidc (development and tests only; refused in production).
    "OIDC_DEV_PROVIDER": False,
    # The password form. Off: only the accounts in BREAK_GLASS_ACCOUNTS (e-mails, administrators) may use it.
    "LOCAL_LOGIN": True,
    "BREAK_GLASS_ACCOUNTS": "",
}

# A production secret key shorter than this is refused (HMAC-SHA1 signing wants a key of at least its block's
# worth of entropy; 32 bytes is what `secrets.token_hex(16)` or more gives).
MIN_SECRET_KEY_BYTES = 32

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})

# Every on/off setting goes through as_bool (the one parser). SECURE_COOKIES may also be left unset (None):
# then it follows the environment. The Flask and Flask-WTF switches are here too, because a CONTRACTS_ variable
# can set them and "off" would otherwise be a truthy string.
BOOLEAN_SETTINGS = ("SECURE_COOKIES", "SCHEDULER_IN_PROCESS", "TESTING", "DEBUG", "WTF_CSRF_ENABLED", "COUNT_STATEMENTS",
                    "LOCAL_LOGIN", "OIDC_DEV_PROVIDER")


def as_bool(value, name: str) -> bool:
    """``1/0, true/false, yes/no, on/off`` in any case (or a real bool); anything else is a ConfigError.

    ``from_prefixed_env`` has already turned ``1``/``0``/``true``/``false`` into JSON values; the other words
    arrive as strings.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    raise ConfigError(f"CONTRACTS_{name} must be on or off (1/0, true/false, yes/no, on/off), not {value!r}")


def _whole(cfg, key: str, low: int, high: int) -> None:
    value = cfg.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ConfigError(f"CONTRACTS_{key} must be a whole number from {low} to {high}, not {value!r}")

DEV_SECRET_KEY = "development-only-not-secret"  # noqa: S105 - never used in production (checked below)


def load(app, overrides: dict | None = None, *, default_env: str = "development") -> None:
    """Fill ``app.config`` from defaults, the environment and explicit overrides, then check it."""
    cfg = app.config
    cfg.update(DEFAULTS)  # assigned: Flask predefines some of these keys (MAX_CONTENT_LENGTH, SECRET_KEY) as None
    cfg["ENV"] = default_env
    cfg.from_prefixed_env(prefix="CONTRACTS")
    # On/off variables reach as_bool as written (from_prefixed_env would have read "null" as None = unset).
    cfg.update({key: os.environ[f"CONTRACTS_{key}"] for key in BOOLEAN_SETTINGS if f"CONTRACTS_{key}" in os.environ})
    if overrides:
        cfg.update(overrides)

    env = str(cfg["ENV"])
    if env not in ENVIRONMENTS:
        raise ConfigError(f"CONTRACTS_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    for key in ("HOLD_WORKING_DAYS", "WAITLIST_OFFER_WORKING_DAYS"):
        value = cfg.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 30:
            raise ConfigError(f"CONTRACTS_{key} must be a whole number of working days from 1 to 30, not {value!r}")
    for key in BOOLEAN_SETTINGS:
        if cfg.get(key) is not None:
            cfg[key] = as_bool(cfg[key], key)
    _whole(cfg, "JOB_STALE_MINUTES", 5, 24 * 60)
    _whole(cfg, "API_RATE_LIMIT", 1, 1_000_000)
    _whole(cfg, "API_RATE_WINDOW_SECONDS", 1, 24 * 3600)
    _whole(cfg, "API_IDEMPOTENCY_DAYS", 1, 365)
    _whole(cfg, "LOGIN_MAX_FAILURES", 1, 1000)
    _whole(cfg, "LOGIN_LOCKOUT_MINUTES", 1, 24 * 60)
    _whole(cfg, "LOGIN_ACCOUNT_MAX_FAILURES", 1, 10_000)
    _whole(cfg, "LOGIN_ACCOUNT_WINDOW_MINUTES", 1, 7 * 24 * 60)
    _whole(cfg, "LOGIN_ADDRESS_MAX_FAILURES", 1, 1_000_000)
    _whole(cfg, "PROXY_COUNT", 0, 10)
    _whole(cfg, "SESSION_IDLE_MINUTES", 1, 24 * 60)
    _whole(cfg, "SESSION_MAX_HOURS", 1, 24 * 30)
    _whole(cfg, "PASSWORD_RESET_HOURS", 1, 24 * 7)
    _whole(cfg, "RETENTION_MONTHS", 1, 120)
    _whole(cfg, "OPTION_NOTICE_MONTHS", 0, 24)
    _whole(cfg, "SMTP_PORT", 1, 65535)
    _whole(cfg, "SMTP_TIMEOUT", 1, 300)
    _whole(cfg, "SMTP_MAX_ATTEMPTS", 1, 50)
    _whole(cfg, "RULES_BATCH_MAX_CASES", 1, 1_000_000)
    _whole(cfg, "RULES_BATCH_MAX_BYTES", 1024, 1024 * 1024 * 1024)
    _whole(cfg, "MAX_CONTENT_LENGTH", 64 * 1024, 1024 * 1024 * 1024)
    _whole(cfg, "HSTS_SECONDS", 0, 2 * 365 * 24 * 60 * 60)
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
    elif env == "production" and len(_key_bytes(cfg["SECRET_KEY"])) < MIN_SECRET_KEY_BYTES:
        raise ConfigError(
            f"CONTRACTS_SECRET_KEY must be at least {MIN_SECRET_KEY_BYTES} bytes in production "
            "(for example the output of `python -c 'import secrets; print(secrets.token_hex(32))'`)"
        )
    if not cfg.get("DATABASE_URL"):
        os.makedirs(app.instance_path, exist_ok=True)
        cfg["DATABASE_URL"] = default_database_url(app.instance_path)

    from .auth import oidc_settings

    oidc_settings.load(cfg, env, ConfigError)  # providers, the test provider (never in production), break-glass

    secure = cfg.get("SECURE_COOKIES")
    cfg["SESSION_COOKIE_SECURE"] = (env == "production") if secure is None else secure
    cfg["SESSION_COOKIE_HTTPONLY"] = True
    cfg["SESSION_COOKIE_SAMESITE"] = "Lax"
    cfg["REMEMBER_COOKIE_HTTPONLY"] = True
    cfg["REMEMBER_COOKIE_SECURE"] = cfg["SESSION_COOKIE_SECURE"]
    cfg["BABEL_DEFAULT_LOCALE"] = cfg["DEFAULT_LOCALE"]
    cfg["BABEL_DEFAULT_TIMEZONE"] = cfg["TIMEZONE"]
    cfg["BABEL_TRANSLATION_DIRECTORIES"] = str(Path(__file__).parent / "translations")
    cfg.setdefault("WTF_CSRF_TIME_LIMIT", None)  # the token lives as long as the session


def _key_bytes(key) -> bytes:
    return key if isinstance(key, bytes) else str(key).encode()


def check_for_serving(cfg) -> None:
    """What ``wsgi.py`` (gunicorn) adds: it serves production only, never with the development key.

    ``CONTRACTS_ENV=development`` would otherwise serve the public development key to the network, and a cookie
    signed with it logs in as anyone.
    """
    if cfg["ENV"] != "production":
        raise ConfigError(
            f"wsgi.py serves production only, but CONTRACTS_ENV is {cfg['ENV']!r}: unset it (or set it to production) "
            "and set CONTRACTS_SECRET_KEY; for development use `flask --app contracts_app run`"
        )
    if cfg.get("SECRET_KEY") == DEV_SECRET_KEY:
        raise ConfigError("CONTRACTS_SECRET_KEY must not be the development key when served by wsgi.py")
