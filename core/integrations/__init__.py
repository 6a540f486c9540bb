"""What other software holds of ClinicBot: API tokens, idempotent answers,
webhook endpoints and their deliveries, calendar feed addresses.

Just above the models, below the audit log: an audit row of a change that
another system subscribed to writes its webhook delivery in the same
transaction (core.integrations.deliveries).
"""
