"""The app factory: `build_app` makes the routes, `bind` gives them a run's settings, the lifespan opens and
closes the store.

Handlers reach every per-process resource one way: a Litestar dependency (`Provide`) of the same name, read from
the app's state, where `bind` puts what it makes (the settings, the sign-in kit, the sessions, the rate limiter,
the metrics) and the lifespan what it opens (the services, the form's kit, the drafts). Who a request is from is
the authentication middleware's (`request.user`), and each exception is answered by one handler
(`surveyapp.http.errors`, and the form's refusals by `surveyapp.web.refusals.refusal_page`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from litestar import Litestar, Router
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import HTTPException, ValidationException
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.types import ASGIApp, ControllerRouterHandler, ExceptionHandlersMap

from surveyapp import __version__
from surveyapp.http import errors
from surveyapp.http.access import AccessLog, Recorder, timed
from surveyapp.http.csrf import CsrfFieldMiddleware
from surveyapp.http.headers import security_headers
from surveyapp.http.mediatype import JsonBodyMiddleware
from surveyapp.http.ratelimit import ClientLimit, RateLimitMiddleware
from surveyapp.settings import Settings, check

if TYPE_CHECKING:
    from concurrent.futures import Future

    from surveyapp.domain.services import Clock
    from surveyapp.store.audit import Appended, Entry

log = logging.getLogger("surveyapp")
RESOURCES = ("settings", "sign_in_kit", "services", "form_kit", "drafts", "findings")  # each a dependency of that name


def _resource(state: State, name: str) -> Provide:
    """The dependency `name`, read from the app's state (Litestar keeps the State object it is given as
    `app.state`). It takes no `state` parameter: Litestar would build a State for it on every request."""

    def provide() -> Any:
        found = state.get(name)
        if found is None:
            raise RuntimeError(f"the service has not started: it has no {name} yet")
        return found

    return Provide(provide, sync_to_thread=False)


def _lifespan(state: State) -> Callable[[Litestar], AbstractAsyncContextManager[None]]:
    """Start-up opens the store (Services), the form's kit and the session key, for the settings and clock bound
    to the app (`bind`); shutdown closes the store."""
    from surveyapp.auth.sessions import load_session_key
    from surveyapp.domain.services import Services
    from surveyapp.store.drafts import Drafts
    from surveyapp.web import make_form_kit

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        settings: Settings = state["settings"]
        services = Services(settings, state["clock"])
        form_kit = make_form_kit(settings, state["limit"])
        state["sessions"].start(load_session_key(settings.data_dir))  # after Services' checks of the data folder
        drafts = Drafts(services.store)
        drafts.purge(services.clock()).result()  # drafts that expired while stopped
        services.store.writer.on_commit = state["metrics"].observe_commit  # group commits' size and time
        state.update(services=services, form_kit=form_kit, drafts=drafts, running=True)
        state["findings"].services = services
        log.info("serving %d waves from %s", len(services.waves.all()), settings.database_path)
        try:
            yield
        finally:
            state["running"] = False
            services.close()

    return lifespan


def _audit_recorder(state: State) -> Recorder:
    """Rows of the audit log go to the running service's store, at its clock's time."""
    from surveyapp.store import audit

    def record(entry: Entry) -> Future[Appended] | None:
        services = state.get("services")
        return None if services is None else audit.append(services.store, timed(entry, services.clock()))

    return record


def _exception_handlers() -> ExceptionHandlersMap:
    """Each exception's one handler (the most specific class wins)."""
    from surveyapp.actions.levels import AnalysisError
    from surveyapp.actions.said_did import SaidDidError
    from surveyapp.api.accounts import account_error
    from surveyapp.auth.accounts import AccountError
    from surveyapp.auth.guards import Refused, SignInRequired
    from surveyapp.auth.signin import refused_page, sign_in_redirect
    from surveyapp.comments.errors import CommentsError
    from surveyapp.domain.services import SubmissionRejected, WaveNotFound, WaveNotOpen
    from surveyapp.domain.sources import SourceError
    from surveyapp.domain.submission import SubmissionInvalid
    from surveyapp.store import StorageFull, StoreUnavailable
    from surveyapp.web import FormRefused, refusal_page

    return {SignInRequired: sign_in_redirect, Refused: refused_page,
            FormRefused: refusal_page, SubmissionInvalid: errors.invalid, SubmissionRejected: errors.rejected,
            WaveNotFound: errors.wave_not_found, WaveNotOpen: errors.not_open, SourceError: errors.source_error,
            SaidDidError: errors.said_did_error, AccountError: account_error,
            CommentsError: errors.said_did_error,
            AnalysisError: errors.analysis_error, ValidationException: errors.validation,
            HTTPException: errors.http_error, RecursionError: errors.too_deep, UnicodeDecodeError: errors.not_utf8,
            StorageFull: errors.storage_full, StoreUnavailable: errors.store_unavailable, Exception: errors.internal}


