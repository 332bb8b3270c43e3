"""Helpers shared by the Due, Materials, Partners and Tasks pages."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import streamlit as st

from core.permissions import Actor
from ui import nav
from ui.i18n import tr


def record_link(actor: Actor, page_key: str, query: dict[str, str]) -> str | None:
    """The URL of a record's page, or None when that page does not exist or is not allowed."""
    target = nav.page_for(actor, page_key)
    if target is None:
        return None
    return f"{nav.url_path(target)}?{urlencode(query)}"


def selected_row(event: Any) -> int | None:
    rows = event.selection.rows if event and event.selection else []
    return int(rows[0]) if rows else None


def view_switch(views: list[str], key: str, prefix: str, clear: tuple[str, ...] = ()) -> str:
    """A segmented control whose choice lives in the URL's `view` parameter.

    The URL is the truth: the widget is set from it on every run (before it is drawn), and a
    click changes the URL in the widget's callback, so code may also switch the view by
    setting `view` in the URL and rerunning.
    """
    params = st.query_params
    if params.get("view") not in views:
        params["view"] = views[0]

    def _changed() -> None:
        chosen = st.session_state.get(key)
        if chosen in views and chosen != params.get("view"):
            params["view"] = chosen
            for name in clear:
                params.pop(name, None)

    if st.session_state.get(key) != params["view"]:
        st.session_state[key] = params["view"]
    st.segmented_control(
        tr(f"{prefix}.view"),
        views,
        format_func=lambda v: tr(f"{prefix}.view.{v}"),
        key=key,
        on_change=_changed,
        label_visibility="collapsed",
    )
    return str(params["view"])
