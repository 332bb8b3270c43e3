"""Message catalogues (Estonian default, English) and the lookup every visible string uses.

Keys are dotted names; enumeration values are labelled as `enum.<EnumName>.<value>`.
A missing key is a bug, found by tests/core/test_i18n.py, and shows as the key itself.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from core.i18n import en, et

DEFAULT_LANGUAGE = "et"
CATALOGUES: dict[str, dict[str, str]] = {"et": et.MESSAGES, "en": en.MESSAGES}
LANGUAGES = tuple(CATALOGUES)


def t(key: str, lang: str = DEFAULT_LANGUAGE, **params: Any) -> str:
    catalogue = CATALOGUES.get(lang, CATALOGUES[DEFAULT_LANGUAGE])
    text = catalogue.get(key) or CATALOGUES[DEFAULT_LANGUAGE].get(key) or key
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text
    return text


def enum_label(value: Enum | str, lang: str, enum_name: str | None = None) -> str:
    name = enum_name or type(value).__name__
    raw = value.value if isinstance(value, Enum) else value
    return t(f"enum.{name}.{raw}", lang)