def _openapi() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="surveyapp", version=__version__, path="/schema", render_plugins=[JsonRenderPlugin()],
        description="Repeated survey waves: collect responses, compare with the baseline, export.",
        components=Components(security_schemes={"bearer": SecurityScheme(type="http", scheme="bearer")}))


def _route_handlers() -> list[ControllerRouterHandler]:
    """Every route of the service: the API's routers, the families' pages and findings, staff pages, sign-in and
    metrics."""
    from surveyapp.api.accounts import accounts_routers
    from surveyapp.api.admin import admin_router
    from surveyapp.api.analyst import analyst_router
    from surveyapp.api.audit import audit_router
    from surveyapp.api.boardpack import boardpack_router
    from surveyapp.api.comments import comments_router
    from surveyapp.api.metrics import metrics
    from surveyapp.api.public import public_router
    from surveyapp.api.quotes import quotes_router
    from surveyapp.api.releases import releases_router
    from surveyapp.api.said_did import said_did_router
    from surveyapp.api.sources import sources_router
    from surveyapp.api.themes import themes_router
    from surveyapp.api.tracker import tracker_router
    from surveyapp.auth.routes import auth_handlers
    from surveyapp.comments.pages import comments_pages
    from surveyapp.console import console_handlers
    from surveyapp.findings.routes import findings_handlers
    from surveyapp.web import staff_router, web_handlers

    # The pages' handlers go in a router of their own: an app copies a router it is given, handlers and all, but
    # uses a bare handler as it is, and Litestar keeps a handler's response hooks (the demo mark among them) on it
    # once it has answered, so every app the process makes after the first would answer with the first's.
    pages = Router(path="/", route_handlers=[*comments_pages(), *web_handlers(), *findings_handlers(),
                                             *console_handlers(), *auth_handlers(), metrics])
    return [public_router(), analyst_router(), tracker_router(), admin_router(), sources_router(), releases_router(),
            boardpack_router(), audit_router(), said_did_router(), comments_router(), themes_router(),
            quotes_router(), staff_router(), *accounts_routers(), pages]


@dataclass(frozen=True)
class Shape:
    """The settings the built routes depend on (Litestar's own configuration); every other setting is bound."""

    max_body_bytes: int
    behind_tls: bool
    demo: bool

    @classmethod
    def of(cls, settings: Settings) -> Shape:
        return cls(settings.max_body_bytes, settings.behind_tls, settings.demo)


@dataclass(frozen=True)
class _Built:
    """What `build_app` keeps in the app's state for `bind`: the shape, and the routed app before the outer
    middleware (`_finish`) that each binding wraps anew."""

    shape: Shape
    routed: ASGIApp


def create_app(settings: Settings, *, clock: Clock | None = None,
               extra_handlers: Sequence[ControllerRouterHandler] = ()) -> Litestar:
    """Build the service for these settings; the store opens on start-up and closes on shutdown.

    The API's modules, the store and the analytics load here rather than when this module is imported, so
    `surveyapp --help` and the CLI's HTTP path start quickly.
    """
    app = build_app(Shape.of(settings), extra_handlers)
    bind(app, settings, clock=clock)
    return app


