"""Engines, sessions and migrations.

SQLite (the embedded default) runs in WAL mode with foreign keys on; a transaction that
asks with ``IMMEDIATE_WRITE`` begins IMMEDIATE (it waits for the write lock up front).
``write_gate(engine)`` is a lock that lets a busy process queue its own SQLite writers
fairly instead of leaving them to SQLite's sleep-and-retry. PostgreSQL is reached by URL. ``upgrade(engine)`` applies the Alembic migrations and is called on
start and by ``mend db upgrade``.
"""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
IMMEDIATE_OPTION = "mend_sqlite_immediate"
# Pass as ``session.connection(execution_options=IMMEDIATE_WRITE)`` first thing in a transaction
# that will write after reading: on SQLite it begins IMMEDIATE (no effect on PostgreSQL).
IMMEDIATE_WRITE = {IMMEDIATE_OPTION: True}


def make_engine(url: str, *, root: Path | None = None, pool_size: int = 5) -> Engine:
    """An engine for ``url``; a relative SQLite path is taken from ``root`` and its folder created.

    Query parameters are hidden from SQLAlchemy's error messages: they may hold phone numbers.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database
        if db and db != ":memory:" and not Path(db).is_absolute() and root is not None:
            db = str(Path(root) / db)
            parsed = parsed.set(database=db)
        if db and db != ":memory:":
            Path(db).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            parsed, connect_args={"timeout": 30, "check_same_thread": False}, hide_parameters=True
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()
            dbapi_conn.isolation_level = None  # the driver's own BEGIN is off: _begin below emits it

        @event.listens_for(engine, "begin")
        def _begin(conn):
            # A deferred transaction that reads first and writes later fails at once ("database
            # is locked", no retry) when another writer committed in between; one begun with
            # IMMEDIATE_WRITE takes the write lock up front and waits its turn instead.
            immediate = conn.get_execution_options().get(IMMEDIATE_OPTION)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    return create_engine(
        parsed, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True, hide_parameters=True
    )


def write_gate(engine: Engine):
    """A lock for one process's writers to take turns on SQLite (a no-op on PostgreSQL).

    SQLite has one write lock, and a writer that finds it taken sleeps and retries (up to
    100 ms a time), so under load many threads of one process spend most of their time
    asleep. Taking this lock first queues them instead. Other processes still meet the
    busy timeout.
    """
    if engine.dialect.name == "sqlite":
        return threading.Lock()
    return contextlib.nullcontext()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def _alembic_config(engine: Engine):
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` (idempotent)."""
    from alembic import command

    command.upgrade(_alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"
