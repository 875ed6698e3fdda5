"""Issue 23: single sign-on settings are read from CONTRACTS_OIDC_* variables and checked at start-up; the
built-in test provider never starts in production; callback URLs are right behind a TLS proxy."""
from __future__ import annotations

import pytest

from contracts_app import create_app
from contracts_app.config import ConfigError

PROD = {"ENV": "production", "SECRET_KEY": "x" * 40}


def _app(tmp_path, **settings):
    return create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/c.sqlite3", **settings})


def test_providers_come_from_the_environment(monkeypatch, tmp_path):
    for key, value in {
        "PROVIDERS": "entra idporten",
        "ENTRA_DISCOVERY_URL": "https://login.microsoftonline.com/tenant/v2.0/.well-known/openid-configuration",
        "ENTRA_CLIENT_ID": "11111111-2222-3333-4444-555555555555", "ENTRA_CLIENT_SECRET": "12345",
        "ENTRA_SUBJECT_CLAIM": "oid", "ENTRA_DISPLAY_NAME": "Microsoft Entra ID",
        "IDPORTEN_DISCOVERY_URL": "https://test.idporten.no/.well-known/openid-configuration",
        "IDPORTEN_CLIENT_ID": "portal", "IDPORTEN_CLIENT_SECRET": "s", "IDPORTEN_ACCEPTED_ACR": "idporten-loa-high",
        "IDPORTEN_SCOPES": "openid profile",
    }.items():
        monkeypatch.setenv(f"CONTRACTS_OIDC_{key}", value)
    app = _app(tmp_path)
    entra, idporten = app.config["OIDC_CLIENTS"].values()
    assert (entra.name, entra.subject_claim, entra.client_secret, entra.display_name) == ("entra", "oid", "12345", "Microsoft Entra ID")
    assert entra.scopes == "openid profile email" and entra.accepted_acr == ()
    assert (idporten.accepted_acr, idporten.scopes, idporten.display_name) == (("idporten-loa-high",), "openid profile", "idporten")
    page = app.test_client().get("/login").get_data(as_text=True)
    assert "Logg inn med Microsoft Entra ID" in page and "Logg inn med idporten" in page


@pytest.mark.parametrize("settings,message", [
    ({**PROD, "OIDC_DEV_PROVIDER": True}, "CONTRACTS_OIDC_DEV_PROVIDER must be off in production"),
    ({"OIDC_PROVIDERS": "entra"}, "CONTRACTS_OIDC_ENTRA_DISCOVERY_URL is required"),
    ({"OIDC_PROVIDERS": "entra", "OIDC_ENTRA_DISCOVERY_URL": "https://x.test/", "OIDC_ENTRA_CLIENT_ID": "a"},
     "CONTRACTS_OIDC_ENTRA_CLIENT_SECRET is required"),
    ({**PROD, "OIDC_PROVIDERS": "entra", "OIDC_ENTRA_DISCOVERY_URL": "http://127.0.0.1:5001/", "OIDC_ENTRA_CLIENT_ID": "a",
      "OIDC_ENTRA_CLIENT_SECRET": "b"}, "must be an https:// URL"),
    ({"OIDC_PROVIDERS": "entra", "OIDC_ENTRA_DISCOVERY_URL": "https://x.test/", "OIDC_ENTRA_CLIENT_ID": "a",
      "OIDC_ENTRA_CLIENT_SECRET": "b", "OIDC_ENTRA_SCOPES": "profile email"}, "must include openid"),
    ({"OIDC_PROVIDERS": "dev"}, "is not a provider name"),
    ({"OIDC_PROVIDERS": "Entra-ID"}, "is not a provider name"),
    ({"LOCAL_LOGIN": False}, "nobody could log in"),
    ({"LOCAL_LOGIN": "maybe"}, "CONTRACTS_LOCAL_LOGIN must be on or off"),
])
def test_bad_settings_stop_the_start(tmp_path, settings, message):
    with pytest.raises(ConfigError, match=message):
        _app(tmp_path, **settings)


def test_no_sso_routes_without_a_provider(tmp_path):
    app = _app(tmp_path)
    assert not [r for r in app.url_map.iter_rules() if r.rule.startswith("/auth/oidc")]
    assert app.test_client().get("/dev-oidc/.well-known/openid-configuration").status_code == 404


def test_local_login_off_with_break_glass_only_starts(tmp_path):
    app = _app(tmp_path, **PROD, LOCAL_LOGIN="off", BREAK_GLASS_ACCOUNTS="Root@Kommune.no")
    assert app.config["LOCAL_LOGIN"] is False and app.config["BREAK_GLASS_ACCOUNTS"] == ("root@kommune.no",)


@pytest.mark.parametrize("proxies,headers,expected", [
    (0, {}, "http://portal.test/auth/oidc/dev/callback"),
    (0, {"X-Forwarded-Proto": "https"}, "http://portal.test/auth/oidc/dev/callback"),  # no proxy is trusted
    (1, {"X-Forwarded-Proto": "https"}, "https://portal.test/auth/oidc/dev/callback"),
])
def test_the_callback_url_follows_the_trusted_proxy(tmp_path, proxies, headers, expected):
    from urllib.parse import parse_qs, urlsplit

    app = _app(tmp_path, ENV="testing", OIDC_DEV_PROVIDER=True, PROXY_COUNT=proxies, BASE_URL="http://portal.test")
    r = app.test_client().get("/auth/oidc/dev/login", base_url="http://portal.test", headers=headers)
    assert r.status_code == 302
    assert parse_qs(urlsplit(r.location).query)["redirect_uri"] == [expected]
