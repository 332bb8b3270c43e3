"""Per-process result caches keyed by the data version.

Every write advances the data version (core.audit), so a key that contains it can never
return figures older than the database; several app processes each keep their own cache
and stay correct for the same reason. Used by the Overview and the statistics.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlmodel import Session

from core import audit
from core.settings import suppression_k

CACHE_SIZE = 64
T = TypeVar("T")

_lock = threading.Lock()
_cache: OrderedDict[Hashable, Any] = OrderedDict()


def cached(key: Hashable, build: Callable[[], T]) -> T:
    """The value for `key`, built (outside the lock) when it is not there yet."""
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    value = build()
    with _lock:
        _cache[key] = value
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return value


def forget() -> None:
    with _lock:
        _cache.clear()


def cache_key(session: Session, *parts: Hashable) -> tuple[Hashable, ...]:
    """The database, its data version and k, then the caller's own parts."""
    bind = session.get_bind()
    url = bind.url.render_as_string(hide_password=True)  # type: ignore[union-attr]
    return (url, audit.data_version(session), suppression_k(session), *parts)
