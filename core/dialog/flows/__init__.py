"""The conversation flows, one module per area; each maps states to Handlers."""
