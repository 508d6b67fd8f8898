"""The app factory: resources arrive as arguments, the lifespan opens and closes them."""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, get_args

from litestar import Litestar, Request, Response
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.types import ControllerRouterHandler

from surveyapp import __version__
from surveyapp.auth.guards import SAFE_METHODS
from surveyapp.http.csrf import CsrfFieldMiddleware
from surveyapp.http.headers import security_headers
from surveyapp.http.logsafe import escape
from surveyapp.http.mediatype import JsonBodyMiddleware
from surveyapp.http.ratelimit import ClientLimit, RateLimitMiddleware
from surveyapp.settings import Settings, check

if TYPE_CHECKING:
    from surveyapp.actions.levels import AnalysisError
    from surveyapp.domain.services import Clock, Services, SubmissionRejected, WaveNotFound, WaveNotOpen
    from surveyapp.domain.sources import SourceError
    from surveyapp.domain.submission import SubmissionInvalid
    from surveyapp.web import FormKit

log = logging.getLogger("surveyapp")
REQUEST_ID = "X-Request-Id"  # on every 5xx: the id its log line carries


def _error(status: int, detail: str, errors: Sequence[Any] = ()) -> Response[dict[str, Any]]:
    body = {"status_code": status, "detail": detail,
            "errors": [{"field": e.field, "message": e.message} for e in errors]}
    return Response(body, status_code=status, headers={"Cache-Control": "no-store"})


def _invalid(_: Request[Any, Any, Any], exc: SubmissionInvalid) -> Response[dict[str, Any]]:
    return _error(400, "Some fields need fixing; nothing was stored.", exc.errors)


def _rejected(_: Request[Any, Any, Any], exc: SubmissionRejected) -> Response[dict[str, Any]]:
    return _error(409, exc.errors[0].message, exc.errors)


def _not_found(_: Request[Any, Any, Any], exc: WaveNotFound) -> Response[dict[str, Any]]:
    return _error(404, f"there is no wave {exc.args[0]!r}; GET /api/v1/waves lists them")


def _analysis_error(_: Request[Any, Any, Any], exc: AnalysisError) -> Response[dict[str, Any]]:
    return _error(400, "The request cannot be answered as asked; fix the field below.", [_Err(exc.field, exc.message)])


def _source_error(request: Request[Any, Any, Any], exc: SourceError) -> Response[dict[str, Any]]:
    if exc.status == 404:
        return _error(404, exc.message, [_Err(exc.field, exc.message)])
    detail = "The request cannot be answered as asked" if request.method in SAFE_METHODS else "Nothing was stored"
    return _error(exc.status, f"{detail}; fix the field below.", [_Err(exc.field, exc.message)])


def _not_open(_: Request[Any, Any, Any], exc: WaveNotOpen) -> Response[dict[str, Any]]:
    return _error(409, exc.message)


class _Err:
    def __init__(self, field: str, message: str) -> None:
        self.field, self.message = field, message


_UNKNOWN_FIELD = re.compile(r"unknown field `([^`]+)`")
_MISSING_FIELD = re.compile(r"missing required field `([^`]+)`")
_MISSING_PARAMETER = re.compile(r"Missing required (\w+) parameter '([^']+)'")


def _allowed(request: Request[Any, Any, Any], key: str) -> str | None:
    """What a query or path parameter of the matched handler accepts, in words ("one of csv, json"), if known."""
    try:
        parameters = request.route_handler.parsed_fn_signature.parameters
    except (AttributeError, KeyError):  # no handler matched
        return None
    for name, definition in parameters.items():
        alias = getattr(definition.kwarg_definition, "name", None)
        if key not in (name, alias):
            continue
        inner = [d for d in (definition, *definition.inner_types) if d.annotation is not type(None)]
        literal = next((d for d in inner if d.is_literal), None)
        if literal is not None:
            return "use one of " + ", ".join(str(v) for v in get_args(literal.annotation))
        if any(d.annotation is bool for d in inner):
            return "use true or false"
        if any(d.annotation is int for d in inner):
            return "use a whole number"
    return None


def _field_error(request: Request[Any, Any, Any], error: dict[str, Any]) -> _Err:
    message = str(error.get("message", "invalid value"))
    unknown = _UNKNOWN_FIELD.search(message)
    if unknown:
        return _Err(unknown.group(1), "unknown field; remove it (the fields are answers, postcode, "
                                      "return_code, submission_id, language, channel and source)")
    missing = _MISSING_FIELD.search(message)
    if missing:
        return _Err(missing.group(1), f"required; add `{missing.group(1)}`")
    parameter = _MISSING_PARAMETER.search(message)
    if parameter:
        kind, name = parameter.groups()
        how = _allowed(request, name)
        return _Err(name, f"required {kind} parameter; add {'?' if kind == 'query' else ''}{name}=..."
                          + (f" ({how})" if how else ""))
    key = str(error.get("key") or "body")
    if key != "data" and error.get("source") in ("query", "path"):
        how = _allowed(request, key)
        value = request.query_params.get(key) if error.get("source") == "query" else None
        shown = f"{value!r} is not valid" if value is not None else message
        return _Err(key, f"{shown}; {how}" if how else message)
    return _Err("body" if key == "data" else key, message)


