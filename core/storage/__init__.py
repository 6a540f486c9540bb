"""Database plumbing: the connection, how async code reaches it, prepared SQL, migrations."""
