"""Message catalogues (Estonian default, English) and the lookup every visible string uses.

Keys are dotted names; enumeration values are labelled as `enum.<EnumName>.<value>`.
The base catalogues are `et.py` and `en.py`; feature areas add theirs in `areas/`.
A missing key is a bug, found by tests/core/test_i18n.py, and shows as the key itself.
"""

from __future__ import annotations

import importlib
import pkgutil
from enum import Enum
from typing import Any

from core.i18n import areas, en, et

DEFAULT_LANGUAGE = "et"


def _merged() -> dict[str, dict[str, str]]:
    catalogues = {"et": dict(et.MESSAGES), "en": dict(en.MESSAGES)}
    for module_info in sorted(pkgutil.iter_modules(areas.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{areas.__name__}.{module_info.name}")
        for lang, messages in (("et", module.ET), ("en", module.EN)):
            twice = set(messages) & set(catalogues[lang])
            if twice:
                raise RuntimeError(f"message keys defined twice ({module_info.name}): {twice}")
            catalogues[lang].update(messages)
    return catalogues


CATALOGUES: dict[str, dict[str, str]] = _merged()
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
