"""The ASGI application. `create_app(ctx)` wires routers, guards and problem handlers; `openapi_document(app)` is
the OpenAPI 3.1 document committed at docs/api/openapi.yaml (a test fails when they differ)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from relayer.api import problems
from relayer.api.auth import SCOPES
from relayer.api.context import ApiContext
from relayer.api.guards import Guards
from relayer.api.problems import PROBLEM_MEDIA_TYPE, Problem
from relayer.api.routes_corporate import router as corporate_router
from relayer.api.routes_operator import router as operator_router
from relayer.api.routes_public import router as public_router
from relayer.api.routes_travel_rule import router as travel_rule_router
from relayer.api.stream import router as stream_router
from relayer.api.telemetry import Telemetry, ops_router
from relayer.kyc.sumsub import ApplicantEvent
from relayer.kyc.webhook import router as webhook_router
from relayer.observability import ApiMetrics
from relayer.tracing import Tracing

API_VERSION = "1.0.0"
DESCRIPTION = """\
The RAT relayer's service API. Public reads need no token; `/v1/operator/*` needs an OAuth 2.1
client-credentials bearer JWT (RFC 9068) with the scope each operation lists. Every error is an RFC 9457
`application/problem+json` body. Every answer carries `RateLimit` and `RateLimit-Policy` header fields; a 429
adds `Retry-After`.

Request status changes are pushed over the WebSocket `/v1/stream` and published on NATS JetStream; both are
described in the AsyncAPI document (docs/api/asyncapi.yaml)."""

OPERATOR_SCOPES = {
    "/v1/operator/assets/{asset}/pause": "operator:assets",
    "/v1/operator/assets/{asset}/resume": "operator:assets",
    "/v1/operator/requests/{request_id}/retry": "operator:sagas",
    "/v1/operator/requests/{request_id}/reject": "operator:sagas",
    "/v1/operator/webhooks/sumsub/rotate-secret": "operator:secrets",
    "/v1/operator/audit": "audit:read",
    "/v1/operator/travel-rule/transfers": "operator:travel-rule",
    "/v1/operator/travel-rule/transfers/{transfer_id}": "operator:travel-rule",
    "/v1/operator/travel-rule/transfers/{transfer_id}/confirm": "operator:travel-rule",
    "/v1/operator/travel-rule/transfers/{transfer_id}/cancel": "operator:travel-rule",
    "/v1/operator/travel-rule/addresses/{wallet}": "operator:travel-rule",
}


def create_app(ctx: ApiContext | None = None, metrics: ApiMetrics | None = None,
               tracing: Tracing | None = None) -> FastAPI:
    """The API. `metrics` and `tracing` default to a fresh registry and a non-exporting tracer (tests pass their
    own to read them)."""
    app = FastAPI(title="RAT relayer API", version=API_VERSION, description=DESCRIPTION, docs_url=None,
                  redoc_url=None, openapi_url="/v1/openapi.json")
    app.state.ctx = ctx
    app.state.metrics = metrics or ApiMetrics()
    problems.install(app)
    app.include_router(public_router)
    app.include_router(corporate_router)
    app.include_router(operator_router)
    app.include_router(travel_rule_router)
    app.include_router(webhook_router)
    app.include_router(stream_router)
    app.include_router(ops_router)
    if ctx is not None:
        app.add_middleware(Guards, ctx=ctx)
    # Added last, so outermost: it times, traces and logs every request, including those the guards refuse.
    app.add_middleware(Telemetry, metrics=app.state.metrics, tracing=tracing or Tracing("rat-api"))
    app.openapi = lambda: openapi_document(app)  # type: ignore[method-assign]
    return app


def _header(description: str) -> dict[str, Any]:
    return {"description": description, "schema": {"type": "string"}}


def openapi_document(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    from fastapi.openapi.utils import get_openapi

    doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    schemas["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas["ApplicantEvent"] = _inline(ApplicantEvent.model_json_schema(ref_template="#/components/schemas/{model}"),
                                        schemas)
    doc["components"]["securitySchemes"] = {"operatorToken": {
        "type": "oauth2", "description": "client-credentials access token (JWT, RFC 9068) from the operator "
                                         "authorization server configured in api.auth",
        "flows": {"clientCredentials": {"tokenUrl": "https://authorization-server.invalid/oauth2/token",
                                        "scopes": SCOPES}}}}
    rate_headers = {"RateLimit": _header("remaining quota: \"policy\";r=<remaining>;t=<seconds to reset>"),
                    "RateLimit-Policy": _header("quota policy: \"policy\";q=<quota>;w=<window seconds>")}
    for path, operations in doc.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            codes = {"400", "422", "429"}
            if method in ("post", "put", "patch"):
                codes |= {"413", "415"}
            if "{" in path:
                codes.add("404")
            for code in codes:
                responses.setdefault(code, {})
            for code, response in responses.items():
                response["headers"] = dict(rate_headers)
                if int(code) >= 400:
                    title = problems._BY_STATUS.get(int(code), ("", "Error"))[1]
                    response["description"] = response.get("description") or title
                    if response["description"] in ("Successful Response", "Additional Response"):
                        response["description"] = title
                    response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
                if code == "429":
                    response["headers"]["Retry-After"] = {"description": "seconds until the quota resets",
                                                          "schema": {"type": "string", "pattern": "^[0-9]+$"}}
                if code in ("401", "403"):
                    response["headers"]["WWW-Authenticate"] = _header("RFC 6750 bearer challenge")
            operation["responses"] = dict(sorted(responses.items()))
            if path in OPERATOR_SCOPES:
                operation["security"] = [{"operatorToken": [OPERATOR_SCOPES[path]]}]
    app.openapi_schema = doc
    return doc


def _inline(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    for name, definition in schema.pop("$defs", {}).items():
        components.setdefault(name, definition)
    return schema
