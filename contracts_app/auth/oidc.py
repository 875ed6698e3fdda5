"""Single sign-on with OpenID Connect (Authlib's Flask client): the provider registry, the ID-token checks,
RP-initiated logout, and the built-in test provider mounted in development.

The flow (docs/security.md, V2.11): ``/auth/oidc/<name>/login`` redirects to the provider with ``state``, a
``nonce`` and a PKCE S256 challenge (kept by Authlib in the session, which is why the cookie stays
``SameSite=Lax``); the callback exchanges the code and checks the ID token against the provider's JWKS with
explicit ``iss``, ``aud``, ``exp`` (Authlib), ``nonce`` (Authlib) and accepted ``acr`` values. Authlib alone would
accept a token whose ``aud`` is another client as long as ``azp`` is ours, hence ``claims_options`` always.

Nothing from the token is kept but issuer, subject, name and e-mail (auth/sso.py). The raw ID token is needed
once more, as ``id_token_hint`` at logout: it is sealed (JWE, A256GCM) with a key that lives only in the session
cookie and stored in ``oidc_login``; neither half alone reveals it (an ID-porten token holds the ``pid``).
"""
from __future__ import annotations

import datetime as dt
import logging

from flask import Flask, current_app, session
from joserfc import jwe
from joserfc.errors import JoseError
from joserfc.jwk import OctKey
from sqlalchemy import delete
from sqlalchemy.orm import Session

from .models import OidcLogin
from .oidc_settings import DEV, DEV_CLIENT_ID, DEV_CLIENT_SECRET, Provider

log = logging.getLogger(__name__)

EXTENSION = "contracts_oidc"
SSO_SESSION = "auth_sso"  # {"provider", "login_id", "key"} while an SSO session lasts
PENDING = "auth_sso_pending"  # an unknown person's verified identity, for the access request
NEXT = "auth_sso_next"  # where to go after the login


def providers() -> dict[str, Provider]:
    return current_app.config.get("OIDC_CLIENTS") or {}


def client(name: str):
    """Authlib's client for a configured provider."""
    return current_app.extensions["authlib.integrations.flask_client"].create_client(name)


def claims_options(provider: Provider) -> dict:
    """What the ID token must say, checked by Authlib/joserfc on top of the signature, ``exp`` and ``nonce``."""
    metadata = client(provider.name).load_server_metadata()
    options: dict = {
        "iss": {"essential": True, "value": metadata["issuer"]},
        "aud": {"essential": True, "value": provider.client_id},
        "sub": {"essential": True},
    }
    if provider.accepted_acr:
        options["acr"] = {"essential": True, "values": list(provider.accepted_acr)}
    return options


def end_session_endpoint(name: str) -> str | None:
    if name not in providers():
        return None
    try:
        return client(name).load_server_metadata().get("end_session_endpoint")
    except Exception as exc:  # noqa: BLE001 - the provider is down: the local logout still happens
        log.warning("OIDC %s: no metadata for logout: %r", name, exc)
        return None


def logout_url(name: str, id_token: str, post_logout_redirect_uri: str) -> str:
    """The provider's end-session URL with the ID token as hint and a fresh ``state`` (kept in the session and
    checked when the browser comes back, as Authlib's ``logout_redirect`` does)."""
    oauth_client = client(name)
    result = oauth_client.create_logout_url(post_logout_redirect_uri=post_logout_redirect_uri, id_token_hint=id_token)
    oauth_client.framework.set_state_data(session, result["state"], {"post_logout_redirect_uri": post_logout_redirect_uri})
    return result["url"]


# --- the ID token kept for logout ------------------------------------------------------------------------------


def keep_id_token(db: Session, user_id: int, provider: str, id_token: str, *, now: dt.datetime, max_age: dt.timedelta) -> dict:
    """Seal the ID token for the logout hint; return what the session carries. Rows older than the longest
    session go at the same time."""
    key = OctKey.generate_key(256)
    sealed = jwe.encrypt_compact({"alg": "dir", "enc": "A256GCM"}, id_token.encode(), key)
    db.execute(delete(OidcLogin).where(OidcLogin.created_at < now - max_age))
    row = OidcLogin(user_id=user_id, provider=provider, sealed_id_token=sealed, created_at=now)
    db.add(row)
    db.flush()
    return {"provider": provider, "login_id": row.id, "key": key.as_dict()["k"]}


def take_id_token(db: Session, user_id: int, kept) -> str | None:
    """The ID token of this session's SSO login (the row is deleted), or None."""
    if not isinstance(kept, dict) or not isinstance(kept.get("login_id"), int):
        return None
    row = db.get(OidcLogin, kept["login_id"])
    if row is None or row.user_id != user_id:
        return None
    db.delete(row)
    db.flush()
    try:
        key = OctKey.import_key({"kty": "oct", "k": str(kept.get("key", ""))})
        return jwe.decrypt_compact(row.sealed_id_token, key).plaintext.decode()
    except (JoseError, ValueError, TypeError):
        return None


# --- set-up ------------------------------------------------------------------------------------------------------


def init_app(app: Flask) -> None:
    """Register the configured providers with Authlib and the SSO routes; mount the test provider when asked."""
    configured: dict[str, Provider] = app.config.get("OIDC_CLIENTS") or {}
    if not configured:
        return
    from authlib.integrations.flask_client import OAuth

    oauth = OAuth(app)  # one registry per app: Authlib caches metadata and JWKS on it
    for provider in configured.values():
        oauth.register(
            provider.name,
            server_metadata_url=provider.discovery_url,
            client_id=provider.client_id,
            client_secret=provider.client_secret,
            client_kwargs={"scope": provider.scopes, "code_challenge_method": "S256"},
        )
    if DEV in configured:
        _mount_dev_provider(app, oauth, configured[DEV])
    from .sso_views import bp

    app.register_blueprint(bp)


def _mount_dev_provider(app: Flask, oauth, provider: Provider) -> None:
    """The built-in test provider at ``/dev-oidc`` of this app. The browser reaches it through the app's own
    address; the app's server-to-server calls (discovery, JWKS, token) go to it in-process, not over a socket."""
    from urllib.parse import urlsplit

    from werkzeug.exceptions import NotFound
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    from .oidc_dev_provider import PATH, DevClient, DevProvider, WSGITransport, route_http_to

    base = str(app.config["BASE_URL"]).rstrip("/")
    dev = DevProvider(issuer=base + PATH, clients={DEV_CLIENT_ID: DevClient(
        secret=DEV_CLIENT_SECRET,
        redirect_uris=(base + "/auth/oidc/dev/callback",),
        post_logout_redirect_uris=(base + "/auth/oidc/dev/logged-out",),
        loopback_any_port=True,
    )})
    app.extensions["contracts_dev_oidc"] = dev
    app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {PATH: dev.app})
    route_http_to(getattr(oauth, DEV), WSGITransport(DispatcherMiddleware(NotFound(), {PATH: dev.app}),
                                                      urlsplit(base).netloc))
