"""Consistent copies of the database while the app is in use, and bringing one back.

SQLite: the online backup API copies page by page under the database's own locking, so a
copy taken during writes is a consistent snapshot. PostgreSQL: pg_dump and pg_restore are
the standard tools; this module says so instead of imitating them.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from core.errors import DomainError


class BackupNotSupported(DomainError):
    key = "backup.use_pg_tools"


@dataclass(frozen=True)
class BackupCheck:
    integrity: str
    tables: dict[str, int]


def _sqlite_path(url: str) -> Path:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        raise BackupNotSupported(backend=parsed.get_backend_name())
    if not parsed.database or parsed.database == ":memory:":
        raise DomainError("backup.no_file")
    return Path(parsed.database)


def backup(url: str, target: Path) -> BackupCheck:
    source_path = _sqlite_path(url)
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        target.unlink()
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True, timeout=30)
    try:
        destination = sqlite3.connect(target)
        try:
            source.backup(destination, pages=1024)
        finally:
            destination.close()
    finally:
        source.close()
    return check(target)


def check(path: Path) -> BackupCheck:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
        names = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        tables = {
            name: connection.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]  # noqa: S608 - names from sqlite_master
            for name in sorted(names)
        }
    finally:
        connection.close()
    return BackupCheck(integrity=integrity, tables=tables)


def restore(url: str, source: Path) -> BackupCheck:
    """Replace the live database with `source` (after checking the copy is sound)."""
    verified = check(Path(source))
    if verified.integrity != "ok" or "alembic_version" not in verified.tables:
        raise DomainError("backup.not_a_backup")
    target_path = _sqlite_path(url)
    origin = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        live = sqlite3.connect(target_path, timeout=30)
        try:
            origin.backup(live)
            # The restored counters are older than what running app processes have cached
            # results for; a jump past any count of writes makes every cache key new.
            live.execute("UPDATE data_version SET value = value + ?", (int(time.time()) * 1000,))
            live.commit()
        finally:
            live.close()
    finally:
        origin.close()
    return check(target_path)
