from __future__ import annotations

import pytest

from contracts_app import create_app
from contracts_app.config import DEV_SECRET_KEY, ConfigError, check_for_serving

from .support import login

PRODUCTION_KEY = "p" * 32  # the shortest key production accepts


def test_production_refuses_to_start_without_a_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("CONTRACTS_SECRET_KEY", raising=False)
    monkeypatch.delenv("CONTRACTS_ENV", raising=False)
    with pytest.raises(ConfigError, match="CONTRACTS_SECRET_KEY"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"}, default_env="production")


def test_settings_come_from_contracts_environment_variables(monkeypatch, tmp_path):
    monkeypatch.setenv("CONTRACTS_ENV", "production")
    monkeypatch.setenv("CONTRACTS_SECRET_KEY", "s3cret-from-env-" + "x" * 16)
    monkeypatch.setenv("CONTRACTS_DATABASE_URL", f"sqlite:///{tmp_path}/env.sqlite3")
    monkeypatch.setenv("CONTRACTS_DEFAULT_LOCALE", "en")
    app = create_app()
    assert app.config["SECRET_KEY"] == "s3cret-from-env-" + "x" * 16
    assert app.config["DATABASE_URL"].endswith("env.sqlite3")
    assert app.config["DEFAULT_LOCALE"] == "en"
    assert app.config["SESSION_COOKIE_SECURE"] is True and app.config["SESSION_COOKIE_HTTPONLY"] is True


def test_development_key_is_refused_in_production(monkeypatch, tmp_path):
    monkeypatch.setenv("CONTRACTS_ENV", "production")
    monkeypatch.setenv("CONTRACTS_SECRET_KEY", "development-only-not-secret")
    with pytest.raises(ConfigError, match="development key"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"})


def test_unknown_locale_setting_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("CONTRACTS_DEFAULT_LOCALE", "de")
    with pytest.raises(ConfigError, match="CONTRACTS_DEFAULT_LOCALE"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"})


@pytest.mark.parametrize("zone", ["Europe/Atlantis", "not a zone", ""])
def test_unknown_time_zone_setting_is_a_clear_error(monkeypatch, tmp_path, zone):
    monkeypatch.setenv("CONTRACTS_TIMEZONE", zone)
    with pytest.raises(ConfigError, match="CONTRACTS_TIMEZONE"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"})


def test_times_are_shown_in_the_configured_time_zone(tmp_path):
    import datetime as dt

    from contracts_app import formats

    moment = dt.datetime(2026, 1, 12, 23, 30, tzinfo=dt.timezone.utc)
    try:
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3", "TIMEZONE": "America/New_York"})
        assert formats.datetime(moment) == "12.01.2026 18:30" and formats.date(moment) == "12.01.2026"
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3", "TIMEZONE": "Europe/Oslo"})
        assert formats.datetime(moment) == "13.01.2026 00:30" and formats.date(moment) == "13.01.2026"
    finally:
        formats.set_timezone(formats.DEFAULT_TIMEZONE)


def test_healthz_answers_200_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_does_not(tmp_path):
    app = create_app({"ENV": "testing", "DATABASE_URL": f"sqlite:///{tmp_path}/missing/dir/db.sqlite3"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.get_json()["status"] == "unavailable"


def test_unknown_page_gives_the_404_page_in_norwegian(client):
    response = client.get("/finnes-ikke")
    assert response.status_code == 404
    assert "Fant ikke siden" in response.get_data(as_text=True) or "finne" in response.get_data(as_text=True)


def test_api_answers_json_errors(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.is_json


def test_unexpected_error_gives_the_500_page_and_logs_it(tmp_path, caplog):
    app = create_app({"ENV": "testing", "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"})

    @app.get("/__boom")
    def boom():
        raise RuntimeError("boom")

    boom.access = "public"
    response = app.test_client().get("/__boom")
    assert response.status_code == 500
    assert "Noe gikk galt" in response.get_data(as_text=True) or "500" in response.get_data(as_text=True)
    assert "boom" in caplog.text


# --- issue 18, item 5: limits and configuration ---------------------------------------------------------------


def _sqlite(tmp_path) -> dict:
    return {"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"}


@pytest.mark.parametrize(
    "word,expected",
    [(w, True) for w in ("1", "true", "TRUE", "True", "yes", "Yes", "on", "ON", " on ")]
    + [(w, False) for w in ("0", "false", "FALSE", "no", "NO", "off", "Off", " off ")],
)
@pytest.mark.parametrize("setting", ["SECURE_COOKIES", "SCHEDULER_IN_PROCESS"])
def test_every_boolean_setting_takes_the_same_words(monkeypatch, tmp_path, setting, word, expected):
    monkeypatch.setenv(f"CONTRACTS_{setting}", word)
    app = create_app(_sqlite(tmp_path))
    assert app.config[setting] is expected
    if setting == "SECURE_COOKIES":
        assert app.config["SESSION_COOKIE_SECURE"] is expected and app.config["REMEMBER_COOKIE_SECURE"] is expected


@pytest.mark.parametrize("word", ["2", "-1", "enabled", "y", "n", "nei", "ja", "", "null", "[]", "on off"])
@pytest.mark.parametrize("setting", ["SECURE_COOKIES", "SCHEDULER_IN_PROCESS", "WTF_CSRF_ENABLED", "TESTING"])
def test_any_other_boolean_word_stops_the_start_naming_the_variable(monkeypatch, tmp_path, setting, word):
    monkeypatch.setenv(f"CONTRACTS_{setting}", word)
    with pytest.raises(ConfigError, match=f"CONTRACTS_{setting} must be on or off"):
        create_app(_sqlite(tmp_path))


@pytest.mark.parametrize("env,expected", [("production", True), ("development", False), ("testing", False)])
def test_secure_cookies_unset_follow_the_environment(monkeypatch, tmp_path, env, expected):
    monkeypatch.delenv("CONTRACTS_SECURE_COOKIES", raising=False)
    app = create_app({**_sqlite(tmp_path), "ENV": env, "SECRET_KEY": PRODUCTION_KEY})
    assert app.config["SESSION_COOKIE_SECURE"] is expected


def test_secure_cookies_off_turns_them_off_in_production(monkeypatch, tmp_path):
    monkeypatch.setenv("CONTRACTS_SECURE_COOKIES", "off")
    app = create_app({**_sqlite(tmp_path), "SECRET_KEY": PRODUCTION_KEY}, default_env="production")
    assert app.config["SESSION_COOKIE_SECURE"] is False


@pytest.mark.parametrize(
    "key,starts",
    [
        ("x", False),
        ("s3cret", False),
        ("p" * 31, False),
        ("æ" * 15 + "p", False),  # 31 bytes in UTF-8
        ("p" * 32, True),
        ("æ" * 16, True),  # 16 characters, 32 bytes
        ("0123456789abcdef" * 4, True),
    ],
)
def test_production_wants_a_secret_key_of_at_least_32_bytes(monkeypatch, tmp_path, key, starts):
    monkeypatch.delenv("CONTRACTS_ENV", raising=False)
    monkeypatch.setenv("CONTRACTS_SECRET_KEY", key)
    if starts:
        assert create_app(_sqlite(tmp_path), default_env="production").config["SECRET_KEY"] == key
    else:
        with pytest.raises(ConfigError, match="at least 32 bytes"):
            create_app(_sqlite(tmp_path), default_env="production")


@pytest.mark.parametrize("env", ["development", "testing"])
def test_short_keys_are_fine_outside_production(tmp_path, env):
    assert create_app({**_sqlite(tmp_path), "ENV": env, "SECRET_KEY": "short"}).config["SECRET_KEY"] == "short"


@pytest.mark.parametrize(
    "env,key,refusal",
    [
        ("development", None, "serves production only"),
        ("development", PRODUCTION_KEY, "serves production only"),
        ("testing", PRODUCTION_KEY, "serves production only"),
        ("production", None, "CONTRACTS_SECRET_KEY is not set"),
        ("production", DEV_SECRET_KEY, "development key"),
        ("production", "short", "at least 32 bytes"),
        ("production", PRODUCTION_KEY, None),
    ],
)
def test_wsgi_serves_production_only_and_never_with_the_development_key(monkeypatch, tmp_path, env, key, refusal):
    import runpy

    from contracts_app.config import PROJECT_ROOT

    monkeypatch.setenv("CONTRACTS_ENV", env)
    monkeypatch.setenv("CONTRACTS_DATABASE_URL", f"sqlite:///{tmp_path}/x.sqlite3")
    if key is None:
        monkeypatch.delenv("CONTRACTS_SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("CONTRACTS_SECRET_KEY", key)
    if refusal is None:
        app = runpy.run_path(str(PROJECT_ROOT / "wsgi.py"))["app"]
        assert app.config["ENV"] == "production" and app.config["SCHEDULER_IN_PROCESS"] is False
    else:
        with pytest.raises(ConfigError, match=refusal):
            runpy.run_path(str(PROJECT_ROOT / "wsgi.py"))


def test_check_for_serving_refuses_the_development_key_whatever_the_mode():
    with pytest.raises(ConfigError, match="development key"):
        check_for_serving({"ENV": "production", "SECRET_KEY": DEV_SECRET_KEY})


@pytest.mark.parametrize(
    "setting,value,works",
    [("MAX_CONTENT_LENGTH", 10 * 1024 * 1024, True), ("MAX_CONTENT_LENGTH", "lots", False), ("MAX_CONTENT_LENGTH", 10, False),
     ("HSTS_SECONDS", 0, True), ("HSTS_SECONDS", -1, False)],
)
def test_limits_are_checked_whole_numbers(tmp_path, setting, value, works):
    if works:
        assert create_app({**_sqlite(tmp_path), setting: value}).config[setting] == value
    else:
        with pytest.raises(ConfigError, match=f"CONTRACTS_{setting}"):
            create_app({**_sqlite(tmp_path), setting: value})


def test_the_request_limit_is_5_mib_by_default(app):
    assert app.config["MAX_CONTENT_LENGTH"] == 5 * 1024 * 1024


MIB = 1024 * 1024


@pytest.mark.parametrize(
    "size,accept,status",
    [
        (5 * MIB + 1, "text/html", 413),
        (6 * MIB, "application/json", 413),
        (5 * MIB - 1024, "text/html", 200),  # under the limit: the login form answers as usual (wrong password)
    ],
)
def test_a_body_above_the_limit_is_refused_with_413(client, world, size, accept, status):
    response = client.post("/login", data={"email": "x@example.no", "password": "p" * size}, headers={"Accept": accept})
    assert response.status_code == status or (status == 200 and response.status_code in (200, 422))
    if status != 413:
        return
    if accept == "application/json":
        assert response.is_json and "5 MB" in response.get_json()["error"]
    else:
        text = response.get_data(as_text=True)
        assert "Forespørselen er for stor" in text and "høyst 5 MB" in text


def test_the_rules_api_keeps_its_own_body_limit_and_case_cap(app):
    # the rules endpoint reads up to RULES_BATCH_MAX_BYTES (a 10 000-case batch is about 10 MB) and refuses more
    # than RULES_BATCH_MAX_CASES cases; tests/rulecheck/test_rulecheck.py exercises both answers.
    assert app.config["RULES_BATCH_MAX_CASES"] == 10_000
    assert app.config["RULES_BATCH_MAX_BYTES"] > app.config["MAX_CONTENT_LENGTH"]


def test_the_favicon_is_served_to_anyone(client):
    found = client.get("/favicon.ico")
    assert (found.status_code, found.location) == (301, "/static/favicon.svg")
    with client.get(found.location) as icon:  # a static file response holds the file open until closed
        assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and b"<svg" in icon.data
    assert b'rel="icon"' in client.get("/login").data
