"""Persistence: SQLAlchemy 2.x on SQLite by default (a temporary file unless a path or URL is given)."""
from __future__ import annotations

import hashlib
import json
import os
import tempfile

from sqlalchemy import JSON, Column, MetaData, String, Table, create_engine, event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

# The mock's own bookkeeping (state, logins): kept across scenario loads, unlike the mock's tables.
state_metadata = MetaData()
mock_state = Table(
    "mock_state", state_metadata,
    Column("key", String(64), primary_key=True),
    Column("value", JSON, nullable=False),
)


def database_url(value: str | None, *, name: str) -> str:
    """A URL from a config value: a URL as is, a path as SQLite, nothing as a fresh temporary file."""
    if not value:
        fd, path = tempfile.mkstemp(prefix=f"{name}-", suffix=".sqlite3")
        os.close(fd)
        return f"sqlite:///{path}"
    if "://" in value:
        return value
    return f"sqlite:///{os.path.abspath(value)}"


def _sqlite_pragmas(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class Database:
    """One engine and session factory per mock, with a small key/value table for mock state."""

    def __init__(self, url: str, metadata: MetaData):
        self.url = url
        self.metadata = metadata
        kwargs = {}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        self.engine: Engine = create_engine(url, **kwargs)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.Session = sessionmaker(self.engine, expire_on_commit=False)
        self.create_all()

    def create_all(self) -> None:
        self.metadata.create_all(self.engine)
        state_metadata.create_all(self.engine)

    def drop_all(self) -> None:
        self.metadata.drop_all(self.engine)

    def session(self) -> Session:
        return self.Session()

    def get_state(self, key: str, default=None):
        with self.engine.connect() as conn:
            row = conn.execute(select(mock_state.c.value).where(mock_state.c.key == key)).first()
        return default if row is None else row[0]

    def set_state(self, key: str, value) -> None:
        json.dumps(value)  # fail early on values the column cannot hold
        with self.engine.begin() as conn:
            conn.execute(mock_state.delete().where(mock_state.c.key == key))
            # Parameters apart from the statement: a statement with .values() would be kept in
            # SQLAlchemy's compiled cache together with its values (a whole scenario document).
            conn.execute(mock_state.insert(), {"key": key, "value": value})

    def records(self) -> dict[str, int]:
        """Rows per table of the mock's own data."""
        with self.engine.connect() as conn:
            return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                    for t in self.metadata.sorted_tables}

    def digest(self) -> str:
        """A fingerprint of every row of the mock's own data: equal before and after a refused
        request proves nothing was stored (tests of bad input compare it)."""
        hasher = hashlib.sha256()
        with self.engine.connect() as conn:
            for table in self.metadata.sorted_tables:
                hasher.update(table.name.encode())
                order = list(table.primary_key.columns) or list(table.columns)
                for row in conn.execute(select(table).order_by(*order)):
                    hasher.update(repr(tuple(row)).encode())
        return hasher.hexdigest()

    def dispose(self) -> None:
        self.engine.dispose()
