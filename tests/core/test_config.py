"""The cookie key and the production start checks."""

from __future__ import annotations

import pytest

from core.bootstrap import StartState, check_production
from core.config import ConfigError, CookieKey, load_settings, resolve_cookie_key


def test_a_key_is_generated_once_and_then_reused(tmp_path, monkeypatch):
    monkeypatch.setenv("APP_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("COOKIE_KEY", raising=False)
    first = resolve_cookie_key(load_settings(), None)
    second = resolve_cookie_key(load_settings(), None)
    assert first.generated and first.value == second.value
    assert len(first.value.encode()) >= 32
    assert (tmp_path / "cookie_key").stat().st_mode & 0o077 == 0


def test_secrets_win_over_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("APP_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COOKIE_KEY", "e" * 40)
    assert resolve_cookie_key(load_settings(), "s" * 40) == CookieKey("s" * 40, generated=False)
    assert resolve_cookie_key(load_settings(), None) == CookieKey("e" * 40, generated=False)


@pytest.mark.parametrize("key", ["short", "some_key", "x" * 31, "random_signature_key"])
def test_short_or_default_keys_are_refused(tmp_path, monkeypatch, key):
    monkeypatch.setenv("APP_DATA_DIR", str(tmp_path))
    with pytest.raises(ConfigError):
        resolve_cookie_key(load_settings(), key)


def test_production_refuses_demo_users_and_generated_keys(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    settings = load_settings()
    good_key = CookieKey("k" * 40, generated=False)
    with pytest.raises(ConfigError):
        check_production(settings, good_key, StartState(seeded_demo=False, demo_users=True))
    with pytest.raises(ConfigError):
        check_production(
            settings,
            CookieKey("k" * 40, generated=True),
            StartState(seeded_demo=False, demo_users=False),
        )
    check_production(settings, good_key, StartState(seeded_demo=False, demo_users=False))
