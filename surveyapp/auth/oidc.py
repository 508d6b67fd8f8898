"""OpenID Connect single sign-on (Microsoft Entra ID, or any certified provider): the protocol's steps.

The authorisation code flow with PKCE (S256): `begin` makes a state, a nonce and a code verifier, kept in a
signed cookie of the browser's for ten minutes, and the provider's address to send the browser to; `finish`
checks the state that comes back (once: a state seen before is refused), swaps the code for tokens at the
provider's token endpoint (client secret, code verifier), and checks the ID token: its signature by a key of
the provider's JWKS, then `iss` (the discovered issuer), `aud` (this client), `exp`, `iat` and `nonce`.
Discovery (`/.well-known/openid-configuration`) and the keys are read at the first sign-in and kept; unknown
key ids read the keys again (the provider rolled them). JOSE is joserfc's (Authlib's own successor to
`authlib.jose`).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
from joserfc import jwt
from joserfc.errors import ExpiredTokenError, InvalidClaimError, JoseError, MissingClaimError
from joserfc.jwk import KeySet

from surveyapp.settings import Settings, group_roles

STATE_SECONDS = 600
LEEWAY_SECONDS = 60  # clocks differ a little
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384"]  # never "none", never HMAC with a public key


class SignInFailed(Exception):
    """A single sign-on that cannot end in a session; `kind` chooses its page."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind


@dataclass(frozen=True)
class Claims:
    """What the service uses of a verified ID token."""

    subject: str
    email: str | None  # only an address the provider vouches for
    name: str
    roles: tuple[str, ...] | None  # from the group claim when that is set up; None: from the account list


class OidcClient:
    """One provider's client: its settings, and what was read from it (discovery, keys) and the states seen."""

    def __init__(self, issuer: str, client_id: str, client_secret: str, redirect_uri: str, settings: Settings,
                 clock: Callable[[], float] = time.time) -> None:
        self.issuer, self.client_id, self.client_secret = issuer, client_id, client_secret
        self.redirect_uri, self.settings, self.clock = redirect_uri, settings, clock
        self._metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None
        self._used: dict[str, float] = {}  # states already seen, until they would expire
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, clock: Callable[[], float]) -> OidcClient | None:
        if not settings.oidc_issuer:
            return None
        return cls(settings.oidc_issuer.rstrip("/"), settings.oidc_client_id or "", settings.oidc_client_secret or "",
                   f"{settings.form_url}/sign-in/oidc/callback", settings, clock)

    async def metadata(self, http: httpx.AsyncClient) -> dict[str, Any]:
        if self._metadata is None:
            found = await _json(http, "GET", f"{self.issuer}/.well-known/openid-configuration")
            if str(found.get("issuer", "")).rstrip("/") != self.issuer:
                raise SignInFailed("provider", f"the provider's discovery names another issuer: {found.get('issuer')}")
            self._metadata = found
        return self._metadata

    async def begin(self, http: httpx.AsyncClient) -> tuple[str, dict[str, object]]:
        """Where to send the browser, and what its signed cookie must hold until it comes back."""
        meta = await self.metadata(http)
        state, nonce, verifier = (secrets.token_urlsafe(32) for _ in range(3))
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
        query = urlencode({"response_type": "code", "client_id": self.client_id, "redirect_uri": self.redirect_uri,
                           "scope": "openid profile email", "state": state, "nonce": nonce, "code_challenge": challenge,
                           "code_challenge_method": "S256"})
        return f"{meta['authorization_endpoint']}?{query}", {"state": state, "nonce": nonce, "verifier": verifier}

    def spend_state(self, state: str) -> bool:
        """Whether this state is seen for the first time (it is then remembered until it would expire)."""
        now = self.clock()
        with self._lock:
            self._used = {s: until for s, until in self._used.items() if until > now}
            if state in self._used:
                return False
            self._used[state] = now + STATE_SECONDS
            return True

    async def finish(self, http: httpx.AsyncClient, code: str, kept: dict[str, object]) -> Claims:
        """Swap the code for tokens and check the ID token; SignInFailed says what was wrong."""
        meta = await self.metadata(http)
        tokens = await _json(http, "POST", str(meta["token_endpoint"]), data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect_uri,
            "code_verifier": str(kept["verifier"])}, auth=(self.client_id, self.client_secret))
        id_token = tokens.get("id_token")
        if not isinstance(id_token, str):
            raise SignInFailed("provider", "the provider sent no ID token")
        return self._claims(await self._verified(http, meta, id_token), str(kept["nonce"]))

    async def _verified(self, http: httpx.AsyncClient, meta: dict[str, Any], id_token: str) -> dict[str, Any]:
        for attempt in (1, 2):
            if self._keys is None or attempt == 2:
                self._keys = KeySet.import_key_set(await _json(http, "GET", str(meta["jwks_uri"])))  # type: ignore[arg-type]
            try:
                return dict(jwt.decode(id_token, self._keys, algorithms=ALGORITHMS).claims)
            except (ValueError, JoseError) as exc:
                if attempt == 2:
                    raise SignInFailed("provider", f"the ID token's signature is not the provider's: {exc}") from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _claims(self, claims: dict[str, Any], nonce: str) -> Claims:
        registry = jwt.JWTClaimsRegistry(leeway=LEEWAY_SECONDS, now=int(self.clock()),
                                         iss={"essential": True, "value": self.issuer},
                                         aud={"essential": True, "value": self.client_id},
                                         exp={"essential": True}, iat={"essential": True},
                                         nonce={"essential": True, "value": nonce})
        try:
            registry.validate(claims)
        except ExpiredTokenError:
            raise SignInFailed("expired", "the ID token has expired") from None
        except (InvalidClaimError, MissingClaimError) as exc:
            claim = getattr(exc, "claim", "")
            kind = "audience" if claim == "aud" else "replayed" if claim == "nonce" else "provider"
            raise SignInFailed(kind, f"the ID token's {claim} claim is not right: {exc}") from None
        except JoseError as exc:
            raise SignInFailed("provider", f"the ID token is not valid: {exc}") from None
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.client_id:
            raise SignInFailed("audience", "the ID token was issued to another application")
        return self._person(claims)

    def _person(self, claims: dict[str, Any]) -> Claims:
        settings = self.settings
        subject = claims.get(settings.oidc_subject_claim)
        if not isinstance(subject, str) or not subject:
            raise SignInFailed("provider", f"the ID token has no {settings.oidc_subject_claim} claim")
        email = claims.get(settings.oidc_email_claim)
        vouched = claims.get(settings.oidc_email_verified_claim) in (True, "true", "True", "1", 1)
        name = claims.get("name") or email or subject
        roles = None
        if settings.oidc_groups_claim:
            groups = claims.get(settings.oidc_groups_claim) or []
            held = set(groups) if isinstance(groups, list) else set()
            roles = tuple(dict.fromkeys(role for role, group in group_roles(settings) if group in held))
        return Claims(subject=subject, email=email.lower() if isinstance(email, str) and vouched else None,
                      name=str(name)[:80], roles=roles)


async def _json(http: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
    try:
        response = await http.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        raise SignInFailed("unreachable", f"the provider could not be reached at {url}: {exc}") from None
    if response.status_code >= 400:
        raise SignInFailed("provider", f"the provider answered {response.status_code} at {url}: "
                                       f"{response.text[:200]}")
    try:
        found = response.json()
    except ValueError:
        found = None
    if not isinstance(found, dict):
        raise SignInFailed("provider", f"the provider's answer at {url} is not a JSON object")
    return found
