"""Open the database: make the engine, upgrade the schema to the newest revision, hand out sessions.

``open_database()`` with no argument uses ``HINGE_REVIEW_DATABASE_URL`` or one
SQLite file in the data folder (WAL journal, foreign keys on, a busy timeout so
the page and the worker can write at the same time). Migrations run from
``store/migrations`` without any alembic.ini; two processes opening the same
database at once take turns (a file lock for SQLite, an advisory lock for
PostgreSQL).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from store import settings

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000
_PG_MIGRATION_LOCK_ID = 0x48494E47  # any constant shared by every process migrating this schema


def alembic_config(connection=None) -> Config:
    """An Alembic config pointing at the packaged migrations (and at ``connection`` when given)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def create_db_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get their folder created and the pragmas above."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


@contextlib.contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """Only one process upgrades a given database at a time."""
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        lock_path = Path(f"{engine.url.database}.migrate.lock")
        with open(lock_path, "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
        return
    yield


def _sqlite_foreign_keys(conn, on: bool) -> None:
    """SQLite's foreign keys on or off for this connection: off while migrations rebuild tables (dropping
    the old copy of a table would otherwise cascade into the rows that refer to it)."""
    conn.exec_driver_sql(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
    conn.commit()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (default: the newest)."""
    with _migration_lock(engine), engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_MIGRATION_LOCK_ID})
            conn.commit()
        if conn.dialect.name == "sqlite":
            _sqlite_foreign_keys(conn, on=False)
        try:
            command.upgrade(alembic_config(conn), revision)
            conn.commit()
        finally:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_MIGRATION_LOCK_ID})
                conn.commit()
            if conn.dialect.name == "sqlite":
                _sqlite_foreign_keys(conn, on=True)


@dataclass
class Database:
    """An upgraded database: ``with db.session() as s, s.begin(): ...``."""

    url: str
    engine: Engine
    _sessions: sessionmaker[Session]

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self) -> Session:
        """A new session (objects stay readable after commit)."""
        return self._sessions()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session inside one transaction: committed on success, rolled back on error."""
        with self._sessions() as s, s.begin():
            yield s

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(
    url: str | None = None, *, data_dir: str | os.PathLike[str] | None = None, migrate: bool = True
) -> Database:
    """Engine for ``url`` (or the configured default), upgraded to the newest schema."""
    resolved = settings.database_url(url, data_dir)
    engine = create_db_engine(resolved)
    if migrate:
        upgrade(engine)
    return Database(resolved, engine, sessionmaker(engine, expire_on_commit=False))
