"""Local accounts' secrets: passwords by NIST SP 800-63B, hashed with Argon2id, and the second factor (TOTP).

A password is checked only for what 800-63B asks: its length (at least 15 characters for an account without a
second factor, 8 with one; up to 256), that it is not one of the 30,000 commonest passwords (the list zxcvbn
ships, MIT licence) and not the service's or the person's own name or address. There are no composition rules
and no expiry. It is normalised (NFKC) before hashing, so the same password typed on another keyboard matches.
"""

from __future__ import annotations

import base64
import hmac
import io
import unicodedata
from functools import cache

import argon2
import pyotp
import segno

MIN_WITHOUT_MFA = 15
MIN_WITH_MFA = 8
MAX_LENGTH = 256
TOTP_ISSUER = "Your voice SEND survey"
_HASHER = argon2.PasswordHasher()  # Argon2id, RFC 9106's low-memory profile (argon2-cffi's defaults)


@cache
def _common() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # type: ignore[import-untyped]

    return frozenset(FREQUENCY_LISTS["passwords"])


def normalise(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def password_problem(password: str, *, with_mfa: bool, context: tuple[str, ...] = ()) -> str | None:
    """Why this password cannot be used (a sentence for the person), or None."""
    password = normalise(password)
    shortest = MIN_WITH_MFA if with_mfa else MIN_WITHOUT_MFA
    if len(password) < shortest:
        return f"Enter a password of at least {shortest} characters (this one has {len(password)})"
    if len(password) > MAX_LENGTH:
        return f"Enter a password of at most {MAX_LENGTH} characters"
    lowered = password.lower()
    if lowered in _common() or lowered.strip("0123456789!") in _common():
        return "This password is one of the most commonly used, so it is easy to guess: choose another"
    words = [w.lower() for w in (*context, "surveyapp", "your voice", "send survey") if len(w) >= 4]
    if any(w in lowered for w in words):
        return "Do not use your name, your e-mail address or the service's name in your password"
    if len(set(password)) < 4:
        return "This password repeats a few characters, so it is easy to guess: choose another"
    return None


def hash_password(password: str) -> str:
    return _HASHER.hash(normalise(password))


def password_matches(stored: str | None, password: str) -> bool:
    """Whether `password` is the one hashed as `stored` (never for an account without a password)."""
    if not stored:
        _HASHER.hash("a password nobody has")  # the same work either way: the answer's time tells nothing
        return False
    try:
        return _HASHER.verify(stored, normalise(password))
    except (argon2.exceptions.VerifyMismatchError, argon2.exceptions.InvalidHashError,
            argon2.exceptions.VerificationError):
        return False


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=TOTP_ISSUER)


def totp_qr(secret: str, email: str) -> str:
    """The enrolment QR code as a data: URI of an SVG (the page's CSP allows images from data: URIs)."""
    out = io.BytesIO()
    segno.make(totp_uri(secret, email), error="m").save(out, kind="svg", scale=5, border=2, title="QR code")
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode()


def totp_step(secret: str, code: str, at: float) -> int | None:
    """The time step (30 s) whose code `code` is, allowing one step either side for a slow phone; else None."""
    code = "".join(code.split())
    if not (code.isascii() and code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    step = int(at // totp.interval)
    found = None
    for offset in (-1, 0, 1):
        if hmac.compare_digest(totp.generate_otp(step + offset), code):
            found = step + offset
    return found
