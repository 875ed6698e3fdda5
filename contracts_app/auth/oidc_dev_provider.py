"""A small OpenID Provider for development and tests: never for production (config.py refuses it there).

``CONTRACTS_OIDC_DEV_PROVIDER=1`` mounts it at ``/dev-oidc`` in the app's own process (auth/oidc.py); the tests
use the same class, served in-process (no sockets). It speaks what the real client needs: discovery, JWKS,
``/authorize`` (authorization code with PKCE S256; the login page is one field, ``email``), ``/token``
(client secret, single-use code) and ``/logout`` (RP-initiated logout). It checks nothing about the person:
anyone may type any address, so the app's own rules (registered users only) are what is tried out.

``tamper`` makes the next ID tokens wrong in one way, for the tests of refusals.
"""
from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import unquote, urlencode, urlsplit

from flask import Flask, abort, jsonify, redirect, render_template_string, request
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey

PATH = "/dev-oidc"  # where the app mounts it

TAMPER_MODES = (
    "bad_signature",  # same kid, another private key
    "expired",  # past the client's leeway
    "wrong_audience",  # aud is another client
    "other_audience_azp",  # aud another client, azp ours: Authlib alone accepts this (recipe § 2)
    "wrong_issuer",
    "wrong_nonce",
    "no_nonce",
)


def new_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})


def subject_for(issuer: str, email: str) -> str:
    """A stable, opaque subject per (issuer, address), as a pairwise ``sub`` would be."""
    return hashlib.sha256(f"{issuer}|{email.strip().lower()}".encode()).hexdigest()[:32]


@dataclass
class DevClient:
    secret: str
    # Exact redirect URIs; with ``loopback_any_port`` a URI on a loopback host with a registered path is
    # accepted too (development: the app may be opened as localhost or 127.0.0.1, on any port).
    redirect_uris: tuple[str, ...]
    post_logout_redirect_uris: tuple[str, ...] = ()
    loopback_any_port: bool = False


