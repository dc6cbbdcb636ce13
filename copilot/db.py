"""Database engine, schema creation (with the audit log's append-only triggers) and sessions."""

from __future__ import annotations

import fcntl
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine, event, inspect, text
from sqlmodel import Session, SQLModel, create_engine

from copilot import models  # noqa: F401  (registers the tables on SQLModel.metadata)

_SQLITE_TRIGGERS = [
    """CREATE TRIGGER IF NOT EXISTS auditevent_no_update BEFORE UPDATE ON auditevent
       BEGIN SELECT RAISE(ABORT, 'auditevent is append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS auditevent_no_delete BEFORE DELETE ON auditevent
       BEGIN SELECT RAISE(ABORT, 'auditevent is append-only'); END""",
]

_POSTGRES_TRIGGERS = [
    """CREATE OR REPLACE FUNCTION auditevent_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'auditevent is append-only'; END; $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS auditevent_append_only ON auditevent",
    """CREATE TRIGGER auditevent_append_only BEFORE UPDATE OR DELETE ON auditevent
       FOR EACH ROW EXECUTE FUNCTION auditevent_append_only()""",
]


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, a busy timeout and foreign keys."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _add_missing_columns(engine: Engine) -> None:
    """Add columns that newer code defines on tables an older version created (with their defaults)."""
    inspector = inspect(engine)
    existing_tables = set(inspector.get_table_names())
    with engine.begin() as connection:
        for table in SQLModel.metadata.sorted_tables:
            if table.name not in existing_tables:
                continue
            present = {c["name"] for c in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name in present:
                    continue
                kind = column.type.compile(dialect=engine.dialect)
                default = getattr(column.default, "arg", None)
                if isinstance(default, StrEnum):
                    default = default.value
                clause = f" DEFAULT {default!r}" if isinstance(default, str | int | float) else ""
                connection.execute(
                    text(f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {kind}{clause}')
                )


def create_schema(engine: Engine) -> None:
    """Create missing tables and columns, and the audit log's append-only triggers."""
    SQLModel.metadata.create_all(engine)
    _add_missing_columns(engine)
    statements = _SQLITE_TRIGGERS if engine.dialect.name == "sqlite" else _POSTGRES_TRIGGERS
    if engine.dialect.name not in ("sqlite", "postgresql"):
        return
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))


_THREAD_LOCKS: dict[tuple[str, str], threading.Lock] = {}
_THREAD_LOCKS_GUARD = threading.Lock()


def _thread_lock(engine: Engine, name: str) -> threading.Lock:
    key = (str(engine.url), name)
    with _THREAD_LOCKS_GUARD:
        return _THREAD_LOCKS.setdefault(key, threading.Lock())


@contextmanager
def exclusive(engine: Engine, name: str) -> Iterator[None]:
    """Hold the lock `name` for this database across threads and processes until the block ends.

    Several service processes (`copilot serve --workers N`) share one database; a section that reads and
    then writes (alert intake deciding whether an alert opens an investigation; start-up seeding and
    resuming) must run in one of them at a time. PostgreSQL: a session advisory lock on its own connection.
    SQLite: an flock on a file beside the database (in-memory databases have one process: the thread lock).
    """
    with _thread_lock(engine, name):
        if engine.dialect.name == "postgresql":
            key = zlib.crc32(f"copilot:{name}".encode()) & 0x7FFFFFFF
            with engine.connect() as connection:
                connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
                connection.commit()
                try:
                    yield
                finally:
                    connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                    connection.commit()
            return
        database = engine.url.database
        if engine.dialect.name != "sqlite" or not database or database == ":memory:":
            yield
            return
        with open(f"{database}.{name}.lock", "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """Yield a session that commits on success and rolls back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