def _validation(request: Request[Any, Any, Any], exc: ValidationException) -> Response[dict[str, Any]]:
    extra = exc.extra if isinstance(exc.extra, list) else []
    errors = [_field_error(request, e) for e in extra if isinstance(e, dict)]
    if not errors:
        errors = [_field_error(request, {"message": str(exc.detail) or "send a JSON object"})]
    # A read stores nothing whatever happens: say so only where something could have been stored.
    read = request.method in SAFE_METHODS
    return _error(400, "The request is not valid; fix the fields below." if read
                  else "The request is not valid; nothing was stored.", errors)


def _too_deep(request: Request[Any, Any, Any], exc: RecursionError) -> Response[dict[str, Any]]:
    if "deserializ" not in str(exc):  # not msgspec refusing a hostile body: a real fault
        return _internal(request, exc)
    return _error(400, "The request is not valid; nothing was stored.",
                  [_Err("body", "the JSON is nested too deeply; send the fields as GET /api/v1/waves/{wave_id} lists")])


def _not_utf8(_: Request[Any, Any, Any], exc: UnicodeDecodeError) -> Response[dict[str, Any]]:
    # msgspec raises UnicodeDecodeError (not a DecodeError) for invalid UTF-8 inside a JSON string.
    return _error(400, "The request is not valid; nothing was stored.", [_Err(
        "body", f"the body is not valid UTF-8 (byte {exc.start}); send the JSON encoded as UTF-8")])


def _server_error(request: Request[Any, Any, Any], status: int, detail: str, exc: BaseException,
                  headers: dict[str, str] | None = None) -> Response[dict[str, Any]]:
    """A 5xx: logged with a request id (and the traceback when it is a fault), the id returned in
    X-Request-Id and in the detail, so a report of it can be matched with the log."""
    request_id = secrets.token_hex(8)
    where = escape(f"{request.scope.get('method', '')} {request.scope.get('path', '')}")
    if status == 500:
        log.error("%d on %s, request %s", status, where, request_id, exc_info=exc)
    else:
        log.warning("%d on %s, request %s: %s", status, where, request_id, escape(detail))
    response = _error(status, f"{detail} (request {request_id})")
    response.headers.update({**(headers or {}), REQUEST_ID: request_id})
    return response


def _storage_full(request: Request[Any, Any, Any], exc: OSError) -> Response[dict[str, Any]]:
    return _server_error(request, 503, str(exc), exc, {"Retry-After": "3600"})


def _store_unavailable(request: Request[Any, Any, Any], exc: RuntimeError) -> Response[dict[str, Any]]:
    return _server_error(request, 503, str(exc), exc, {"Retry-After": "60"})


