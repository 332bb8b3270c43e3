"""PostgreSQL-specific behaviour: true concurrency and the backup advice.

The rest of the suite runs against PostgreSQL too when TEST_DATABASE_URL is set; these
tests need two connections that really overlap, which only a server database gives.
"""

from __future__ import annotations

import pytest

from core import backup, db
from core.backup import BackupNotSupported
from core.errors import ConflictError
from core.models import Provider
from tests.conftest import TEST_DATABASE_URL

pytestmark = [
    pytest.mark.pg,
    pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs TEST_DATABASE_URL (PostgreSQL)"),
]


def test_overlapping_transactions_on_one_row_end_in_one_conflict(engine):
    with db.write_session() as session:
        provider = Provider(name="Hingerahu OÜ", registry_code="12345678")
        session.add(provider)
    with pytest.raises(ConflictError), db.write_session() as slow:
        mine = slow.get(Provider, provider.id)
        # Another person saves the same row while this transaction is still open.
        with db.write_session() as fast:
            fast.get(Provider, provider.id).name = "Kiirem nimi OÜ"
        mine.name = "Aeglasem nimi OÜ"
    with db.read_session() as session:
        saved = session.get(Provider, provider.id)
        assert (saved.name, saved.version) == ("Kiirem nimi OÜ", 2)


def test_backup_command_points_to_pg_dump(db_url):
    with pytest.raises(BackupNotSupported):
        backup.backup(db_url, "/tmp/never-written.sqlite3")
