"""Feedback: entry with the personal-data check, follow-up, analysis, import, themes."""

import streamlit as st

from core.permissions import Permission
from ui import feedback_views, guard
from ui.i18n import tr

actor = guard.page(Permission.VIEW_STATISTICS, title_key="feedback.title")
params = st.query_params
views = feedback_views.allowed_views(actor)

if params.get("event") and "entry" in views:
    params["view"] = "entry"
if params.get("feedback") and "list" in views and params.get("view") not in views:
    params["view"] = "list"
if params.get("view") not in views:
    params["view"] = "entry" if "entry" in views else views[0]

st.title(tr("feedback.title"))


def _choose_view() -> None:
    chosen = st.session_state.get("feedback_view")
    if chosen and chosen != params.get("view"):
        params["view"] = chosen
        params.pop("feedback", None)
        params.pop("event", None)


if len(views) > 1:
    st.session_state["feedback_view"] = params["view"]
    st.segmented_control(
        tr("feedback.view"),
        views,
        format_func=lambda v: tr(f"feedback.view.{v}"),
        key="feedback_view",
        label_visibility="collapsed",
        on_change=_choose_view,
    )
view = params["view"]

if view == "entry":
    feedback_views.entry_view(actor, event_param=params.get("event"))
elif view == "list":
    feedback_views.list_view(actor, params)
elif view == "analysis":
    feedback_views.analysis_view(actor)
elif view == "import":
    feedback_views.import_view(actor)
elif view == "themes":
    feedback_views.themes_view(actor)
