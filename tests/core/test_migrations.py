"""The Alembic history builds the same schema as the models, and can be walked back."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import core.models  # noqa: F401
from core import db


def test_upgrade_to_head_matches_the_models_and_downgrades_cleanly(tmp_path):
    url = f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
    db.upgrade_to_head(url)
    engine = db.get_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []
    tables = set(inspect(engine).get_table_names())
    assert {"provider", "therapy_session", "case", "audit_entry", "user"} <= tables
    command.downgrade(db.alembic_config(url), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    db.upgrade_to_head(url)
    db.dispose_engines()


def test_migrated_database_is_at_head(db_url):
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(db.alembic_config(db_url)).get_current_head()
    with db.get_engine(db_url).connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == head
