"""The committed OpenAPI and AsyncAPI documents are exactly what the code generates, and are valid."""

from __future__ import annotations

import json
import os
from pathlib import Path

import jsonschema
import pytest
import yaml

from relayer.api.spec import asyncapi_document, openapi_document, to_yaml
from relayer.events.catalog import CHANNELS, channel_for

ROOT = Path(__file__).resolve().parents[2]
REGENERATE = "rat-relayer api-spec {kind} > docs/api/{kind}.yaml"


def _asyncapi_meta_schema() -> dict:
    """The official AsyncAPI 3.0.0 JSON Schema from npm @asyncapi/specs (node_modules, or RAT_ASYNCAPI_SPECS)."""
    candidates = [Path(os.environ["RAT_ASYNCAPI_SPECS"])] if os.environ.get("RAT_ASYNCAPI_SPECS") else []
    candidates.append(ROOT / "node_modules" / "@asyncapi" / "specs")
    for folder in candidates:
        path = folder / "schemas" / "3.0.0.json"
        if path.is_file():
            return json.loads(path.read_text())
    pytest.skip("npm package @asyncapi/specs is not installed (npm install @asyncapi/specs@6.11.1)")


@pytest.mark.parametrize("kind, generate", [("openapi", openapi_document), ("asyncapi", asyncapi_document)])
def test_the_committed_document_is_what_the_code_generates(kind, generate):
    committed = (ROOT / "docs" / "api" / f"{kind}.yaml").read_text()
    assert committed == to_yaml(generate()), f"docs/api/{kind}.yaml is stale: run `{REGENERATE.format(kind=kind)}`"


def test_the_openapi_document_is_valid_openapi_3_1():
    from openapi_spec_validator import validate

    document = yaml.safe_load((ROOT / "docs" / "api" / "openapi.yaml").read_text())
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_the_asyncapi_document_is_valid_against_the_official_asyncapi_3_schema():
    meta = _asyncapi_meta_schema()
    document = yaml.safe_load((ROOT / "docs" / "api" / "asyncapi.yaml").read_text())
    validator = jsonschema.validators.validator_for(meta)(meta)
    assert [e.message for e in validator.iter_errors(document)] == []


def test_the_asyncapi_check_rejects_a_document_with_an_invalid_operation():
    meta = _asyncapi_meta_schema()
    document = yaml.safe_load((ROOT / "docs" / "api" / "asyncapi.yaml").read_text())
    document["operations"]["streamPush"]["action"] = "publish"  # AsyncAPI 2 vocabulary
    assert list(jsonschema.validators.validator_for(meta)(meta).iter_errors(document))


def message_validator(topic: str):
    """A validator for the message of `topic`, resolving refs within the AsyncAPI document."""
    document = yaml.safe_load((ROOT / "docs" / "api" / "asyncapi.yaml").read_text())
    name = channel_for(topic).message.__name__
    schema = {**document["components"]["schemas"][name], "components": document["components"]}
    return jsonschema.Draft7Validator(json.loads(json.dumps(schema).replace("#/components/", "#/components/")))


def test_every_channel_has_a_message_schema_in_the_document():
    document = yaml.safe_load((ROOT / "docs" / "api" / "asyncapi.yaml").read_text())
    for channel in CHANNELS:
        assert document["channels"][channel.key]["address"] == channel.address
        assert channel.message.__name__ in document["components"]["schemas"]