def build_app(shape: Shape, extra_handlers: Sequence[ControllerRouterHandler] = ()) -> Litestar:
    """The routes, middleware and error handlers: what Litestar builds (most of what making the app costs).
    It serves nothing until `bind` gives it settings and a clock.

    Everything a run of the service holds (the settings, the sessions, the rate limiter, the metrics, and what the
    lifespan opens) is in `app.state`, read from there for each request, so one built app can be bound again,
    stopped, to other settings of the same shape: the tests start about three hundred services on a few.
    """
    from surveyapp.api.error_responses import DocumentedOpenAPIPlugin
    from surveyapp.auth.middleware import AuthenticationMiddleware
    from surveyapp.http.signatures import keep_parsed_signatures
    from surveyapp.render.demo import mark_pages

    keep_parsed_signatures()  # the handlers' signatures parsed once per process, not for every app
    state = State({"running": False})  # not empty: Litestar would make its own for an empty one
    app = Litestar(
        route_handlers=[*_route_handlers(), *extra_handlers],
        dependencies={name: _resource(state, name) for name in RESOURCES},
        state=state,
        exception_handlers=_exception_handlers(),
        lifespan=[_lifespan(state)],
        # Who the request is from comes first: the rate limiter exempts staff, the guards check the role.
        middleware=[DefineMiddleware(AuthenticationMiddleware),
                    RateLimitMiddleware.factory(lambda: state.get("limit")),
                    JsonBodyMiddleware.factory(shape.max_body_bytes),
                    CsrfFieldMiddleware.factory(shape.max_body_bytes)],
        before_send=[security_headers(behind_tls=shape.behind_tls)],
        after_request=mark_pages if shape.demo else None,  # "demo data" on every page (`make demo`)
        request_max_body_size=shape.max_body_bytes,
        openapi_config=_openapi(),
        logging_config=None,
    )
    DocumentedOpenAPIPlugin.install(app)  # the error answers in the OpenAPI schema, whenever it is built
    state["built"] = _Built(shape, app.asgi_handler)
    return app


def bind(app: Litestar, settings: Settings, *, clock: Clock | None = None) -> None:
    """Give a built app (not running) the settings and clock of one run: a fresh session store, rate limiter,
    sign-in kit, metrics and findings kit, as a newly made app has."""
    from surveyapp.api.metrics import install
    from surveyapp.auth.guards import role_tokens
    from surveyapp.auth.identity import TokenProvider
    from surveyapp.auth.sessions import Sessions
    from surveyapp.auth.signin import make_sign_in_kit
    from surveyapp.domain.channels import staff_scope
    from surveyapp.domain.services import utc_now
    from surveyapp.findings.kit import FindingsKit

    state = app.state
    built: _Built = state["built"]
    if Shape.of(settings) != built.shape:
        raise ValueError(f"these settings need an app built for {Shape.of(settings)}, not {built.shape}")
    if state.get("running"):
        raise RuntimeError("the app is running: stop it before binding it to other settings")
    check(settings)  # settings built in code, not from the environment, are held to the same rules
    # One limiter for submissions (the middleware) and the form's new drafts (the form kit); staff are exempt.
    limit = ClientLimit.from_settings(per_minute=settings.rate_limit_per_minute, per_hour=settings.rate_limit_per_hour,
                                      trusted_header=settings.trusted_proxy_header,
                                      trusted_hops=settings.trusted_proxy_hops, exempt=staff_scope)
    # Browser sessions: who signs in is the provider's business (role tokens, or named accounts and OpenID).
    now = clock or utc_now
    provider = TokenProvider(role_tokens(settings) if settings.role_tokens else {})  # off: named accounts only
    sessions = Sessions(provider, lambda: now().timestamp(), hours=settings.session_hours)
    state.clear()
    state.update(built=built, settings=settings, clock=now, limit=limit, provider=provider, sessions=sessions,
                 sign_in_kit=make_sign_in_kit(settings, sessions, provider), findings=FindingsKit())
    state["metrics"] = install(state)  # Prometheus' registry for this run (GET /metrics)
    _finish(app, built.routed, state)


def _finish(app: Litestar, routed: ASGIApp, state: State) -> None:
    """A request id for every request, the access log and the request metrics (surveyapp.http.access);
    outermost, published findings pages answered from memory before all of it (surveyapp.findings.frozen),
    counted in the metrics."""
    from surveyapp.findings.frozen import FrozenPages

    logged = AccessLog(routed, state["metrics"], _audit_recorder(state))
    app.asgi_handler = FrozenPages(logged, lambda: state["findings"].frozen, state["metrics"])
