"""What a process does before serving: check the configuration, migrate, fill reference data.

On a fresh developer checkout the first start also seeds the demo, so a newcomer is in the
app with one command. In production the start is refused while demo users exist or the
cookie key was generated on the fly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from core import db
from core.config import ConfigError, CookieKey, Settings
from core.seed import has_domain_data, seed_demo
from core.services.users import demo_users_exist, user_count
from core.settings import ensure_reference_data


@dataclass(frozen=True)
class StartState:
    seeded_demo: bool
    demo_users: bool


def prepare_database(
    settings: Settings, *, seed_if_empty: bool, progress: Callable[[float, str], None] | None = None
) -> StartState:
    db.upgrade_to_head(settings.database_url)
    engine = db.get_engine(settings.database_url)
    seeded = False
    with db.write_session(engine) as session:
        ensure_reference_data(session)
        fresh = user_count(session) == 0 and not has_domain_data(session)
        if fresh and seed_if_empty and not settings.is_production:
            seed_demo(session, progress=progress or (lambda _f, _m: None))
            seeded = True
    with db.read_session(engine) as session:
        demo = demo_users_exist(session)
    return StartState(seeded_demo=seeded, demo_users=demo)


def check_production(settings: Settings, cookie_key: CookieKey, state: StartState) -> None:
    if not settings.is_production:
        return
    if state.demo_users:
        raise ConfigError("APP_ENV=production: demo users exist; disable or remove them first.")
    if cookie_key.generated:
        raise ConfigError("APP_ENV=production: set cookie_key in secrets or COOKIE_KEY.")
