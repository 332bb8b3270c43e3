"""One engine per process, short sessions, and the schema upgrade on start.

SQLite gets WAL, a busy timeout and foreign keys on every connection; a write session
starts with BEGIN IMMEDIATE so that two writers queue instead of failing half-way.
PostgreSQL is reached through `postgresql+psycopg://`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm.exc import StaleDataError
from sqlmodel import Session, create_engine

from core.config import PROJECT_ROOT, load_settings
from core.errors import ConflictError, NotFound

SQLITE_BUSY_TIMEOUT_MS = 10_000
_WRITE_OPTION = "tttvt_write"

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event decide how a transaction starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        writes = connection.get_execution_options().get(_WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


def get_engine(url: str | None = None) -> Engine:
    url = url or load_settings().database_url
    with _lock:
        if url not in _engines:
            _engines[url] = make_engine(url)
        return _engines[url]


def dispose_engines() -> None:
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


@contextmanager
def read_session(engine: Engine | None = None) -> Iterator[Session]:
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        yield session


@contextmanager
def write_session(engine: Engine | None = None) -> Iterator[Session]:
    """A session whose transaction takes the write lock first and commits on success."""
    bound = (engine or get_engine()).execution_options(**{_WRITE_OPTION: True})
    with Session(bound, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except StaleDataError as error:
            # version_id_col found a newer row: someone else saved first.
            session.rollback()
            raise ConflictError() from error
        except BaseException:
            session.rollback()
            raise


def get_for_update(
    session: Session, model: type[Any], record_id: int, expected_version: int | None
) -> Any:
    """The row a caller loaded earlier and now changes; refused when someone saved it since.

    `expected_version` is the version the caller saw (None: it saw none, so any is newer).
    version_id_col still guards the race between this check and the commit.
    """
    row = session.get(model, record_id)
    if row is None:
        raise NotFound(table=model.__tablename__, id=record_id)
    if expected_version is None or row.version != expected_version:
        raise ConflictError(table=model.__tablename__, id=record_id)
    return row


def alembic_config(url: str | None = None) -> Any:
    from alembic.config import Config

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.set_main_option(
        "sqlalchemy.url", (url or load_settings().database_url).replace("%", "%%")
    )
    return config


def upgrade_to_head(url: str | None = None) -> None:
    """Bring the schema to the newest migration (what the app does on every start)."""
    from alembic import command

    url = url or load_settings().database_url
    config = alembic_config(url)
    with get_engine(url).begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
