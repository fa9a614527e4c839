"""Operator authentication: OAuth 2.1 client-credentials bearer JWTs (RFC 9068 profile), verified against the
authorization server's JWKS. Checked: signature (asymmetric algorithms only), `iss`, `aud`, `exp`, `iat`, `nbf`,
a lifetime of at most `max_lifetime`, and the scope the endpoint needs."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from relayer.api.problems import ProblemError
from relayer.config import JwtConfig
from relayer.errors import ConfigError

log = logging.getLogger("relayer.api.auth")

SCOPES = {
    "operator:assets": "pause and resume an asset's processing",
    "operator:sagas": "retry or reject a stuck saga",
    "operator:secrets": "rotate webhook secrets",
    "operator:travel-rule": "ask for, confirm and cancel Travel Rule transfers; issue Travel Addresses",
    "audit:read": "read the operator audit log",
}


@dataclass(frozen=True)
class Principal:
    """Who is calling: the OAuth client (`client_id`, else `sub`) and its granted scopes."""

    client_id: str
    scopes: frozenset[str]
    token_id: str | None


def _unauthorized(detail: str) -> ProblemError:
    return ProblemError(401, detail, "invalid-token", "Invalid bearer token",
                        headers={"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{detail}"'})


class JwksSource:
    """The verification keys: a JWKS file (re-read when it changes) or URL (cached, refetched on an unknown `kid`
    at most every `refetch_every` seconds). Symmetric (`oct`) keys are refused."""

    def __init__(self, file: Path | None = None, url: str | None = None, ttl: float = 300.0,
                 refetch_every: float = 30.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.file, self.url, self.ttl, self.refetch_every, self.clock = file, url, ttl, refetch_every, clock
        self._keys: KeySet | None = None
        self._loaded_at = float("-inf")
        self._stamp: float | None = None

    @staticmethod
    def parse(document: dict) -> KeySet:
        keys = document.get("keys") if isinstance(document, dict) else None
        if not isinstance(keys, list) or not keys:
            raise ConfigError("JWKS has no keys")
        if any(k.get("kty") == "oct" for k in keys):
            raise ConfigError("JWKS contains a symmetric (oct) key", hint="operator tokens must be signed "
                              "asymmetrically; publish only public keys")
        public = [{k: v for k, v in key.items() if k not in ("d", "p", "q", "dp", "dq", "qi")} for key in keys]
        return KeySet.import_key_set({"keys": public})

    async def keys(self, force: bool = False) -> KeySet:
        if self.file is not None:
            try:
                stamp = self.file.stat().st_mtime
                if self._keys is None or stamp != self._stamp:
                    self._keys, self._stamp = self.parse(json.loads(self.file.read_text())), stamp
            except OSError as exc:
                raise ConfigError(f"JWKS file {self.file} is not readable: {exc.strerror}",
                                  hint="point api.auth.jwks_file at the authorization server's key set") from None
            except ValueError as exc:
                raise ConfigError(f"JWKS file {self.file} is not JSON: {exc}") from None
            return self._keys
        now = self.clock()
        stale = now - self._loaded_at > (self.refetch_every if force else self.ttl)
        if self._keys is None or stale:
            async with httpx.AsyncClient(timeout=5.0) as client:
                response = await client.get(self.url or "")
                response.raise_for_status()
            self._keys, self._loaded_at = self.parse(response.json()), now
        return self._keys


class TokenVerifier:
    def __init__(self, config: JwtConfig, source: JwksSource | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.source = source or JwksSource(config.jwks_file, config.jwks_url)
        self.clock = clock

    async def verify(self, authorization: str | None) -> Principal:
        if not authorization:
            raise _unauthorized("missing bearer token")
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise _unauthorized("the Authorization header must be 'Bearer <token>'")
        value = value.strip()
        try:
            keys = await self.source.keys()
            try:
                token = jwt.decode(value, keys, algorithms=self.config.algorithms)
            except JoseError as exc:
                if "key" not in type(exc).__name__.lower() and "kid" not in str(exc).lower():
                    raise
                token = jwt.decode(value, await self.source.keys(force=True), algorithms=self.config.algorithms)
        except (JoseError, ValueError) as exc:
            raise _unauthorized(f"token rejected: {type(exc).__name__}") from None
        except (httpx.HTTPError, ConfigError) as exc:
            # The cause names a file or URL of this host: it goes to the log, not to an unauthenticated caller.
            log.error("operator keys unavailable", extra={"error": str(exc)})
            raise ProblemError(503, "cannot load the authorization server's keys (JWKS); the cause is in the "
                                    "relayer log", "keys-unavailable") from None
        typ = token.header.get("typ")
        if typ is not None and str(typ).lower() not in ("at+jwt", "application/at+jwt", "jwt"):
            raise _unauthorized("token type must be at+jwt")
        claims = token.claims
        now = int(self.clock())
        registry = jwt.JWTClaimsRegistry(
            now=now, leeway=self.config.leeway,
            iss={"essential": True, "value": self.config.issuer},
            aud={"essential": True, "value": self.config.audience},
            exp={"essential": True}, iat={"essential": True},
        )
        try:
            registry.validate(claims)
        except JoseError as exc:
            raise _unauthorized(f"claims rejected: {exc.error}: {exc.description or ''}".strip()) from None
        if not isinstance(claims.get("exp"), int) or not isinstance(claims.get("iat"), int):
            raise _unauthorized("exp and iat must be integers")
        if claims["exp"] - claims["iat"] > self.config.max_lifetime:
            raise _unauthorized(f"token lives longer than {self.config.max_lifetime} s")
        client = claims.get("client_id") or claims.get("sub")
        if not isinstance(client, str) or not client:
            raise _unauthorized("token names no client (client_id or sub)")
        scope = claims.get("scope", "")
        scopes = frozenset(scope.split()) if isinstance(scope, str) else frozenset()
        return Principal(client_id=client[:200], scopes=scopes, token_id=claims.get("jti"))


def require_scope(principal: Principal, scope: str) -> None:
    if scope not in principal.scopes:
        raise ProblemError(403, f"the token lacks the scope {scope!r}", "insufficient-scope",
                           headers={"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{scope}"'})