@dataclass
class DevProvider:
    issuer: str
    clients: dict[str, DevClient]
    key: RSAKey = field(default_factory=lambda: new_key("dev-key-1"))
    tamper: str | None = None
    acr: str = "idporten-loa-high"
    # Per address: the subject to give instead of the computed one, a display name, extra claims (e.g. ``pid``).
    subjects: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    extra_claims: dict[str, object] = field(default_factory=dict)
    old_keys: list[RSAKey] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.codes: dict[str, dict] = {}
        self.logouts: list[dict] = []  # what /logout received (tests look)
        self.issued: list[dict] = []  # claims of the ID tokens issued (tests look)
        self.app = self._make_app()

    # --- keys ----------------------------------------------------------------------------------------------
    def rotate_key(self, kid: str, *, keep_old: bool = False) -> None:
        if keep_old:
            self.old_keys.append(self.key)
        self.key = new_key(kid)

    def jwks(self) -> dict:
        return KeySet([self.key, *self.old_keys]).as_dict(private=False)

    # --- the ID token ------------------------------------------------------------------------------------------
    def id_token(self, client_id: str, email: str, nonce: str | None) -> str:
        now = int(time.time())
        email = email.strip()
        claims = dict(
            iss=self.issuer, aud=client_id, sub=self.subjects.get(email.lower()) or subject_for(self.issuer, email),
            email=email, name=self.names.get(email.lower(), email), acr=self.acr, amr=["pwd"],
            iat=now, nbf=now, exp=now + 300, auth_time=now, **self.extra_claims,
        )
        if nonce is not None:
            claims["nonce"] = nonce
        key = self.key
        if self.tamper == "bad_signature":
            key = new_key(self.key.kid)
        elif self.tamper == "expired":
            claims.update(iat=now - 3600, nbf=now - 3600, exp=now - 600, auth_time=now - 3600)
        elif self.tamper == "wrong_audience":
            claims["aud"] = "another-client"
        elif self.tamper == "other_audience_azp":
            claims.update(aud="another-client", azp=client_id)
        elif self.tamper == "wrong_issuer":
            claims["iss"] = self.issuer + "/other"
        elif self.tamper == "wrong_nonce":
            claims["nonce"] = "not-the-nonce"
        elif self.tamper == "no_nonce":
            claims.pop("nonce", None)
        self.issued.append(claims)
        return jwt.encode({"alg": "RS256", "kid": self.key.kid, "typ": "JWT"}, claims, key)

    # --- the web side ------------------------------------------------------------------------------------------
    def _redirect_allowed(self, client: DevClient, uri: str, registered: tuple[str, ...]) -> bool:
        if uri in registered:
            return True
        if not client.loopback_any_port:
            return False
        parts = urlsplit(uri)
        return (parts.scheme == "http" and parts.hostname in ("localhost", "127.0.0.1")
                and any(urlsplit(r).path == parts.path for r in registered))

    def _client(self, client_id: str | None) -> DevClient:
        client = self.clients.get(client_id or "")
        if client is None:
            abort(400, "unknown client_id")
        return client

    def _make_app(self) -> Flask:
        app = Flask(__name__ + ".dev")
        provider = self

        @app.get("/.well-known/openid-configuration")
        def discovery():
            base = provider.issuer
            return jsonify({
                "issuer": provider.issuer,
                "authorization_endpoint": base + "/authorize",
                "token_endpoint": base + "/token",
                "jwks_uri": base + "/jwks",
                "end_session_endpoint": base + "/logout",
                "response_types_supported": ["code"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                "acr_values_supported": ["idporten-loa-substantial", "idporten-loa-high"],
                "scopes_supported": ["openid", "profile", "email"],
            })

        @app.get("/jwks")
        def jwks():
            return jsonify(provider.jwks())

        @app.route("/authorize", methods=["GET", "POST"])
        def authorize():
            args = request.args
            client = provider._client(args.get("client_id"))
            redirect_uri = args.get("redirect_uri", "")
            if not provider._redirect_allowed(client, redirect_uri, client.redirect_uris):
                abort(400, "redirect_uri is not registered")
            if args.get("response_type") != "code" or args.get("code_challenge_method") != "S256" \
                    or not args.get("code_challenge") or "openid" not in args.get("scope", "").split():
                abort(400, "code flow with PKCE S256 and scope openid required")
            error = None
            if request.method == "POST":
                email = (request.form.get("email") or "").strip()
                if "@" in email and len(email) <= 200:
                    code = secrets.token_urlsafe(24)
                    provider.codes[code] = {
                        "client_id": args["client_id"], "redirect_uri": redirect_uri, "email": email,
                        "nonce": args.get("nonce"), "challenge": args["code_challenge"], "at": time.time(),
                    }
                    query = {"code": code, "state": args.get("state", "")}
                    return redirect(redirect_uri + ("&" if "?" in redirect_uri else "?") + urlencode(query))
                error = "Skriv en e-postadresse."
            return render_template_string(LOGIN_PAGE, error=error, email=request.form.get("email", "")), \
                (422 if error else 200)

        @app.post("/token")
        def token():
            form = request.form
            client_id, secret = form.get("client_id"), form.get("client_secret")
            if request.authorization is not None and request.authorization.type == "basic":
                client_id = unquote(request.authorization.username or "")
                secret = unquote(request.authorization.password or "")
            client = provider.clients.get(client_id or "")
            if client is None or not secrets.compare_digest(client.secret, secret or ""):
                return jsonify(error="invalid_client"), 401
            grant = provider.codes.pop(form.get("code", ""), None)  # single use
            if grant is None or grant["client_id"] != client_id or grant["redirect_uri"] != form.get("redirect_uri") \
                    or time.time() - grant["at"] > 60:
                return jsonify(error="invalid_grant"), 400
            verifier = form.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if not secrets.compare_digest(challenge, grant["challenge"]):
                return jsonify(error="invalid_grant", error_description="PKCE"), 400
            return jsonify({
                "access_token": secrets.token_urlsafe(24), "token_type": "Bearer", "expires_in": 300,
                "scope": "openid profile email",
                "id_token": provider.id_token(client_id, grant["email"], grant["nonce"]),
            })

        @app.get("/logout")
        def logout():
            args = request.args
            hint = args.get("id_token_hint", "")
            try:
                claims = jwt.decode(hint, KeySet([provider.key, *provider.old_keys])).claims
            except (JoseError, ValueError):
                abort(400, "id_token_hint is not ours")
            provider.logouts.append({"sub": claims.get("sub"), "aud": claims.get("aud"), "args": dict(args)})
            target = args.get("post_logout_redirect_uri")
            client = provider.clients.get(str(claims.get("aud")))
            if target and client is not None and provider._redirect_allowed(client, target, client.post_logout_redirect_uris):
                query = {"state": args["state"]} if args.get("state") else {}
                return redirect(target + (("?" + urlencode(query)) if query else ""))
            return render_template_string(LOGGED_OUT_PAGE)

        return app


LOGIN_PAGE = """<!doctype html>
<html lang="nb"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Testinnlogging</title></head>
<body><main>
<h1>Testinnlogging (bare for utvikling)</h1>
<p>Dette er en innebygd testleverandør. Skriv e-postadressen til en demobruker.</p>
{% if error %}<p role="alert" id="dev-oidc-error">{{ error }}</p>{% endif %}
<form method="post">
<label for="email">E-postadresse</label>
<input id="email" name="email" type="email" autocomplete="username" value="{{ email }}" required>
<button type="submit">Logg inn</button>
</form>
</main></body></html>
"""

LOGGED_OUT_PAGE = """<!doctype html>
<html lang="nb"><head><meta charset="utf-8"><title>Logget ut</title></head>
<body><main><h1>Du er logget ut hos testleverandøren.</h1></main></body></html>
"""


# --- in-process HTTP: the client's server-to-server calls reach the provider without a socket -----------------


def _transport_base():
    import requests

    return requests.adapters.BaseAdapter


class WSGITransport(_transport_base()):
    """A ``requests`` adapter that answers from a WSGI app for one host (recipe-oidc.md § 6). Any other host is
    refused: nothing leaves the process."""

    def __init__(self, wsgi_app, host: str):
        from werkzeug.test import Client

        super().__init__()
        self.client, self.host = Client(wsgi_app), host

    def send(self, request, **kwargs):
        import requests
        from requests.structures import CaseInsensitiveDict

        url = urlsplit(request.url)
        if url.netloc != self.host:
            raise requests.ConnectionError(f"in-process transport: no route to {url.netloc}")
        r = self.client.open(url.path, base_url=f"{url.scheme}://{url.netloc}", query_string=url.query,
                             method=request.method, headers=dict(request.headers), data=request.body or b"")
        resp = requests.Response()
        resp.status_code, resp.headers, resp._content = r.status_code, CaseInsensitiveDict(r.headers), r.get_data()
        resp.url, resp.request, resp.encoding = request.url, request, r.mimetype_params.get("charset")
        return resp

    def close(self):
        """What ``requests.Session.close`` calls: forget the test client's cookies (there is no connection)."""
        from werkzeug.test import Client

        self.client = Client(self.client.application)


def route_http_to(oauth_app, transport: WSGITransport) -> None:
    """Make one Authlib client send its HTTP calls through ``transport``."""

    class InProcessSession(oauth_app.client_cls):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.mount("http://", transport)
            self.mount("https://", transport)

    oauth_app.client_cls = InProcessSession
