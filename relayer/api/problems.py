"""RFC 9457 problem details: every error the API answers is `application/problem+json` with a stable `type`."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:rat:problem:"

_BY_STATUS = {
    400: ("bad-request", "Bad request"),
    401: ("unauthorized", "Authentication required"),
    403: ("forbidden", "Not allowed"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    409: ("conflict", "Conflict"),
    410: ("gone", "Gone"),
    413: ("body-too-large", "Request body too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("invalid-request", "Request failed validation"),
    429: ("rate-limited", "Too many requests"),
    500: ("internal", "Internal error"),
    503: ("unavailable", "Service unavailable"),
}


class Problem(BaseModel):
    """An RFC 9457 problem details object."""

    type: str = Field(description="URI identifying the problem type (urn:rat:problem:<slug>)")
    title: str
    status: int = Field(ge=400, le=599)
    detail: str | None = None
    instance: str | None = Field(default=None, description="the request path")
    errors: list[dict[str, Any]] | None = Field(default=None, description="field errors, for validation problems")


class ProblemError(Exception):
    """Raise to answer with a problem; `slug` names the type (urn:rat:problem:<slug>). `extensions` are RFC 9457
    extension members added to the document (e.g. `oldest_cursor` of `cursor-expired`)."""

    def __init__(self, status: int, detail: str, slug: str | None = None, title: str | None = None,
                 headers: dict[str, str] | None = None, errors: list[dict[str, Any]] | None = None,
                 extensions: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        default_slug, default_title = _BY_STATUS.get(status, ("error", "Error"))
        self.status, self.detail = status, detail
        self.slug, self.title = slug or default_slug, title or default_title
        self.headers, self.errors, self.extensions = headers or {}, errors, extensions or {}

    def document(self, instance: str | None = None) -> dict[str, Any]:
        """The problem document: the body of an HTTP answer, and of a WebSocket `error` message."""
        body = Problem(type=TYPE_PREFIX + self.slug, title=self.title, status=self.status, detail=self.detail,
                       instance=instance, errors=self.errors)
        return {**body.model_dump(exclude_none=True), **self.extensions}


def problem_response(error: ProblemError, instance: str | None = None) -> JSONResponse:
    return JSONResponse(error.document(instance), status_code=error.status, media_type=PROBLEM_MEDIA_TYPE,
                        headers=error.headers)


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [{"loc": [str(p) for p in e.get("loc", ())], "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()]


def install(app: FastAPI) -> None:
    async def on_problem(request: Request, exc: ProblemError) -> JSONResponse:
        return problem_response(exc, request.url.path)

    async def on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem_response(ProblemError(exc.status_code, str(exc.detail), headers=exc.headers),
                                request.url.path)

    async def on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _field_errors(exc)
        if any(e["type"] == "json_invalid" for e in errors):
            return problem_response(ProblemError(400, "the body is not valid JSON", "malformed-json",
                                                 "Malformed JSON", errors=errors), request.url.path)
        return problem_response(ProblemError(422, "the request does not match the API's schema", errors=errors),
                                request.url.path)

    async def on_crash(request: Request, exc: Exception) -> JSONResponse:
        return problem_response(ProblemError(500, "unexpected error; the trace is in the relayer log"),
                                request.url.path)

    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(Exception, on_crash)
