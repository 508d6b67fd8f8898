"""The service's JSON errors: every refusal and fault answered as `{status_code, detail, errors}`, each error
naming the field to fix, and never a stack trace.

A 4xx says what to change (`errors[].field` and `message`) and, for a request that could have stored something,
that nothing was; a 5xx is logged with a request id (and the traceback when it is a fault), the id returned in
`X-Request-Id` and in the detail, so a report of it can be matched with the log. The app factory maps each
exception to its handler here (`surveyapp.app`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, get_args

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from surveyapp.auth.guards import SAFE_METHODS
from surveyapp.http.access import request_id_of
from surveyapp.http.logsafe import escape

if TYPE_CHECKING:
    from surveyapp.actions.levels import AnalysisError
    from surveyapp.actions.said_did import SaidDidError
    from surveyapp.domain.services import SubmissionRejected, WaveNotFound, WaveNotOpen
    from surveyapp.domain.sources import SourceError
    from surveyapp.domain.submission import SubmissionInvalid

log = logging.getLogger("surveyapp")
REQUEST_ID = "X-Request-Id"  # on every 5xx: the id its log line carries


def json_error(status: int, detail: str, errors: Sequence[Any] = ()) -> Response[dict[str, Any]]:
    body = {"status_code": status, "detail": detail,
            "errors": [{"field": e.field, "message": e.message} for e in errors]}
    return Response(body, status_code=status, headers={"Cache-Control": "no-store"})


def invalid(_: Request[Any, Any, Any], exc: SubmissionInvalid) -> Response[dict[str, Any]]:
    return json_error(400, "Some fields need fixing; nothing was stored.", exc.errors)


def rejected(_: Request[Any, Any, Any], exc: SubmissionRejected) -> Response[dict[str, Any]]:
    return json_error(409, exc.errors[0].message, exc.errors)


def wave_not_found(_: Request[Any, Any, Any], exc: WaveNotFound) -> Response[dict[str, Any]]:
    return json_error(404, f"there is no wave {exc.args[0]!r}; GET /api/v1/waves lists them")


def analysis_error(_: Request[Any, Any, Any], exc: AnalysisError) -> Response[dict[str, Any]]:
    return json_error(400, "The request cannot be answered as asked; fix the field below.",
                      [_Err(exc.field, exc.message)])


def source_error(request: Request[Any, Any, Any], exc: SourceError) -> Response[dict[str, Any]]:
    if exc.status == 404:
        return json_error(404, exc.message, [_Err(exc.field, exc.message)])
    detail = "The request cannot be answered as asked" if request.method in SAFE_METHODS else "Nothing was stored"
    return json_error(exc.status, f"{detail}; fix the field below.", [_Err(exc.field, exc.message)])


def said_did_error(request: Request[Any, Any, Any], exc: SaidDidError) -> Response[dict[str, Any]]:
    """A "You said, we did" entry not found (404), not valid (400) or edited meanwhile (409), its field named."""
    if exc.status == 404:
        return json_error(404, exc.message, [_Err(exc.field, exc.message)])
    detail = "The request cannot be answered as asked" if request.method in SAFE_METHODS else "Nothing was stored"
    return json_error(exc.status, f"{detail}; fix the field below.", [_Err(exc.field, exc.message)])


def not_open(_: Request[Any, Any, Any], exc: WaveNotOpen) -> Response[dict[str, Any]]:
    return json_error(409, exc.message)


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


def _body_fields(request: Request[Any, Any, Any]) -> list[str]:
    """The fields the matched handler's JSON body may have, in the schema's order (none when unknown)."""
    try:
        data = request.route_handler.parsed_fn_signature.parameters["data"].annotation
    except (AttributeError, KeyError):
        return []
    return [f.encode_name for f in msgspec.structs.fields(data)] if isinstance(data, type) and issubclass(
        data, msgspec.Struct) else []


def _field_error(request: Request[Any, Any, Any], error: dict[str, Any]) -> _Err:
    message = str(error.get("message", "invalid value"))
    unknown = _UNKNOWN_FIELD.search(message)
    if unknown:
        fields = _body_fields(request)
        return _Err(unknown.group(1), "unknown field; remove it" + (
            f" (the fields are {', '.join(fields[:-1])} and {fields[-1]})" if len(fields) > 1 else ""))
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


def validation(request: Request[Any, Any, Any], exc: ValidationException) -> Response[dict[str, Any]]:
    extra = exc.extra if isinstance(exc.extra, list) else []
    errors = [_field_error(request, e) for e in extra if isinstance(e, dict)]
    if not errors:
        errors = [_field_error(request, {"message": str(exc.detail) or "send a JSON object"})]
    # A read stores nothing whatever happens: say so only where something could have been stored.
    read = request.method in SAFE_METHODS
    return json_error(400, "The request is not valid; fix the fields below." if read
                  else "The request is not valid; nothing was stored.", errors)


def too_deep(request: Request[Any, Any, Any], exc: RecursionError) -> Response[dict[str, Any]]:
    if "deserializ" not in str(exc):  # not msgspec refusing a hostile body: a real fault
        return internal(request, exc)
    return json_error(400, "The request is not valid; nothing was stored.",
                  [_Err("body", "the JSON is nested too deeply; send the fields as GET /api/v1/waves/{wave_id} lists")])


def not_utf8(_: Request[Any, Any, Any], exc: UnicodeDecodeError) -> Response[dict[str, Any]]:
    # msgspec raises UnicodeDecodeError (not a DecodeError) for invalid UTF-8 inside a JSON string.
    return json_error(400, "The request is not valid; nothing was stored.", [_Err(
        "body", f"the body is not valid UTF-8 (byte {exc.start}); send the JSON encoded as UTF-8")])


def _server_error(request: Request[Any, Any, Any], status: int, detail: str, exc: BaseException,
                  headers: dict[str, str] | None = None) -> Response[dict[str, Any]]:
    """A 5xx: logged with a request id (and the traceback when it is a fault), the id returned in
    X-Request-Id and in the detail, so a report of it can be matched with the log."""
    request_id = request_id_of(request.scope)  # the access log's, so the two lines can be matched
    where = escape(f"{request.scope.get('method', '')} {request.scope.get('path', '')}")
    if status == 500:
        log.error("%d on %s, request %s", status, where, request_id, exc_info=exc)
    else:
        log.warning("%d on %s, request %s: %s", status, where, request_id, escape(detail))
    response = json_error(status, f"{detail} (request {request_id})")
    response.headers.update({**(headers or {}), REQUEST_ID: request_id})
    return response


def storage_full(request: Request[Any, Any, Any], exc: OSError) -> Response[dict[str, Any]]:
    return _server_error(request, 503, str(exc), exc, {"Retry-After": "3600"})


def store_unavailable(request: Request[Any, Any, Any], exc: RuntimeError) -> Response[dict[str, Any]]:
    return _server_error(request, 503, str(exc), exc, {"Retry-After": "60"})


def internal(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    return _server_error(request, 500, "Internal Server Error; nothing more is known here, quote the request id "
                                       "when you report it", exc)


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    if exc.status_code >= 500:
        return _server_error(request, exc.status_code, str(exc.detail), exc, exc.headers)
    errors = [_Err("body", str(exc.detail))] if exc.status_code == 400 else []
    response = json_error(exc.status_code, str(exc.detail), errors)
    response.headers.update(exc.headers or {})
    return response
