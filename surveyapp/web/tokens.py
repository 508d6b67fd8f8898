"""Signed values for the form: the CSRF token, the fill-time stamp and the confirmation cookie.

The fill-time stamp is signed together with the form's submission id, so a token and start time serve one
shown form: posting them again with another submission id is treated as a form with no start time (sent
back to be checked, nothing stored), and the minimum fill time is paid for every response, not once.

Everything is an HMAC-SHA256 under the form's own key (data/secrets/form.key), kept apart from the
return-code key so that neither can be used to forge the other.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from pathlib import Path

import msgspec

from surveyapp.returncodes import load_or_create_key

CSRF_COOKIE = "surveyapp_form"
DONE_COOKIE = "surveyapp_done"
DONE_SECONDS = 30 * 60  # the confirmation (with the code) can be reloaded for this long


def load_form_key(path: Path) -> bytes:
    """The form key, created on first use; a second process racing to create it reads the winner's."""
    try:
        return load_or_create_key(path)
    except FileExistsError:
        return load_or_create_key(path)


class Done(msgspec.Struct, frozen=True):
    """What the confirmation page shows, carried in a signed cookie rather than the URL."""

    wave_id: str
    code: str
    lang: str
    expires: float


@dataclass(frozen=True)
class FormSigner:
    """Issues and checks the form's signed values."""

    key: bytes

    def _mac(self, *parts: str) -> str:
        message = "\x1f".join(parts).encode()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()[:43]

    @staticmethod
    def new_browser_id() -> str:
        """A random value for the CSRF cookie (double-submit: the form carries its MAC)."""
        return secrets.token_urlsafe(24)

    def csrf_token(self, browser_id: str, wave_id: str) -> str:
        return self._mac("csrf", browser_id, wave_id)

    def csrf_ok(self, browser_id: str | None, wave_id: str, token: str | None) -> bool:
        if not browser_id or not token:
            return False
        return hmac.compare_digest(self.csrf_token(browser_id, wave_id), token)

    def started(self, browser_id: str, submission_id: str, at: float) -> str:
        """A stamp of when this form was shown, bound to this browser (so it cannot be harvested) and to the
        form's submission id (so one stamp stores at most one response: the writer keeps a submission id to one
        response, and a retry of it gets that response back)."""
        moment = f"{at:.3f}"
        return f"{moment}.{self._mac('started', browser_id, submission_id, moment)}"

    def started_at(self, browser_id: str | None, submission_id: str, stamp: str | None) -> float | None:
        """When the form was shown, or None when the stamp is missing, not ours, or another form's."""
        if not browser_id or not stamp or stamp.count(".") != 2:
            return None
        moment, _, mac = stamp.rpartition(".")
        if not hmac.compare_digest(self._mac("started", browser_id, submission_id, moment), mac):
            return None
        try:
            return float(moment)
        except ValueError:
            return None

    def done_cookie(self, done: Done) -> str:
        body = base64.urlsafe_b64encode(msgspec.json.encode(done)).decode().rstrip("=")
        return f"{body}.{self._mac('done', body)}"

    def read_done(self, value: str | None, now: float) -> Done | None:
        """The confirmation carried by the cookie, or None when missing, tampered with or expired."""
        if not value or "." not in value:
            return None
        body, _, mac = value.rpartition(".")
        if not hmac.compare_digest(self._mac("done", body), mac):
            return None
        try:
            done = msgspec.json.decode(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)), type=Done)
        except (binascii.Error, msgspec.DecodeError, ValueError):
            return None
        return done if done.expires > now else None
