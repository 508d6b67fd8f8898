"""The CLI's one way to the data: the service's HTTP API, reached over the network or inside this process.

DuckDB lets one process hold the database file. While `surveyapp serve` holds it, `open_client` sends each
request to the service at SURVEYAPP_URL with the role's bearer token (SURVEYAPP_ADMIN_TOKEN or
SURVEYAPP_ANALYST_TOKEN). When no service holds it, `open_client` builds the same app here
(`surveyapp.app.create_app`) and runs its lifespan on Litestar's ASGI client (an event loop in a thread, no
socket): the store opens, the command's requests go to the app's handlers, and the store closes when the
command ends, as Datasette's `datasette.client` talks to its own app. Either way a command is requests to
the API and prints or writes what the API answers; every action and every file is made once, by its handler.

In process the app is given a fresh random token for each role, made for this process alone and never
written anywhere: the app that holds it listens on no socket, so no request from outside can carry it and
no header anyone can send grants a role.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal, TypeVar
from urllib.parse import quote

import httpx
import msgspec

from surveyapp.settings import Settings

if TYPE_CHECKING:
    import polars as pl
    from litestar import Litestar
    from litestar.testing import TestClient

T = TypeVar("T")
Role = Literal["admin", "analyst"]  # the roles the CLI's commands act as
IN_PROCESS = "http://surveyapp.in-process"  # the in-process app's base URL: a name, never resolved
TIMEOUT = 600  # seconds: a report or a large export takes a while


class ServiceError(RuntimeError):
    """The API refused a request or could not be reached; the message carries its reasons."""


def segment(value: str) -> str:
    """One path segment (a wave or source id) as typed, escaped so that it stays one segment."""
    return quote(value, safe="")


class Client:
    """Requests to the API with the role's token; a refusal raises ServiceError with the API's reasons."""

    def __init__(self, http: httpx.Client, tokens: Mapping[Role, str | None], *, url: str | None,
                 api_token: str | None = None) -> None:
        self.http, self.tokens = http, dict(tokens)
        self.url = url  # the running service's address; None in process
        self.api_token = api_token  # a person's own token (SURVEYAPP_API_TOKEN), sent for any role

    def request(self, method: str, path: str, role: Role | None = None, **kwargs: Any) -> httpx.Response:
        headers = {}
        if role is not None:
            token = self.api_token or self.tokens.get(role)
            if not token:
                raise ServiceError(f"the service is running; set SURVEYAPP_API_TOKEN to your own API token (made "
                                   f"at /account), or SURVEYAPP_{role.upper()}_TOKEN, to use it")
            headers["Authorization"] = f"Bearer {token}"
        try:
            response = self.http.request(method, path, headers=headers, **kwargs)
        except httpx.TransportError as exc:
            raise ServiceError(
                f"a running service holds the database, but none answered at {self.url} ({exc}); "
                f"if it listens on another address (e.g. make run PORT=9000), set SURVEYAPP_URL to it, e.g. "
                f"SURVEYAPP_URL=http://127.0.0.1:9000") from exc
        if response.status_code >= 400:
            raise ServiceError(refusal(response))
        return response

    def decode(self, type_: type[T], method: str, path: str, role: Role | None = None, **kwargs: Any) -> T:
        """The JSON answer, as the shared schema it is (surveyapp.actions.schemas)."""
        return msgspec.json.decode(self.request(method, path, role, **kwargs).content, type=type_)

    def frame(self, path: str, role: Role, params: Any) -> pl.DataFrame:
        """A table the API sends as Parquet (`format=parquet` is added), as a frame."""
        import io

        import polars as pl

        sent = self.request("GET", path, role, params=[*_pairs(params), ("format", "parquet")])
        return pl.read_parquet(io.BytesIO(sent.content))


def _pairs(params: Any) -> list[tuple[str, str]]:
    return list(params.items()) if isinstance(params, Mapping) else list(params)


def refusal(response: httpx.Response) -> str:
    """What went wrong, as the API said it: each field with its fix, else the detail."""
    try:
        body = msgspec.json.decode(response.content, type=dict[str, Any])
        errors = [f"{e['message']}" if e.get("field") in (None, "body") else f"{e['field']}: {e['message']}"
                  for e in body.get("errors", [])]
        said = "; ".join(errors) or str(body.get("detail", ""))
    except (msgspec.DecodeError, msgspec.ValidationError, KeyError, TypeError):
        said = response.text[:200]
    return said or f"the service answered {response.status_code}"


@contextmanager
def open_client(settings: Settings) -> Iterator[Client]:
    """The app in this process when the database file is free; the running service when it holds the file."""
    from surveyapp.store import held_elsewhere

    # Asked first, so that a command for the running service does not build the app for nothing; a service
    # that starts in between is found by the app's start-up all the same.
    started = None if held_elsewhere(settings.database_path) else _start_in_process(settings)
    if started is None:
        with httpx.Client(base_url=settings.url, timeout=TIMEOUT) as remote:
            yield Client(remote, {"admin": settings.admin_token, "analyst": settings.analyst_token},
                         url=settings.url, api_token=settings.api_token)
        return
    runner, tokens = started
    try:
        yield Client(runner, tokens, url=None)
    finally:
        runner.__exit__(None, None, None)  # the lifespan's shutdown: drain the writer, checkpoint, close


def _start_in_process(settings: Settings) -> tuple[TestClient[Litestar], dict[Role, str | None]] | None:
    """The app built and started here, with tokens of its own; None when another process holds the file."""
    from litestar.testing import TestClient

    from surveyapp.app import create_app
    from surveyapp.store import StoreLockedError

    tokens: dict[Role, str | None] = {"admin": secrets.token_urlsafe(32), "analyst": secrets.token_urlsafe(32)}
    own = msgspec.structs.replace(settings, admin_token=tokens["admin"], analyst_token=tokens["analyst"],
                                  role_tokens=True)  # its own tokens, in this process only
    runner: TestClient[Litestar] = TestClient(create_app(own), base_url=IN_PROCESS, timeout=TIMEOUT)
    if settings.log_level.upper() != "DEBUG":  # a terminal has no service log: its access and audit lines are noise
        for name in ("surveyapp.access", "surveyapp.audit"):
            logging.getLogger(name).setLevel(logging.WARNING)
    logger = logging.getLogger("surveyapp")
    level = logger.level
    if settings.log_level.upper() != "DEBUG":  # the service's start-up line is for its log, not a terminal
        logger.setLevel(logging.WARNING)
    try:
        runner.__enter__()  # the lifespan's start-up: the store opens (or finds the file held)
    except BaseException as exc:
        cause = _single(exc)
        if isinstance(cause, StoreLockedError):
            return None
        if cause is exc:
            raise
        raise cause from None  # one clear reason (a missing key, a bad data folder), not a task group's wrapping
    finally:
        logger.setLevel(level)
    return runner, tokens


def _single(exc: BaseException) -> BaseException:
    """The one exception inside (nested) exception groups of one each, else the exception itself."""
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    return exc
