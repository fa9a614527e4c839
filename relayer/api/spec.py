"""The committed interface documents, generated from the code: `rat-relayer api-spec openapi|asyncapi`."""

from __future__ import annotations

import json
from typing import Any

import yaml

from relayer.api.app import API_VERSION, create_app
from relayer.api.stream import StreamCommand
from relayer.events.catalog import CHANNELS, PublicRequestStepEvent

REF = "#/components/schemas/{model}"


def _plain(document: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(document))  # no shared objects, so YAML has no anchors


def to_yaml(document: dict[str, Any]) -> str:
    return yaml.safe_dump(_plain(document), sort_keys=False, allow_unicode=True, width=110)


def openapi_document() -> dict[str, Any]:
    return _plain(create_app().openapi())


def _schema(model, schemas: dict[str, Any]) -> dict[str, str]:
    definition = model.model_json_schema(ref_template=REF)
    for name, nested in definition.pop("$defs", {}).items():
        schemas[name] = nested
    schemas[model.__name__] = definition
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _stream_schemas(schemas: dict[str, Any]) -> None:
    schemas["StreamCommand"] = StreamCommand.model_json_schema(ref_template=REF)
    schemas["StreamSubscribed"] = {"type": "object", "additionalProperties": False, "required": ["type", "cursor"],
                                   "properties": {"type": {"const": "subscribed"}, "cursor": {"type": "integer"}}}
    schemas["StreamHeartbeat"] = {"type": "object", "additionalProperties": False, "required": ["type", "cursor"],
                                  "properties": {"type": {"const": "heartbeat"}, "cursor": {"type": "integer"}}}
    schemas["StreamEvent"] = {
        "type": "object", "additionalProperties": False, "required": ["type", "cursor", "event"],
        "properties": {"type": {"const": "event"}, "cursor": {"type": "integer", "description": "resume point"},
                       "event": _schema(PublicRequestStepEvent, schemas)}}
    schemas["StreamError"] = {
        "type": "object", "additionalProperties": False, "required": ["type", "problem"],
        "description": "sent before the server closes the connection: 1003 binary frame, 1009 frame too big, 1008 "
                       "any other bad message (problem status 400), 4410 `urn:rat:problem:cursor-expired` (status "
                       "410): the subscribe cursor is below what `rat-relayer purge` trimmed; re-sync the requests' "
                       "state, then resume from the problem's `oldest_cursor`",
        "properties": {"type": {"const": "error"}, "problem": {
            "type": "object", "description": "RFC 9457 problem details; `cursor-expired` adds `cursor` and "
                                             "`oldest_cursor` (integers)"}}}


def asyncapi_document() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    headers = {"type": "object", "properties": {
        "Nats-Msg-Id": {"type": "string", "description": "the event id; JetStream drops duplicates inside its window"},
        "Rat-Trace-Id": {"type": "string"},
        "traceparent": {"type": "string", "description": "W3C trace context of the publish span (OpenTelemetry)"}},
        "required": ["Nats-Msg-Id", "Rat-Trace-Id"]}
    for channel in CHANNELS:
        name = channel.message.__name__
        if name not in messages:
            messages[name] = {"name": name, "title": name, "contentType": "application/json", "headers": headers,
                              "payload": _schema(channel.message, schemas)}
        parameters = {"network": {"description": "the relayer's configured network name (e.g. anvil, sepolia)"}}
        if channel.parameter is not None:
            parameters[channel.parameter[0]] = {"enum": list(channel.parameter[1])}
        channels[channel.key] = {
            "address": channel.address, "summary": channel.summary, "servers": [{"$ref": "#/servers/nats"}],
            "parameters": parameters, "messages": {name: {"$ref": f"#/components/messages/{name}"}}}
        operations[f"publish{channel.key[0].upper()}{channel.key[1:]}"] = {
            "action": "send", "channel": {"$ref": f"#/channels/{channel.key}"}, "summary": channel.summary,
            "messages": [{"$ref": f"#/channels/{channel.key}/messages/{name}"}]}
    _stream_schemas(schemas)
    stream_messages = {n: {"name": n, "contentType": "application/json",
                           "payload": {"$ref": f"#/components/schemas/{n}"}}
                       for n in ("StreamCommand", "StreamSubscribed", "StreamEvent", "StreamHeartbeat", "StreamError")}
    messages.update(stream_messages)
    channels["requestStream"] = {
        "address": "/v1/stream", "servers": [{"$ref": "#/servers/api"}],
        "summary": "WebSocket: subscribe to request ids or accounts, receive their public request events (no "
                   "broker, custody, KYC or operator data); resume from a cursor (one older than the retained "
                   "events is refused: StreamError 410 cursor-expired, close 4410).",
        "messages": {n: {"$ref": f"#/components/messages/{n}"} for n in stream_messages}}
    operations["streamSubscribe"] = {"action": "receive", "channel": {"$ref": "#/channels/requestStream"},
                                     "summary": "the client (un)subscribes, optionally resuming after a cursor",
                                     "messages": [{"$ref": "#/channels/requestStream/messages/StreamCommand"}]}
    operations["streamPush"] = {
        "action": "send", "channel": {"$ref": "#/channels/requestStream"},
        "summary": "the server acknowledges, pushes matching events in cursor order, and sends heartbeats",
        "messages": [{"$ref": f"#/channels/requestStream/messages/{n}"}
                     for n in ("StreamSubscribed", "StreamEvent", "StreamHeartbeat", "StreamError")]}
    return _plain({
        "asyncapi": "3.0.0",
        "info": {"title": "RAT relayer events", "version": API_VERSION, "description": (
            "Protocol events of the RAT relayer. Every saga transition, KYC decision and operator action is "
            "written to a transactional outbox in the relayer's state store in the same transaction as the change, "
            "then published at least once to NATS JetStream (when configured) and streamed over the WebSocket. "
            "Consumers dedupe on the event `id`.")},
        "defaultContentType": "application/json",
        "servers": {
            "nats": {"host": "127.0.0.1:4222", "protocol": "nats",
                     "description": "NATS with JetStream; stream RAT_<NETWORK> captures rat.<network>.>"},
            "api": {"host": "127.0.0.1:8480", "protocol": "ws", "description": "`rat-relayer api`"},
        },
        "channels": channels,
        "operations": operations,
        "components": {"schemas": schemas, "messages": messages},
    })
