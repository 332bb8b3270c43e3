"""Backups taken while the app writes are consistent; a restore brings one back."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from core import audit, backup, db
from core.backup import BackupNotSupported
from core.models import ContactLog, Partner
from tests.conftest import TEST_DATABASE_URL

sqlite_only = pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="SQLite online backup only")


def _write_pairs(stop: threading.Event, written: list[int]) -> None:
    """Each transaction adds a partner and its contact: a consistent copy has equal counts."""
    while not stop.is_set():
        with db.write_session() as session:
            partner = Partner(name=f"Partner {len(written)}", partner_type="ngo")
            session.add(partner)
            session.flush()
            session.add(
                ContactLog(partner_id=partner.id, contacted_on=date(2026, 11, 1), topic="Koostöö")
            )
        written.append(1)


def _counts() -> tuple[int, int]:
    with db.read_session() as session:
        partners = session.execute(select(func.count()).select_from(Partner)).scalar_one()
        contacts = session.execute(select(func.count()).select_from(ContactLog)).scalar_one()
    return partners, contacts


@sqlite_only
def test_a_backup_during_concurrent_writes_is_whole_and_consistent(demo_db, tmp_path):
    seeded_partners, seeded_contacts = _counts()
    stop, written = threading.Event(), []
    writer = threading.Thread(target=_write_pairs, args=(stop, written))
    writer.start()
    try:
        while len(written) < 20:
            threading.Event().wait(0.01)
        copy = backup.backup(demo_db, tmp_path / "copy.sqlite3")
        copied_while_writing = len(written)
    finally:
        stop.set()
        writer.join()
    assert copy.integrity == "ok"
    new_partners = copy.tables["partner"] - seeded_partners
    new_contacts = copy.tables["contact_log"] - seeded_contacts
    assert new_partners == new_contacts, "a pair was torn apart: the copy is not a snapshot"
    assert 20 <= new_partners <= max(copied_while_writing, len(written))
    assert copy.tables["therapy_session"] > 0
    assert copy.tables["partner"] <= _counts()[0]


@sqlite_only
def test_restore_brings_a_backup_back(demo_db, tmp_path):
    saved = backup.backup(demo_db, tmp_path / "before.sqlite3")
    with db.write_session() as session:
        session.add(Partner(name="Hiljem lisatud", partner_type="ngo"))
    with db.read_session() as session:
        versions_before = (audit.data_version(session), audit.data_version(session, facts=True))
    restored = backup.restore(demo_db, tmp_path / "before.sqlite3")
    assert restored.integrity == "ok"
    assert restored.tables["partner"] == saved.tables["partner"]
    # Caches in running processes are keyed by these counters: after a restore they must
    # be new, never a number those caches already hold.
    with db.read_session() as session:
        assert audit.data_version(session) > versions_before[0]
        assert audit.data_version(session, facts=True) > versions_before[1]


@sqlite_only
def test_restore_refuses_a_file_that_is_not_a_backup(db_url, tmp_path):
    junk = tmp_path / "junk.sqlite3"
    import sqlite3

    sqlite3.connect(junk).execute("CREATE TABLE x (a)").connection.commit()
    with pytest.raises(Exception, match="not_a_backup"):
        backup.restore(db_url, junk)


def test_postgresql_backups_are_left_to_pg_dump():
    with pytest.raises(BackupNotSupported):
        backup.backup("postgresql+psycopg://u:p@localhost/db", "/tmp/never-written")
