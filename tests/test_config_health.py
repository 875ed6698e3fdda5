from __future__ import annotations

import pytest

from contracts_app import create_app
from contracts_app.config import ConfigError


def test_production_refuses_to_start_without_a_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("CONTRACTS_SECRET_KEY", raising=False)
    monkeypatch.delenv("CONTRACTS_ENV", raising=False)
    with pytest.raises(ConfigError, match="CONTRACTS_SECRET_KEY"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"}, default_env="production")


def test_settings_come_from_contracts_environment_variables(monkeypatch, tmp_path):
    monkeypatch.setenv("CONTRACTS_ENV", "production")
    monkeypatch.setenv("CONTRACTS_SECRET_KEY", "s3cret-from-env")
    monkeypatch.setenv("CONTRACTS_DATABASE_URL", f"sqlite:///{tmp_path}/env.sqlite3")
    monkeypatch.setenv("CONTRACTS_DEFAULT_LOCALE", "en")
    app = create_app()
    assert app.config["SECRET_KEY"] == "s3cret-from-env"
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
