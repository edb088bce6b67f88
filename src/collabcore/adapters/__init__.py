"""Storage adapters: memory, SQLite (the embedded default) and PostgreSQL."""
