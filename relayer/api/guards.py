"""Request guards applied before routing, as plain ASGI middleware: per-IP rate limit (with RateLimit headers on
every answer), body size limit (declared or streamed), and JSON-only request bodies."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from relayer.api.context import ApiContext
from relayer.api.problems import ProblemError, problem_response

BODY_METHODS = {"POST", "PUT", "PATCH"}
JSON_TYPES = ("application/json",)


class _TooLarge(ProblemError):
    """Raised from the body stream; the app's problem handler answers 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"bodies are limited to {limit} bytes")


class Guards:
    def __init__(self, app: ASGIApp, ctx: ApiContext) -> None:
        self.app, self.ctx = app, ctx

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        client = scope.get("client") or ("unknown", 0)
        decision = self.ctx.ip_limiter.hit(f"ip:{client[0]}")
        if scope["type"] == "websocket":
            if not decision.allowed:
                await send({"type": "websocket.close", "code": 1013, "reason": "rate limited"})
                return
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        if not decision.allowed:
            await problem_response(ProblemError(429, f"more than {decision.quota} requests in {decision.window} s "
                                                     "from this address", headers=decision.headers()), path)(
                scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        limit = self.ctx.config.max_body_bytes
        if scope["method"] in BODY_METHODS:
            declared = headers.get("content-length")
            if declared is not None and (not declared.isdigit() or int(declared) > limit):
                await self._refuse(scope, receive, send, ProblemError(413, f"bodies are limited to {limit} bytes"),
                                   decision)
                return
            media = headers.get("content-type", "").split(";")[0].strip().lower()
            has_body = (declared is not None and declared != "0") or "transfer-encoding" in headers
            if has_body and media not in JSON_TYPES:
                await self._refuse(scope, receive, send, ProblemError(
                    415, f"send the body as application/json (got {media or 'no content type'})",
                    headers={"Accept-Post": "application/json"}), decision)
                return

        if scope["method"] in BODY_METHODS and headers.get("content-length") is None:
            # A streamed body: read it here, within the limit, so the app never sees more than `limit` bytes.
            body, more = b"", True
            while more:
                message = await receive()
                if message["type"] != "http.request":
                    return
                body += message.get("body", b"")
                more = message.get("more_body", False)
                if len(body) > limit:
                    await self._refuse(scope, receive, send, _TooLarge(limit), decision)
                    return
            replayed = False

            async def buffered_receive() -> Message:
                nonlocal replayed
                if replayed:
                    return await receive()
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}

            receive = buffered_receive

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge(limit)
            return message

        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                extra = [(k.lower().encode(), v.encode()) for k, v in decision.headers().items()]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except _TooLarge:
            if not started:
                await self._refuse(scope, receive, send, ProblemError(413, f"bodies are limited to {limit} bytes"),
                                   decision)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, error: ProblemError, decision) -> None:
        error.headers = {**decision.headers(), **error.headers}
        await problem_response(error, scope.get("path"))(scope, receive, send)
