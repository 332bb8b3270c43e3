"""Shared fixtures: a migrated database per test (SQLite file, or PostgreSQL when
TEST_DATABASE_URL is set), actors for every role, and demo data."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

os.environ["APP_ENV"] = "test"  # before core reads its settings: fast hashing, no login pause

import pytest
from sqlalchemy import Engine, text
from sqlmodel import SQLModel

from core import cache as statistics_cache
from core import db
from core.models import Role
from core.permissions import Actor
from core.seed import seed_demo
from core.settings import ensure_reference_data
from core.statistics import store as statistics_store

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
FIXED_TODAY = date(2026, 11, 24)
DEMO_SESSIONS = 1500


def _truncate_all(engine: Engine) -> None:
    names = ", ".join(f'"{table.name}"' for table in SQLModel.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(scope="session")
def _migrated_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated database made once: a SQLite file to copy, or the PostgreSQL test database."""
    if TEST_DATABASE_URL:
        engine = db.get_engine(TEST_DATABASE_URL)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        db.upgrade_to_head(TEST_DATABASE_URL)
        return TEST_DATABASE_URL
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    url = f"sqlite:///{path}"
    db.upgrade_to_head(url)
    db.dispose_engines()
    return str(path)


@pytest.fixture
def db_url(
    _migrated_template: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    monkeypatch.setenv("APP_DATA_DIR", str(tmp_path / "data"))
    # The statistics caches live per process and are keyed by URL and data version, which
    # repeat between tests on the one PostgreSQL test database.
    statistics_store.forget()
    statistics_cache.forget()
    if TEST_DATABASE_URL:
        _truncate_all(db.get_engine(TEST_DATABASE_URL))
        url = TEST_DATABASE_URL
    else:
        target = tmp_path / "test.sqlite3"
        shutil.copyfile(_migrated_template, target)
        url = f"sqlite:///{target}"
    monkeypatch.setenv("DATABASE_URL", url)
    with db.write_session(db.get_engine(url)) as session:
        ensure_reference_data(session)
    yield url
    if not TEST_DATABASE_URL:
        db.dispose_engines()


@pytest.fixture
def engine(db_url: str) -> Engine:
    return db.get_engine(db_url)


@pytest.fixture
def demo_db(db_url: str) -> str:
    with db.write_session() as session:
        seed_demo(session, sessions=DEMO_SESSIONS)
    return db_url


def actor_with(*roles: Role, username: str = "tester") -> Actor:
    return Actor(username=username, roles=frozenset(roles))


@pytest.fixture
def coordinator() -> Actor:
    return actor_with(Role.COORDINATOR, username="koordinaator")


@pytest.fixture
def lead() -> Actor:
    return actor_with(Role.LEAD, username="tiimijuht")


@pytest.fixture
def viewer() -> Actor:
    return actor_with(Role.VIEWER, username="vaatleja")


@pytest.fixture
def admin() -> Actor:
    return actor_with(Role.ADMIN, username="admin")
