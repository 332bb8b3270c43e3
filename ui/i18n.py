"""The reader's language in this browser session, and translation bound to it."""

from __future__ import annotations

from enum import Enum
from typing import Any

import streamlit as st

from core import i18n

_KEY = "lang"
# Widget state does not survive a page switch; the chosen language lives in _KEY.
_WIDGET_KEY = "_lang_switch"


def current_language() -> str:
    if not st.session_state.get(_KEY):
        wanted = st.query_params.get("lang", i18n.DEFAULT_LANGUAGE)
        st.session_state[_KEY] = wanted if wanted in i18n.LANGUAGES else i18n.DEFAULT_LANGUAGE
    return str(st.session_state[_KEY])


def tr(key: str, **params: Any) -> str:
    return i18n.t(key, current_language(), **params)


def label(value: Enum | str, enum_name: str | None = None) -> str:
    return i18n.enum_label(value, current_language(), enum_name)


def _remember_choice() -> None:
    chosen = st.session_state.get(_WIDGET_KEY)
    if chosen in i18n.LANGUAGES:
        st.session_state[_KEY] = chosen


def language_switch() -> None:
    st.session_state[_WIDGET_KEY] = current_language()
    st.segmented_control(
        tr("sidebar.language"),
        options=list(i18n.LANGUAGES),
        format_func=lambda code: {"et": "Eesti", "en": "English"}[code],
        key=_WIDGET_KEY,
        selection_mode="single",
        on_change=_remember_choice,
    )
