"""The OpenAPI document and the docs page: public, complete, and in step with
the schemas that validate requests."""

from __future__ import annotations

import msgspec

from core.api import schemas
from core.api.operations import OPERATIONS


async def test_document_lists_every_operation(api_client):
    response = await api_client.get("/api/v1/openapi.json")
    assert response.status == 200
    doc = await response.json()
    assert doc["openapi"] == "3.1.0"
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    listed = {
        (method.upper(), path, op["operationId"])
        for path, methods in doc["paths"].items()
        for method, op in methods.items()
    }
    for op in OPERATIONS:
        assert (op.method, op.url, op.name) in listed
        entry = doc["paths"][op.url][op.method.lower()]
        assert "401" in entry["responses"] and "403" in entry["responses"]
        assert entry["responses"]["422" if op.body else "401"]["content"]
    served = {
        (route.method, route.resource.canonical)
        for route in api_client.app.router.routes()
        if route.resource and route.resource.canonical.startswith("/api/v1/")
    }
    assert served == {(m, p) for m, p, _ in listed}


async def test_request_schemas_are_the_validating_ones(api_client):
    """The body schema in the document is msgspec's own for the Struct."""
    doc = await (await api_client.get("/api/v1/openapi.json")).json()
    (ref,), components = msgspec.json.schema_components(
        [schemas.BookingCreate], ref_template="#/components/schemas/{name}"
    )
    book = doc["paths"]["/api/v1/appointments"]["post"]["requestBody"]
    assert book["content"]["application/json"]["schema"] == ref
    assert doc["components"]["schemas"]["BookingCreate"] == components["BookingCreate"]
    assert components["BookingCreate"]["additionalProperties"] is False


async def test_docs_page_is_html_without_outside_resources(api_client):
    response = await api_client.get("/api/v1/docs")
    assert response.status == 200 and response.content_type == "text/html"
    page = await response.text()
    for op in OPERATIONS:
        assert f'id="{op.name}"' in page
    assert "curl -X POST" in page and "Idempotency-Key" in page
    assert "<script" not in page and "https://" not in page
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
