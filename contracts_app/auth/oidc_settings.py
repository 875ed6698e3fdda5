"""Single sign-on settings, read and checked at start-up (called by config.load; stdlib only).

``CONTRACTS_OIDC_PROVIDERS="entra idporten"`` names the providers; each has its own settings
``CONTRACTS_OIDC_<NAME>_…`` (the name upper-cased): DISCOVERY_URL, CLIENT_ID, CLIENT_SECRET (required), SCOPES
(``openid profile email``), ACCEPTED_ACR (space-separated; empty = not checked; the first goes out as
``acr_values``), DISPLAY_NAME (the button says "Logg inn med <display name>"), SUBJECT_CLAIM (``sub``; ``oid``
for Entra ID) and EMAIL_CLAIMS (``email preferred_username``: the claims tried, in order, for the address that
links an account at its first SSO login). ``CONTRACTS_OIDC_DEV_PROVIDER=1`` adds the built-in test provider
``dev`` (auth/oidc_dev_provider.py), never in production. See docs/security.md (V2.11 single sign-on).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

NAME = re.compile(r"^[a-z][a-z0-9]{0,19}$")
DEV = "dev"
DEV_CLIENT_ID = "contracts-dev"
DEV_CLIENT_SECRET = "dev-client-secret-not-secret"  # noqa: S105 - the built-in test provider only

PER_PROVIDER = {
    "DISCOVERY_URL": None,
    "CLIENT_ID": None,
    "CLIENT_SECRET": None,
    "SCOPES": "openid profile email",
    "ACCEPTED_ACR": "",
    "DISPLAY_NAME": None,  # None → the provider's name
    "SUBJECT_CLAIM": "sub",
    "EMAIL_CLAIMS": "email preferred_username",
}


@dataclass(frozen=True)
class Provider:
    name: str
    discovery_url: str
    client_id: str
    client_secret: str
    scopes: str
    accepted_acr: tuple[str, ...]
    display_name: str
    subject_claim: str
    email_claims: tuple[str, ...]
    builtin: bool = False  # the development test provider, served by the app itself


def _text(value) -> str:
    """from_prefixed_env JSON-decodes: a digits-only client id or secret arrives as a number."""
    return "" if value is None else str(value).strip()


def _allowed_url(url: str, env: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return True
    return env != "production" and parts.scheme == "http" and parts.hostname in ("localhost", "127.0.0.1")


def load(cfg, env: str, error) -> None:
    """Fill ``cfg["OIDC_CLIENTS"]`` (name → Provider, in the order configured) or raise ``error`` (ConfigError)."""
    names = _text(cfg.get("OIDC_PROVIDERS")).replace(",", " ").lower().split()
    providers: dict[str, Provider] = {}
    for name in names:
        if not NAME.match(name) or name == DEV:
            raise error(f"CONTRACTS_OIDC_PROVIDERS: {name!r} is not a provider name (a-z and digits, at most 20, "
                        f"starting with a letter; {DEV!r} is the built-in test provider)")
        if name in providers:
            raise error(f"CONTRACTS_OIDC_PROVIDERS names {name!r} twice")
        prefix = f"OIDC_{name.upper()}_"
        values = {key: cfg.get(prefix + key, default) for key, default in PER_PROVIDER.items()}
        for key in ("DISCOVERY_URL", "CLIENT_ID", "CLIENT_SECRET"):
            if not _text(values[key]):
                raise error(f"CONTRACTS_{prefix}{key} is required for the single sign-on provider {name!r}")
        url = _text(values["DISCOVERY_URL"])
        if not _allowed_url(url, env):
            raise error(f"CONTRACTS_{prefix}DISCOVERY_URL must be an https:// URL, not {url!r}")
        scopes = _text(values["SCOPES"]) or PER_PROVIDER["SCOPES"]
        if "openid" not in scopes.split():
            raise error(f"CONTRACTS_{prefix}SCOPES must include openid, not {scopes!r}")
        subject = _text(values["SUBJECT_CLAIM"]) or "sub"
        email_claims = tuple(_text(values["EMAIL_CLAIMS"]).split())
        providers[name] = Provider(
            name=name, discovery_url=url, client_id=_text(values["CLIENT_ID"]),
            client_secret=_text(values["CLIENT_SECRET"]), scopes=scopes,
            accepted_acr=tuple(_text(values["ACCEPTED_ACR"]).split()),
            display_name=_text(values["DISPLAY_NAME"]) or name, subject_claim=subject, email_claims=email_claims,
        )
    if cfg.get("OIDC_DEV_PROVIDER"):
        if env == "production":
            raise error("CONTRACTS_OIDC_DEV_PROVIDER must be off in production: the built-in test provider lets "
                        "anyone log in as any registered address")
        base = _text(cfg.get("BASE_URL")).rstrip("/")
        providers[DEV] = Provider(
            name=DEV, discovery_url=base + "/dev-oidc/.well-known/openid-configuration", client_id=DEV_CLIENT_ID,
            client_secret=DEV_CLIENT_SECRET, scopes="openid profile email", accepted_acr=(),
            display_name=_text(cfg.get("OIDC_DEV_DISPLAY_NAME")) or "testleverandøren (utvikling)",
            subject_claim="sub", email_claims=("email",), builtin=True,
        )
    cfg["OIDC_CLIENTS"] = providers

    accounts = cfg.get("BREAK_GLASS_ACCOUNTS")
    accounts = " ".join(accounts) if isinstance(accounts, (list, tuple)) else _text(accounts)
    accounts = accounts.replace(",", " ").lower().split()
    cfg["BREAK_GLASS_ACCOUNTS"] = tuple(accounts)
    if not cfg.get("LOCAL_LOGIN") and not providers and not accounts:
        raise error("CONTRACTS_LOCAL_LOGIN is off but no single sign-on provider (CONTRACTS_OIDC_PROVIDERS) "
                    "and no break-glass account (CONTRACTS_BREAK_GLASS_ACCOUNTS) is configured: nobody could log in")
