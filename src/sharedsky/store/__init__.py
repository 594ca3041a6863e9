"""Layer 3: the store (SQLAlchemy Core; SQLite embedded, PostgreSQL to scale out)."""

from sharedsky.store.database import Database, default_url, open_database

__all__ = ["Database", "default_url", "open_database"]
