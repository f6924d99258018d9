"""Persistence: SQLAlchemy 2.x on SQLite by default (a temporary file unless a path or URL is given)."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from datetime import timezone
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    TypeDecorator,
    create_engine,
    event,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql, sqlite

# The state key holding the version of what a mock stores (mock_kit.app.init_mock's data_format).
DATA_FORMAT_KEY = "data_format"

# The mock's own bookkeeping (state, logins): kept across scenario loads, unlike the mock's tables.
state_metadata = MetaData()
mock_state = Table(
    "mock_state",
    state_metadata,
    Column("key", String(64), primary_key=True),
    Column("value", JSON, nullable=False),
)


# The request journal of a mock served by several processes (mock_kit.request_journal.SharedRequestJournal).
mock_journal = Table(
    "mock_journal",
    state_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("entry", JSON, nullable=False),
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


class position_of(FunctionElement):
    """Where ``needle`` stands in ``haystack`` (1-based; 0 when absent): a plain substring test, with
    no LIKE wildcards to escape — ``instr`` in SQLite, ``strpos`` in PostgreSQL."""

    type = Integer()
    inherit_cache = True
    name = "position_of"


@compiles(position_of)
def _position_sqlite(element, compiler, **kw):
    return f"instr({compiler.process(element.clauses, **kw)})"


@compiles(position_of, "postgresql")
def _position_postgresql(element, compiler, **kw):
    return f"strpos({compiler.process(element.clauses, **kw)})"


def upsert(conn, table: Table, rows: list[dict], *, key: str = "id") -> None:
    """Insert or update by ``key``, as one executemany (ON CONFLICT, in SQLite's or PostgreSQL's words)."""
    if not rows:
        return
    stmt: postgresql.Insert | sqlite.Insert
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        stmt = postgresql_insert(table)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(table)
    columns = [c for c in rows[0] if c != key]
    if columns:
        stmt = stmt.on_conflict_do_update(index_elements=[key], set_={c: stmt.excluded[c] for c in columns})
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=[key])
    conn.execute(stmt, rows)


def _add_missing_columns(engine: Engine, metadata: MetaData) -> None:
    """A database made before a nullable column of the mock's own bookkeeping was added (a login's
    last request) gets the column: a restart on an older database keeps working."""
    with engine.begin() as conn:
        inspector = inspect(conn)
        for table in metadata.sorted_tables:
            present = {c["name"] for c in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name not in present and column.nullable:
                    kind = column.type.compile(dialect=conn.dialect)
                    conn.execute(text(f"ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}"))


class Database:
    """One engine and session factory per mock, with a small key/value table for mock state."""

    def __init__(self, url: str, metadata: MetaData, *, create: bool = True):
        self.url = url
        self.metadata = metadata
        kwargs: dict[str, Any] = {}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        if url.startswith("postgresql"):
            kwargs["pool_pre_ping"] = True
        self.engine: Engine = create_engine(url, **kwargs)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.Session = sessionmaker(self.engine, expire_on_commit=False)
        if create:  # init_mock creates them under its cross-process lock instead
            self.create_all()

    def create_all(self) -> None:
        self.metadata.create_all(self.engine)
        state_metadata.create_all(self.engine)
        _add_missing_columns(self.engine, state_metadata)

    def drop_all(self) -> None:
        self.metadata.drop_all(self.engine)

    def delete_all(self) -> None:
        """Empty every table of the mock's own data in one transaction, keeping the tables: other
        processes reading meanwhile see the old rows, never a missing table."""
        with self.engine.begin() as conn:
            for table in reversed(self.metadata.sorted_tables):
                conn.execute(table.delete())

    def session(self) -> Session:
        return self.Session()

    def get_state(self, key: str, default=None):
        with self.engine.connect() as conn:
            row = conn.execute(select(mock_state.c.value).where(mock_state.c.key == key)).first()
        return default if row is None else row[0]

    def set_state(self, key: str, value) -> None:
        json.dumps(value)  # fail early on values the column cannot hold
        with self.engine.begin() as conn:
            # Parameters apart from the statement: a statement with .values() would be kept in
            # SQLAlchemy's compiled cache together with its values (a whole scenario document).
            upsert(conn, mock_state, [{"key": key, "value": value}], key="key")

    @staticmethod
    def stamp(conn, key: str, value) -> None:
        """``set_state`` inside the caller's transaction."""
        upsert(conn, mock_state, [{"key": key, "value": value}], key="key")

    def records(self) -> dict[str, int]:
        """Rows per table of the mock's own data."""
        with self.engine.connect() as conn:
            return {
                t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in self.metadata.sorted_tables
            }

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


class UTCDateTime(TypeDecorator):
    """The one column type for instants: aware datetimes in and out (UTC), kept in the column as
    naive UTC so SQLite compares them correctly; a naive value is refused."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=timezone.utc)
