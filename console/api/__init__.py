"""The integration API over HTTP: /api/v1 (JSON), /fhir/r4, calendar feeds."""
