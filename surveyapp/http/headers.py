"""Security headers on every response."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Awaitable, Callable, Iterable

from litestar.types import Message, Scope

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")


def style_source(css: str) -> str:
    """The CSP source allowing exactly this <style> element's text: 'sha256-<base64 of its SHA-256>'."""
    return f"'sha256-{base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()}'"


def csp_allowing_styles(styles: Iterable[str], *, stylesheets: bool = True) -> str:
    """The house CSP, with style-src also allowing these <style> elements by their hashes (never
    'unsafe-inline'); `stylesheets=False` allows no stylesheet file at all, only these elements."""
    sources = (["'self'"] if stylesheets else []) + [style_source(css) for css in styles]
    return CSP.replace("style-src 'self'", "style-src " + (" ".join(sources) or "'none'"))


_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)


def csp_for_page(page: str) -> str:
    """The house CSP, plus the hashes of the page's own <style> blocks (no 'unsafe-inline'): for a whole page
    rendered at once (the board report, the tracker, a poster)."""
    return csp_allowing_styles(_STYLE.findall(page))


_BASE = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
]
_HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


def security_headers(*, behind_tls: bool) -> Callable[[Message, Scope], Awaitable[None]]:
    """A before-send hook adding CSP (no inline script; inline style only by its hash, where a response sets its
    own policy), nosniff, Referrer-Policy, frame denial and,
    behind TLS, HSTS to every HTTP response.

    A hook rather than a middleware: Litestar runs middleware only inside a matched route, so a 404 or 405
    from the router would go out without them.
    """
    headers = [*_BASE, _HSTS] if behind_tls else list(_BASE)

    async def add_headers(message: Message, scope: Scope) -> None:
        if message["type"] == "http.response.start":
            present = {name.lower() for name, _ in message.get("headers", [])}
            message["headers"] = [*message.get("headers", []), *(h for h in headers if h[0] not in present)]

    return add_headers
