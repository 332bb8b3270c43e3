"""Alembic environment: the schema is core.models' SQLModel metadata.

SQLite needs batch mode to alter tables; the URL is the application's own setting, so the
app, the command line and `alembic` itself always migrate the same database.
"""

from alembic import context
from sqlmodel import SQLModel

import core.models  # noqa: F401 - registers every table on the metadata
from core.config import load_settings
from core.db import get_engine

config = context.config
target_metadata = SQLModel.metadata


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or load_settings().database_url


def run_migrations_offline() -> None:
    url = _url()
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=url.startswith("sqlite"),
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    with get_engine(_url()).connect() as own:
        _run(own)
        own.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
