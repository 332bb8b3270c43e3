"""Optimistic locking: two people load one record, both save, one wins, one is told."""

from __future__ import annotations

import pytest

from core import db
from core.errors import ConflictError
from core.models import Provider
from core.services import users


def test_two_people_load_one_row_both_save_one_wins_one_is_told(engine):
    with db.write_session() as session:
        provider = Provider(name="Hingerahu OÜ", registry_code="12345678")
        session.add(provider)
    with db.read_session() as session:
        mine = session.get(Provider, provider.id)
    with db.read_session() as session:
        theirs = session.get(Provider, provider.id)
    mine.name = "Hingerahu Keskus OÜ"
    with db.write_session() as session:
        session.merge(mine)
    theirs.name = "Teine nimi OÜ"
    with pytest.raises(ConflictError), db.write_session() as session:
        session.merge(theirs)
    with db.read_session() as session:
        saved = session.get(Provider, provider.id)
        assert saved.name == "Hingerahu Keskus OÜ"
        assert saved.version == 2


def test_a_service_save_over_a_newer_version_is_refused_and_changes_nothing(engine, admin):
    with db.write_session() as session:
        created = users.create_user(
            session,
            admin,
            username="mari",
            name="Mari Tamm",
            password="pikk-parool-1",
            roles=["viewer"],
        )
    with db.write_session() as session:
        users.set_roles(
            session, admin, user_id=created.id, roles=["lead"], expected_version=created.version
        )
    with pytest.raises(ConflictError), db.write_session() as session:
        users.set_roles(
            session,
            admin,
            user_id=created.id,
            roles=["coordinator"],
            expected_version=created.version,
        )
    with db.read_session() as session:
        assert users.find_by_username(session, "mari").roles == ["lead"]
