"""Process settings read from the environment: the one place that knows configuration.

Domain settings that the coordinator may change (suppression threshold, per-client caps,
targets) live in the database instead; see `core.settings`.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

COOKIE_NAME = "tttvt_auth"
# At most 8 hours, expressed in the unit the authenticator expects (days).
COOKIE_LIFETIME_HOURS = 8
COOKIE_KEY_MIN_BYTES = 32
COOKIE_KEY_FILE = "cookie_key"

# Values that appear in the authenticator's documentation and examples: never acceptable.
KNOWN_DEFAULT_COOKIE_KEYS = frozenset(
    {"some_key", "some_signature_key", "random_signature_key", "abcdef", "key", "secret"}
)

MAX_FAILED_LOGINS = 10
LOCKOUT_MINUTES = 15

DEMO_PASSWORD = "tttvt-demo"  # noqa: S105 - documented demo password, only set by seed-demo


class ConfigError(RuntimeError):
    """The process cannot start with this configuration; the message says why."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    app_env: str

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"

    @property
    def is_test(self) -> bool:
        return self.app_env == "test"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def login_sleep_seconds(self) -> float | None:
        """Pause before the login form; None keeps the authenticator's default.

        Only the test environment removes it, so that test suites stay fast.
        """
        return 0.0 if self.is_test else None


def load_settings() -> Settings:
    data_dir = Path(os.environ.get("APP_DATA_DIR", PROJECT_ROOT / "data")).resolve()
    default_url = f"sqlite:///{data_dir / 'tttvt.sqlite3'}"
    return Settings(
        data_dir=data_dir,
        database_url=os.environ.get("DATABASE_URL", default_url),
        app_env=os.environ.get("APP_ENV", "development").strip().lower(),
    )


@dataclass(frozen=True)
class CookieKey:
    value: str
    generated: bool


def validate_cookie_key(key: str) -> str:
    key = key.strip()
    if key.lower() in KNOWN_DEFAULT_COOKIE_KEYS:
        raise ConfigError("The cookie key is a library default; set a random key of 32+ bytes.")
    if len(key.encode("utf-8")) < COOKIE_KEY_MIN_BYTES:
        raise ConfigError(
            f"The cookie key is shorter than {COOKIE_KEY_MIN_BYTES} bytes; set a longer random key."
        )
    return key


def resolve_cookie_key(settings: Settings, from_secrets: str | None) -> CookieKey:
    """Secrets first, then the COOKIE_KEY environment variable, then a generated key file."""
    for candidate in (from_secrets, os.environ.get("COOKIE_KEY")):
        if candidate:
            return CookieKey(validate_cookie_key(candidate), generated=False)
    key_file = settings.data_dir / COOKIE_KEY_FILE
    if key_file.exists():
        return CookieKey(validate_cookie_key(key_file.read_text(encoding="utf-8")), generated=True)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(COOKIE_KEY_MIN_BYTES)  # 32 random bytes, 43 characters
    # Create with owner-only permissions; another process may win the race, then read theirs.
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return CookieKey(validate_cookie_key(key_file.read_text(encoding="utf-8")), generated=True)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value)
    return CookieKey(value, generated=True)
