"""The OpenAPI 3.1 document of /api/v1, generated from the schemas that
validate requests (msgspec.json.schema_components) and the operations table.

Built once per process: it only changes with the code.
"""

from __future__ import annotations

import functools

import msgspec

from core.api import schemas
from core.api.operations import OPERATIONS, PREFIX, Operation

REF = "#/components/schemas/{name}"
VERSION = "1.0.0"
ERROR_REF = {"$ref": REF.format(name="Error")}
REASONS = {
    400: "Malformed JSON or a body that is not an object",
    401: "No token, or an unknown or revoked one",
    403: "The token's role may not do this",
    404: "No such thing (or the path does not exist)",
    409: "Conflict: slot_taken, invalid_transition, patient_exists",
    413: "Body over 64 KB",
    422: "Validation failed, or the clinic's rules refused it",
    429: "Rate limited: try again after Retry-After seconds",
}
ID_PARAMETER = {
    "name": "id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
}
IDEMPOTENCY_PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Send the same key to replay a POST safely: the first answer"
    " comes back (with Idempotent-Replayed: true) and nothing changes twice.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}


def _not_null(schema: dict) -> dict:
    """A query value is never JSON null: drop the null branch msgspec adds."""
    branches = [b for b in schema.get("anyOf", ()) if b != {"type": "null"}]
    if len(branches) == 1 and "anyOf" in schema:
        rest = {k: v for k, v in schema.items() if k not in ("anyOf", "default")}
        return branches[0] | rest
    return {k: v for k, v in schema.items() if not (k == "default" and v is None)}


def _query_parameters(query: type, components: dict) -> list[dict]:
    schema = components[query.__name__]
    required = set(schema.get("required", ()))
    return [
        {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": _not_null(prop),
        }
        for name, prop in schema["properties"].items()
    ]


def _error(status: int, headers: dict | None = None) -> dict:
    answer = {
        "description": REASONS[status],
        "content": {"application/json": {"schema": ERROR_REF}},
    }
    if headers:
        answer["headers"] = headers
    return answer


def _operation(op: Operation, components: dict) -> dict:
    parameters = [ID_PARAMETER] if "{id}" in op.path else []
    if op.query is not None:
        parameters += _query_parameters(op.query, components)
    if op.idempotent:
        parameters.append(IDEMPOTENCY_PARAMETER)
    success = {
        "description": "OK" if op.status == 200 else "Created",
        "content": {
            "application/json": {
                "schema": {"$ref": REF.format(name=op.response.__name__)}
            }
        },
    }
    if op.idempotent:
        success["headers"] = {
            "Idempotent-Replayed": {
                "description": "true when this is the stored first answer",
                "schema": {"type": "string", "enum": ["true"]},
            }
        }
    responses = {str(op.status): success}
    for status in sorted({*op.errors, 401, 403, 429} | ({413} if op.body else set())):
        headers = None
        if status == 429:
            headers = {"Retry-After": {"schema": {"type": "integer"}}}
        responses[str(status)] = _error(status, headers)
    document = {
        "operationId": op.name,
        "summary": op.summary,
        "tags": [op.tag] if op.tag else [],
        "description": "Roles: " + ", ".join(op.roles) + ".",
        "parameters": parameters,
        "responses": responses,
    }
    if op.body is not None:
        document["requestBody"] = {
            "required": op.body is not schemas.NoBody,
            "content": {
                "application/json": {
                    "schema": {"$ref": REF.format(name=op.body.__name__)}
                }
            },
        }
    return document


def _public(summary: str, media: str, schema: dict, name: str) -> dict:
    return {
        "get": {
            "operationId": name,
            "summary": summary,
            "tags": ["documentation"],
            "security": [],
            "responses": {
                "200": {"description": "OK", "content": {media: {"schema": schema}}}
            },
        }
    }


@functools.cache
def document() -> dict:
    """The OpenAPI 3.1 document, as a JSON-ready dict."""
    types = {schemas.Error}
    for op in OPERATIONS:
        types |= {t for t in (op.response, op.query, op.body) if t is not None}
    _, components = msgspec.json.schema_components(
        sorted(types, key=lambda t: t.__name__), ref_template=REF
    )
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        paths.setdefault(op.url, {})[op.method.lower()] = _operation(op, components)
    paths[PREFIX + "/openapi.json"] = _public(
        "This document", "application/json", {"type": "object"}, "api_openapi"
    )
    paths[PREFIX + "/docs"] = _public(
        "The API's documentation for people", "text/html", {"type": "string"},
        "api_docs",
    )  # fmt: skip
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ClinicBot API",
            "version": VERSION,
            "description": "Departments, doctors, patients, appointments, free"
            " slots and stats of one clinic. Times are ISO 8601 in UTC (Z);"
            " send them with an offset.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "clinicbot api-token create --name N --role R",
                }
            },
        },
    }
