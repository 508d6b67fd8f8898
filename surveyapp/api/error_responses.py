"""Every error the API can answer, written into its OpenAPI schema.

Handlers document the errors of their own logic; this adds those that whole kinds of operation share (a
guard's 401 and 403, an unknown wave's 404, a body over the size limit's 413, a body not labelled JSON's
415, too many submissions' 429)
and closes the input objects that msgspec decodes with `forbid_unknown_fields`, so that the schema says
what the service does and a client generated from it is never surprised.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec
from litestar._openapi.plugin import OpenAPIPlugin
from litestar.openapi.spec import (
    OpenAPI,
    OpenAPIFormat,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Reference,
    Schema,
)

from surveyapp.actions import account_schemas, schemas, schemas_comments, schemas_quotes
from surveyapp.render.exports import FORMATS

if TYPE_CHECKING:
    from litestar import Litestar

_METHODS = ("get", "put", "post", "delete", "patch")


def _error(description: str, headers: dict[str, OpenAPIHeader | Reference] | None = None) -> OpenAPIResponse:
    return OpenAPIResponse(description=description, headers=headers, content={
        "application/json": OpenAPIMediaType(schema=Reference(ref="#/components/schemas/ErrorOut"))})


_RETRY_AFTER: dict[str, OpenAPIHeader | Reference] = {"Retry-After": OpenAPIHeader(
    description="Seconds to wait before sending again", schema=Schema(type=OpenAPIType.INTEGER))}
_SHARED = {
    "401": _error("No bearer token, or not a valid one"),
    "403": _error("A valid token of another role"),
    "404": _error("No such wave"),
    "413": _error("The body is larger than SURVEYAPP_MAX_BODY_BYTES; nothing was read or stored"),
    "415": _error("The body is not labelled `Content-Type: application/json`; nothing was stored"),
    "429": _error("Too many submissions from this client in the last minute; nothing was stored",
                  headers=_RETRY_AFTER),
    "409": _error("The wave cannot change to that state"),
}


def _shared_errors(path: str, method: str, operation: Operation) -> list[str]:
    codes = []
    if operation.security:
        codes += ["401", "403"]
    if "{wave_id}" in path:
        codes.append("404")
    if operation.request_body is not None:
        codes += ["413", "415"]
    if method == "post" and path.endswith("/responses"):
        codes.append("429")
    if method == "post" and path.endswith(("/open", "/close")):
        codes.append("409")
    return codes


_EXPORT_TYPES = [media for media, _ in FORMATS.values()]
_DICTIONARY_TYPES = ["application/json", FORMATS["csv"][0], FORMATS["xlsx"][0]]
# Operations that answer files: each media type they send, so that a client knows what may come back.
_FILES = {"/api/v1/export": _EXPORT_TYPES, "/api/v1/waves/{wave_id}/export": _EXPORT_TYPES,
          "/api/v1/export/dictionary": _DICTIONARY_TYPES, "/api/v1/waves/{wave_id}/dictionary": _DICTIONARY_TYPES,
          "/api/v1/export/baseline": [FORMATS[f][0] for f in ("csv", "parquet", "xlsx")]}


def _document_files(path: str, responses: dict[str, OpenAPIResponse | Reference]) -> None:
    ok = responses.get("200")
    if path in _FILES and isinstance(ok, OpenAPIResponse):
        rows = Schema(type=OpenAPIType.ARRAY, items=Schema(type=OpenAPIType.OBJECT))  # the dictionary as JSON
        ok.content = {media: OpenAPIMediaType(schema=rows if media == "application/json" else Schema(
            type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)) for media in _FILES[path]}


def _closed_inputs() -> list[str]:
    modules = (schemas, account_schemas, schemas_comments, schemas_quotes)
    return [name for module in modules for name, value in vars(module).items()
            if isinstance(value, type) and issubclass(value, msgspec.Struct) and value.__module__ == module.__name__
            and value.__struct_config__.forbid_unknown_fields]


def document_errors(openapi: OpenAPI) -> OpenAPI:
    """Add the shared error responses to every operation and close the strict input objects."""
    for path, item in (openapi.paths or {}).items():
        for method in _METHODS:
            operation = getattr(item, method, None)
            if operation is None:
                continue
            responses = operation.responses if operation.responses is not None else {}
            for code in _shared_errors(path, method, operation):
                responses.setdefault(code, _SHARED[code])
            _document_files(path, responses)
            operation.responses = responses
    components = openapi.components.schemas if openapi.components and openapi.components.schemas else {}
    for name in _closed_inputs():
        schema = components.get(name)
        if isinstance(schema, Schema):
            schema.additional_properties = False
    wave_in = components.get("WaveIn")
    title = wave_in.properties.get("title") if isinstance(wave_in, Schema) and wave_in.properties else None
    if isinstance(title, Schema):
        title.required = ["en"]
    return openapi


class DocumentedOpenAPIPlugin(OpenAPIPlugin):
    """Litestar's OpenAPI plugin, with the shared errors written into every document it builds (document_errors).

    The document is built when first asked for (`GET /schema/openapi.json`, `app.openapi_schema`), not with the
    app: building it is a fifth of what starting an app costs, and most apps started in process (the CLI's, the
    tests') never serve it; `surveyapp serve` asks for it at start, as before.
    """

    __slots__ = ()

    @classmethod
    def install(cls, app: Litestar) -> None:
        """Make the app's own plugin (Litestar makes it, with the app) build its document this way."""
        plugin = app.plugins.get(OpenAPIPlugin)
        plugin.__class__ = cls  # no slots of its own, so the same layout: only how the document is built changes

    def _build_openapi(self) -> OpenAPI:
        return document_errors(super()._build_openapi())
