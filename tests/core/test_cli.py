"""The command line: users, demo data, backup."""

from __future__ import annotations

import io

import pytest

from core import db
from core.__main__ import main
from core.services import auth
from core.services.auth import LoginOutcome
from tests.conftest import TEST_DATABASE_URL


def test_user_add_passwd_disable_and_list(db_url, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("algne-parool-1\n"))
    assert (
        main(
            [
                "user",
                "add",
                "mari",
                "--name",
                "Mari Tamm",
                "--roles",
                "coordinator",
                "--password-stdin",
            ]
        )
        == 0
    )
    monkeypatch.setattr("sys.stdin", io.StringIO("uus-parool-123\n"))
    assert main(["user", "passwd", "mari", "--password-stdin"]) == 0
    with db.write_session() as session:
        assert auth.authenticate(session, "mari", "uus-parool-123") is LoginOutcome.OK
    assert main(["user", "disable", "mari"]) == 0
    assert main(["user", "list"]) == 0
    assert "mari" in capsys.readouterr().out
    with db.write_session() as session:
        assert auth.authenticate(session, "mari", "uus-parool-123") is LoginOutcome.FAILED


def test_a_weak_password_is_refused_with_the_reason(db_url, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("lühike\n"))
    assert (
        main(["user", "add", "mari", "--name", "Mari", "--roles", "viewer", "--password-stdin"])
        == 2
    )
    assert "too short" in capsys.readouterr().err


def test_seed_demo_refuses_to_overwrite_without_replace(db_url, capsys):
    assert main(["seed-demo", "--sessions", "300"]) == 0
    assert main(["seed-demo", "--sessions", "300"]) == 2
    assert main(["seed-demo", "--sessions", "300", "--replace"]) == 0


@pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="SQLite online backup only")
def test_backup_command_writes_a_checked_copy(demo_db, tmp_path, capsys):
    assert main(["backup", str(tmp_path / "b.sqlite3")]) == 0
    assert "integrity ok" in capsys.readouterr().out


def test_import_and_export_from_the_command_line(demo_db, tmp_path, capsys):
    from pathlib import Path

    samples = Path(__file__).resolve().parents[2] / "data" / "samples"
    assert main(["import", "providers", str(samples / "providers.csv")]) == 0
    assert "3 created" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text("Nimi;Registrikood\n=cmd;123\n", encoding="utf-8")
    assert main(["import", "providers", str(bad)]) == 2
    assert "missing" in capsys.readouterr().err
    assert main(["export", "public-list", str(tmp_path / "public.xlsx"), "--lang", "en"]) == 0
    assert (tmp_path / "public.xlsx").read_bytes()[:2] == b"PK"
