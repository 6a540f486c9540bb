"""Database plumbing: connection, gateway for async code, prepared SQL, migrations."""
