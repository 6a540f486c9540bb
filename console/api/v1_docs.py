"""The API's documentation: the OpenAPI document, and a page for people.

Both public. The page is rendered on the server from the same document (no
script, no CDN: the console's CSP allows only 'self'), with a curl example
per operation.
"""

from __future__ import annotations

import json
from html import escape

from aiohttp import web

from console.api.auth import api_public
from core.api.openapi import document

CURL_BASE = "http://localhost:8080"
EXAMPLE_BODIES = {
    "api_patient_create": {"name": "Ana Lopez", "phone": "+15551230001"},
    "api_patient_update": {"language": "es"},
    "api_book": {
        "patient_id": 1,
        "doctor_id": 1,
        "start": "2026-12-01T10:00:00Z",
    },
    "api_cancel": {"reason": "Patient phoned"},
    "api_reschedule": {"start": "2026-12-02T11:00:00Z"},
}
EXAMPLE_QUERIES = {
    "api_slots": "?doctor=1&from=2026-12-01",
    "api_patients": "?q=lopez",
    "api_appointments": "?status=scheduled&limit=20",
    "api_stats": "?from=2026-11-01&to=2026-11-30",
}


@api_public
async def openapi_json(request: web.Request) -> web.Response:
    """The OpenAPI 3.1 document of /api/v1."""
    return web.json_response(document())


def curl(name: str, method: str, path: str) -> str:
    """A curl command for an operation that works against `serve --demo`."""
    url = CURL_BASE + path.replace("{id}", "1") + EXAMPLE_QUERIES.get(name, "")
    parts = ["curl"]
    if method != "GET":
        parts += ["-X", method]
    parts.append('-H "Authorization: Bearer $TOKEN"')
    if name in EXAMPLE_BODIES or method == "POST":
        if method == "POST":
            parts.append('-H "Idempotency-Key: $(uuidgen)"')
        body = json.dumps(EXAMPLE_BODIES.get(name, {}))
        parts += ['-H "Content-Type: application/json"', f"-d '{body}'"]
    parts.append(f'"{url}"')
    return " ".join(parts)


def _schema_text(schema: dict) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    kind = schema.get("type") or " | ".join(map(str, schema.get("enum", ())))
    bounds = [
        f"{word} {schema[key]}"
        for key, word in (("minimum", "≥"), ("maximum", "≤"), ("maxLength", "length ≤"))
        if key in schema
    ]
    fmt = f" ({schema['format']})" if "format" in schema else ""
    return f"{kind}{fmt}" + (f", {', '.join(bounds)}" if bounds else "")


def _fields(schema: dict) -> str:
    required = set(schema.get("required", ()))
    rows = "".join(
        f"<tr><td><code>{escape(name)}</code></td><td>{escape(_schema_text(prop))}"
        f"</td><td>{'required' if name in required else ''}</td></tr>"
        for name, prop in schema.get("properties", {}).items()
    )
    return f"<table>{rows}</table>" if rows else "<p>No fields.</p>"


def _operation(path: str, method: str, op: dict, components: dict) -> str:
    params = "".join(
        f"<tr><td><code>{escape(p['name'])}</code></td><td>{escape(p['in'])}</td>"
        f"<td>{escape(_schema_text(p['schema']))}</td>"
        f"<td>{'required' if p.get('required') else ''}</td></tr>"
        for p in op.get("parameters", ())
    )
    html = [
        f'<section id="{escape(op["operationId"])}">',
        f"<h3><code>{method.upper()} {escape(path)}</code></h3>",
        f"<p>{escape(op['summary'])}. {escape(op.get('description', ''))}</p>",
    ]
    if params:
        html.append(f"<h4>Parameters</h4><table>{params}</table>")
    body = op.get("requestBody")
    if body:
        name = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
        html.append(f"<h4>Body: {escape(name)}</h4>" + _fields(components[name]))
    answers = ", ".join(escape(status) for status in op["responses"])
    html.append(f"<p>Answers: {answers}</p>")
    command = curl(op["operationId"], method.upper(), path)
    html.append(f"<pre><code>{escape(command)}</code></pre></section>")
    return "".join(html)


def _page() -> str:
    doc = document()
    components = doc["components"]["schemas"]
    sections = [
        _operation(path, method, op, components)
        for path, methods in doc["paths"].items()
        for method, op in methods.items()
    ]
    answers = "".join(
        f"<h3>{escape(name)}</h3>{_fields(schema)}"
        for name, schema in sorted(components.items())
        if "properties" in schema
    )
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        "<title>ClinicBot API</title>"
        '<link rel="stylesheet" href="/static/console.css"></head><body><main>'
        f"<h1>ClinicBot API {escape(doc['info']['version'])}</h1>"
        f"<p>{escape(doc['info']['description'])}</p>"
        "<p>Send <code>Authorization: Bearer $TOKEN</code>; make a token with"
        " <code>clinicbot api-token create --name NAME --role admin|staff|doctor|read"
        "</code>. Errors are <code>{\"error\": {\"code\", \"message\", \"field\"}}"
        "</code>. The machine-readable document is"
        ' <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.</p>'
        "<h2>Operations</h2>" + "".join(sections) + "<h2>Schemas</h2>" + answers
        + "</main></body></html>"
    )  # fmt: skip


@api_public
async def docs_page(request: web.Request) -> web.Response:
    """The API's documentation for people, as HTML."""
    return web.Response(text=_page(), content_type="text/html")
