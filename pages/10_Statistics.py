"""Statistics and impact: shared filters, the KPI board, charts by section, the glossary."""

import streamlit as st

from core import db
from core.errors import DomainError
from core.permissions import Permission
from core.statistics import views
from ui import guard, widgets
from ui import statistics_sections as sections
from ui import statistics_views as sv
from ui.i18n import tr

actor = guard.page(Permission.VIEW_STATISTICS, title_key="stat.title")

st.title(tr("stat.title"))
filters = sv.current_filters()
try:
    with db.read_session() as session:
        view = views.statistics_view(session, actor, filters=filters)
except DomainError as error:
    widgets.show_error(error)
    st.stop()

sv.filter_bar(filters, view.provider_names)
section = sv.section_switch()
sv.legend(view)

if section == "overview":
    sv.tiles(
        view, ("clients", "new_clients", "continuing_clients", "sessions", "sessions_per_client")
    )
    sv.tiles(
        view,
        ("cost", "cost_per_client", "waiting_median", "waiting_within_target", "one_session_share"),
        inverted=("waiting_median", "one_session_share"),
    )
    sv.kpi_board(actor, view)
    sv.settings_form(actor)
    left, right = st.columns(2)
    with left:
        sections.clients_and_sessions(actor, view)
    with right:
        sections.breakdown(actor, view, "county", table=False)
elif section == "activity":
    sv.tiles(
        view, ("clients", "new_clients", "continuing_clients", "sessions", "sessions_per_client")
    )
    sections.clients_and_sessions(actor, view)
    sections.new_and_continuing(actor, view)
elif section == "waiting":
    sections.waiting(actor, view)
elif section == "cost":
    sections.cost(actor, view)
elif section == "breakdown":
    dimensions = tuple(d for d in sv.BREAKDOWN_DIMENSIONS if d in view.breakdowns)
    dimension = st.segmented_control(
        tr("stat.breakdown.by"),
        dimensions,
        default="county",
        format_func=sv.labels_of("stat.dimension", dimensions),
        key="stat_breakdown_dimension",
    )
    sections.breakdown(actor, view, dimension or "county")
elif section == "outcomes":
    sections.outcomes(actor, view)
elif section == "satisfaction":
    sections.satisfaction(actor, view)
else:
    sections.glossary_table(view)