def _internal(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    return _server_error(request, 500, "Internal Server Error; nothing more is known here, quote the request id "
                                       "when you report it", exc)


def _http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    if exc.status_code >= 500:
        return _server_error(request, exc.status_code, str(exc.detail), exc, exc.headers)
    errors = [_Err("body", str(exc.detail))] if exc.status_code == 400 else []
    response = _error(exc.status_code, str(exc.detail), errors)
    response.headers.update(exc.headers or {})
    return response


class Running:
    """What the lifespan opens, handed to handlers through `Provide`: available from start-up to shutdown."""

    def __init__(self) -> None:
        self._services: Services | None = None
        self._form_kit: FormKit | None = None

    def start(self, services: Services, form_kit: FormKit) -> None:
        self._services, self._form_kit = services, form_kit

    def stop(self) -> Services | None:
        services, self._services, self._form_kit = self._services, None, None
        return services

    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("the service has not started (or has shut down)")
        return self._services

    def form_kit(self) -> FormKit:
        if self._form_kit is None:
            raise RuntimeError("the service has not started (or has shut down)")
        return self._form_kit


def create_app(settings: Settings, *, clock: Clock | None = None,
               extra_handlers: Sequence[ControllerRouterHandler] = ()) -> Litestar:
    """Build the service for these settings; the store opens on start-up and closes on shutdown.

    The API's modules, the store and the analytics load here rather than when this module is imported, so
    `surveyapp --help` and the CLI's HTTP path start quickly.
    """
    from surveyapp.actions.levels import AnalysisError
    from surveyapp.api.admin import admin_router
    from surveyapp.api.analyst import analyst_router
    from surveyapp.api.error_responses import document_errors
    from surveyapp.api.public import public_router
    from surveyapp.api.sources import sources_router
    from surveyapp.api.tracker import tracker_router
    from surveyapp.auth.guards import Refused, SignInRequired, role_tokens, wants_page
    from surveyapp.auth.identity import TokenProvider
    from surveyapp.auth.sessions import STATE_KEY, Sessions, load_session_key
    from surveyapp.auth.signin import SignInKit, make_sign_in_kit, refused_page, sign_in_handlers, sign_in_redirect
    from surveyapp.domain.channels import staff_scope
    from surveyapp.domain.services import Services, SubmissionRejected, WaveNotFound, WaveNotOpen, utc_now
    from surveyapp.domain.sources import SourceError
    from surveyapp.domain.submission import SubmissionInvalid
    from surveyapp.render.demo import mark_pages
    from surveyapp.store import StorageFull, StoreUnavailable
    from surveyapp.store.drafts import Drafts
    from surveyapp.web import FormKit, make_form_kit, staff_router, web_handlers

    check(settings)  # settings built in code, not from the environment, are held to the same rules
    running = Running()
    # One limiter for submissions (the middleware) and the form's new drafts (the form kit).
    limit = ClientLimit.from_settings(per_minute=settings.rate_limit_per_minute, per_hour=settings.rate_limit_per_hour,
                                      trusted_header=settings.trusted_proxy_header,
                                      trusted_hops=settings.trusted_proxy_hops, exempt=staff_scope(settings))
    # Browser sessions: who signs in is the provider's business (role tokens today; OpenID Connect later).
    now = clock or utc_now
    provider = TokenProvider(role_tokens(settings))
    sessions = Sessions(provider, lambda: now().timestamp(), hours=settings.session_hours)
    sign_in_kit = make_sign_in_kit(settings, sessions, provider)

    def refused(request: Request[Any, Any, Any], exc: Refused) -> Response[Any]:
        return refused_page(request, exc) if wants_page(request) else _http(request, exc)

    def sign_in_first(request: Request[Any, Any, Any], exc: SignInRequired) -> Response[Any]:
        return sign_in_redirect(request, exc, sign_in_kit)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        services = Services(settings, now)
        form_kit = make_form_kit(settings, limit)
        sessions.start(load_session_key(settings.data_dir))  # after Services' checks of the data directory
        Drafts(services.store).purge(services.clock()).result()  # drafts that expired while stopped
        running.start(services, form_kit)
        # Handlers get these through Provide; the state holds them only for tests that look inside.
        app.state.services, app.state.form_kit = services, form_kit
        log.info("serving %d waves from %s", len(services.waves.all()), settings.database_path)
        try:
            yield
        finally:
            stopped = running.stop()
            if stopped is not None:
                stopped.close()

    app = Litestar(
        route_handlers=[public_router(), analyst_router(settings), tracker_router(settings), admin_router(settings),
                        sources_router(settings), *web_handlers(), staff_router(settings), *sign_in_handlers(settings),
                        *extra_handlers],
        dependencies={"services": Provide(running.services, sync_to_thread=False),
                      "form_kit": Provide(running.form_kit, sync_to_thread=False),
                      "sign_in_kit": Provide(lambda: sign_in_kit, sync_to_thread=False)},
        signature_namespace={"Services": Services, "FormKit": FormKit, "SignInKit": SignInKit},
        state=State({STATE_KEY: sessions}),  # guards find the sessions here (require() is made before the app)
        exception_handlers={
            SignInRequired: sign_in_first, Refused: refused,
            SubmissionInvalid: _invalid, SubmissionRejected: _rejected, WaveNotFound: _not_found,
            WaveNotOpen: _not_open, SourceError: _source_error, AnalysisError: _analysis_error,
            ValidationException: _validation,
            HTTPException: _http, RecursionError: _too_deep, UnicodeDecodeError: _not_utf8, StorageFull: _storage_full,
            StoreUnavailable: _store_unavailable, Exception: _internal},
        lifespan=[lifespan],
        middleware=[RateLimitMiddleware.factory(limit), JsonBodyMiddleware,
                    CsrfFieldMiddleware.factory(settings.max_body_bytes)],
        before_send=[security_headers(behind_tls=settings.behind_tls)],
        after_request=mark_pages if settings.demo else None,  # "demo data" on every page (`make demo`)
        request_max_body_size=settings.max_body_bytes,
        openapi_config=OpenAPIConfig(
            title="surveyapp", version=__version__, path="/schema", render_plugins=[JsonRenderPlugin()],
            description="Repeated survey waves: collect responses, compare with the baseline, export.",
            components=Components(security_schemes={"bearer": SecurityScheme(type="http", scheme="bearer")})),
        logging_config=None,
    )
    document_errors(app.openapi_schema)
    return app
