"""Opening the database: one code path for SQLite (embedded, the default) and PostgreSQL.

SQLite runs in WAL mode with ``synchronous=FULL`` (a transaction that returned is on disk),
foreign keys on, and every write transaction begun ``IMMEDIATE`` so that two writers queue
instead of failing half-way. PostgreSQL takes a transaction-level advisory lock at the start
of every write transaction. Either way one writer at a time appends events and numbers them
itself (the next event and ledger leaf), so numbers become visible in order: a reader that
has seen event *n* never later finds a committed *n − 1* (the stream's ``Last-Event-ID`` and
the ledger rely on this).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from sharedsky.errors import InvalidInput

__all__ = ["Database", "default_url", "open_database"]


def default_url(directory: Path | None = None) -> str:
    """The embedded database: ``sharedsky.db`` in ``directory`` (default: the working one)."""
    return f"sqlite:///{(directory or Path.cwd()) / 'sharedsky.db'}"


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        # The DBAPI's own transaction handling is off: SQLAlchemy's begin emits BEGIN below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        # Writers take the write lock up front; readers see a snapshot and block nobody.
        write = connection.get_execution_options().get("sharedsky_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


class Database:
    """An engine and the ways the store uses it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self._committed: list[Callable[[], None]] = []

    def on_commit(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` after every write transaction that commits."""
        self._committed.append(listener)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One write transaction: committed on success, rolled back on any exception."""
        with (
            self.engine.connect().execution_options(sharedsky_write=True) as connection,
            connection.begin(),
        ):
            if self.dialect == "postgresql":
                connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7427466)")
            yield connection
        for listener in self._committed:
            listener()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only connection (no write lock taken)."""
        with self.engine.connect() as connection:
            yield connection
            connection.rollback()

    def migrate(self) -> None:
        """Bring the schema to the newest migration (idempotent)."""
        config = Config()
        config.set_main_option(
            "script_location", str(resources.files("sharedsky.store") / "migrations")
        )
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(url: str, *, migrate: bool = True) -> Database:
    """Open (and by default migrate) the database at ``url``.

    ``sqlite:///path/to/file.db`` or ``postgresql+psycopg://user:pass@host/db``; anything else
    is refused.
    """
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        raise InvalidInput.one("--database-url", f"{url!r} is not a database URL") from None
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            raise InvalidInput.one(
                "--database-url", "SQLite needs a file (an in-memory database would lose data)"
            )
        engine = sa.create_engine(parsed, connect_args={"check_same_thread": False})
        _sqlite_setup(engine)
    elif parsed.get_backend_name() == "postgresql":
        if parsed.get_driver_name() != "psycopg":
            parsed = parsed.set(drivername="postgresql+psycopg")
        engine = sa.create_engine(parsed, pool_pre_ping=True, pool_size=10, max_overflow=20)
    else:
        raise InvalidInput.one(
            "--database-url", "use sqlite:///FILE or postgresql+psycopg://USER@HOST/DB"
        )
    database = Database(engine)
    if migrate:
        database.migrate()
    return database
