"""The form's secrets: the draft cookie's random id, the CSRF token, the sealed return code and the
confirmation cookie.

The draft cookie holds only a random id; the answers live server-side (surveyapp/store/drafts.py). The CSRF
token is an HMAC of that id and the wave (double submit: another site can neither read the cookie nor make the
token). The confirmation cookie is encrypted (AES-GCM), so its value never shows the family's return code. An
earlier return code a family types is kept in its draft only sealed (AES-GCM) under a key derived from the form's
own key (data/secrets/form.key), kept apart from the return-code key so that neither can be used
to forge the other.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from dataclasses import dataclass

import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from surveyapp.auth.identity import same_secret

DRAFT_COOKIE = "surveyapp_draft"
DONE_COOKIE = "surveyapp_done"
DONE_SECONDS = 30 * 60  # the confirmation (with the code) can be reloaded for this long


class Done(msgspec.Struct, frozen=True):
    """What the confirmation page shows, carried in an encrypted cookie rather than the URL."""

    wave_id: str
    code: str
    lang: str
    expires: float
    channel: str = ""  # paper or phone: staff entered it, and see the staff's page, not the family's
    reference: str = ""  # the paper form's reference
    duplicate: bool = False  # the same form had been entered before: nothing new was stored


@dataclass(frozen=True)
class FormSigner:
    """Issues and checks the form's signed values."""

    key: bytes

    def _mac(self, *parts: str) -> str:
        message = "\x1f".join(parts).encode()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()[:43]

    @staticmethod
    def new_browser_id() -> str:
        """A random value for the draft cookie (double submit: the form carries its MAC)."""
        return secrets.token_urlsafe(24)

    def csrf_token(self, browser_id: str, wave_id: str) -> str:
        return self._mac("csrf", browser_id, wave_id)

    def csrf_ok(self, browser_id: str | None, wave_id: str, token: str | None) -> bool:
        if not browser_id or not token:
            return False
        return same_secret(self.csrf_token(browser_id, wave_id), token)

    def seal_code(self, code: str, wave_id: str, submission_id: str) -> str:
        """The typed return code, encrypted and bound to its draft (so a sealed code cannot be moved to another)."""
        nonce = secrets.token_bytes(12)
        sealed = AESGCM(self._code_key()).encrypt(nonce, code.encode(), f"{wave_id}|{submission_id}".encode())
        return base64.urlsafe_b64encode(nonce + sealed).decode()

    def unseal_code(self, sealed: str | None, wave_id: str, submission_id: str) -> str | None:
        """The code sealed by seal_code, or None when there is none or it does not open."""
        if not sealed:
            return None
        try:
            raw = base64.urlsafe_b64decode(sealed)
            plain = AESGCM(self._code_key()).decrypt(raw[:12], raw[12:], f"{wave_id}|{submission_id}".encode())
        except (binascii.Error, InvalidTag, ValueError):
            return None
        return plain.decode()

    def seal_child(self, child: str, wave_id: str, submission_id: str) -> str:
        """Which child the form is about, sealed as the code is (bound to the draft, and apart from its code)."""
        return self.seal_code(child, wave_id, f"{submission_id}|child")

    def unseal_child(self, sealed: str | None, wave_id: str, submission_id: str) -> str | None:
        return self.unseal_code(sealed, wave_id, f"{submission_id}|child")

    def _code_key(self) -> bytes:
        return hmac.new(self.key, b"draft-code-seal", hashlib.sha256).digest()

    def done_cookie(self, done: Done) -> str:
        """The confirmation, encrypted (AES-GCM under a key of its own derived from the form key): the cookie's value
        shows nobody the family's return code, e.g. on a shared computer, and cannot be altered."""
        nonce = secrets.token_bytes(12)
        return (nonce + AESGCM(self._done_key()).encrypt(nonce, msgspec.json.encode(done), b"done")).hex()

    def read_done(self, value: str | None, now: float) -> Done | None:
        """The confirmation carried by the cookie, or None when missing, tampered with or expired."""
        if not value or len(value) > 4096:
            return None
        try:
            raw = bytes.fromhex(value)
            done = msgspec.json.decode(AESGCM(self._done_key()).decrypt(raw[:12], raw[12:], b"done"), type=Done)
        except (InvalidTag, ValueError, msgspec.DecodeError):
            return None
        return done if done.expires > now else None

    def _done_key(self) -> bytes:
        return hmac.new(self.key, b"done-cookie-seal", hashlib.sha256).digest()
