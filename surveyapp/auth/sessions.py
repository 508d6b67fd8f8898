"""Browser sessions for staff, analysts and admins: a signed, expiring cookie, and the CSRF token it implies.

The cookie holds the session's `Identity` (role, name, expiry, a random session id) and an HMAC-SHA256 of
it, never a token. The MAC's key is derived from `<data dir>/secrets/session.key` (made on first start,
owner-only) and from the provider's binding for the role (a hash of the role's current token), so a restart
with a new token ends that role's sessions, and a role with no token has none. The expiry is checked against
the app's clock. Sign-out adds the session id to an in-memory list of ended sessions until it would have
expired. The CSRF token of a session is an HMAC of its id: the authentication middleware works it out once a
request (`surveyapp.auth.middleware`), pages put it in their forms, and `require` asks for it on every
state-changing request the cookie authenticated.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import threading
from collections.abc import Callable
from pathlib import Path

import msgspec

from surveyapp.auth.identity import Identity, IdentityProvider, Role, same_secret
from surveyapp.domain.returncodes import load_or_share_key

SESSION_COOKIE = "surveyapp_session"
CSRF_FIELD = "csrf_token"  # the hidden form field
CSRF_HEADER = "X-CSRF-Token"  # or this header, for scripts that hold a session
CSRF_STATE = "surveyapp.csrf_field"  # where CsrfFieldMiddleware leaves a posted form's csrf_token, in the scope's state


def load_session_key(data_dir: Path) -> bytes:
    """`<data dir>/secrets/session.key`, created on first start (owner-only); a racing creator's key is read."""
    return load_or_share_key(data_dir / "secrets" / "session.key")


class Sessions:
    """Issues and reads session cookies. Made with the app; its key is loaded when the service starts."""

    def __init__(self, provider: IdentityProvider, clock: Callable[[], float], *, hours: float) -> None:
        self.provider, self.clock, self.seconds = provider, clock, round(hours * 3600)
        self._bindings = dict(provider.bindings())
        self._key: bytes | None = None
        self._ended: dict[str, float] = {}  # signed-out session ids, until they would have expired
        self._lock = threading.Lock()

    def start(self, key: bytes) -> None:
        self._key = key

    @property
    def ready(self) -> bool:
        return self._key is not None

    def _mac(self, label: str, role: Role | None, message: bytes) -> str | None:
        if self._key is None:
            return None
        binding = b"" if role is None else self._bindings.get(role)
        if binding is None:  # the role cannot sign in (no token): no session of it is valid
            return None
        key = hmac.new(self._key, label.encode() + b"|" + (role or "").encode() + b"|" + binding,
                       hashlib.sha256).digest()
        return hmac.new(key, message, hashlib.sha256).hexdigest()

    def issue(self, role: Role, name: str | None = None, subject: str = "") -> tuple[str, Identity]:
        """A new session of this role (a role token's): the cookie's value, and the Identity it carries."""
        return self.issue_for(Identity(roles=(role,), name=name or self.provider.display_name(role), expires=0,
                                       subject=subject))

    def issue_for(self, identity: Identity) -> tuple[str, Identity]:
        """A new session for this Identity (a role token's, or a named account's): the cookie's value, and the
        Identity with its session id and expiry."""
        identity = msgspec.structs.replace(identity, expires=self.clock() + self.seconds,
                                           session=secrets.token_urlsafe(24))
        body = base64.urlsafe_b64encode(msgspec.json.encode(identity)).decode().rstrip("=")
        mac = self._session_mac(identity, body)
        if mac is None:
            raise RuntimeError(f"the {identity.role} role cannot sign in: it has no token, or the service has not "
                               "started")
        return f"{body}.{mac}", identity

    def _session_mac(self, identity: Identity, body: str) -> str | None:
        # A named account's session is checked against the account list on every request (its roles, whether it
        # is enabled); a role token's is bound to that role's current token.
        if identity.account:
            return self._mac("account-session", None, body.encode())
        return self._mac("session", identity.role, body.encode()) if len(identity.roles) == 1 else None

    def read(self, value: str | None) -> Identity | None:
        """The session's Identity, or None when the cookie is missing, tampered with, of a role whose token has
        changed (or is unset), expired, or signed out."""
        if not value or value.count(".") != 1 or len(value) > 2048:
            return None
        body, mac = value.split(".")
        try:
            identity = msgspec.json.decode(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)), type=Identity)
        except (binascii.Error, msgspec.DecodeError, msgspec.ValidationError, ValueError):
            return None
        if not identity.roles:
            return None
        expected = self._session_mac(identity, body)
        if expected is None or not same_secret(expected, mac):
            return None
        now = self.clock()
        if identity.expires <= now or not identity.session:
            return None
        with self._lock:
            if identity.session in self._ended:
                return None
        return identity

    def seal(self, label: str, payload: dict[str, object], seconds: float) -> str:
        """A signed, expiring value for a short step of signing in (a password entered, awaiting its second
        factor; an OpenID sign-in under way): readable by the browser that holds it, changeable by nobody."""
        body = base64.urlsafe_b64encode(msgspec.json.encode({**payload, "until": self.clock() + seconds}))
        value = body.decode().rstrip("=")
        mac = self._mac(label, None, value.encode())
        if mac is None:
            raise RuntimeError("the service has not started")
        return f"{value}.{mac}"

    def unseal(self, label: str, value: str | None) -> dict[str, object] | None:
        """What `seal` put in, while unexpired and untouched; else None."""
        if not value or value.count(".") != 1 or len(value) > 4096:
            return None
        body, mac = value.split(".")
        expected = self._mac(label, None, body.encode())
        if expected is None or not same_secret(expected, mac):
            return None
        try:
            payload = msgspec.json.decode(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)),
                                          type=dict[str, object])
        except (binascii.Error, msgspec.DecodeError, msgspec.ValidationError, ValueError):
            return None
        until = payload.get("until")
        return payload if isinstance(until, int | float) and until > self.clock() else None

    def end(self, identity: Identity) -> None:
        """Sign out: this session's cookie is refused from now on, even if a copy of it is presented."""
        now = self.clock()
        with self._lock:
            self._ended = {sid: until for sid, until in self._ended.items() if until > now}
            self._ended[identity.session] = identity.expires

    def csrf_token(self, identity: Identity) -> str:
        """The session's CSRF token (empty when the request was not made in a session)."""
        if not identity.in_session:
            return ""
        return self._mac("csrf", None, identity.session.encode()) or ""
