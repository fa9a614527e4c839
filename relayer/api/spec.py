"""The committed interface documents, generated from the code: `rat-relayer api-spec openapi|asyncapi`."""

from __future__ import annotations

import json
from typing import Any

import yaml

from relayer.api.app import API_VERSION, create_app
from relayer.api.stream import StreamCommand
from relayer.events.catalog import CHANNELS

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
                       "event": {"oneOf": [{"$ref": f"#/components/schemas/{c.message.__name__}"} for c in CHANNELS
                                           if c.key in ("requestStep",)]}}}
    schemas["StreamError"] = {"type": "object", "additionalProperties": False, "required": ["type", "problem"],
                              "properties": {"type": {"const": "error"}, "problem": {"type": "object"}}}


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
        "summary": "WebSocket: subscribe to request ids or accounts, receive their events; resume from a cursor.",
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
