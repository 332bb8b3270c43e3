"""Meeting mode: a pivot of a glossary measure, presentation mode; the whole view in the URL."""

import streamlit as st

from core import db
from core.errors import DomainError
from core.permissions import Permission
from core.statistics import views
from core.statistics.pivot import PivotSpec, pivot
from ui import guard, meeting_views, widgets
from ui import statistics_views as sv
from ui.i18n import tr

actor = guard.page(Permission.VIEW_STATISTICS, title_key="stat.meeting.title")

presenting = st.query_params.get("present") == "1"
filters = sv.current_filters()
spec = PivotSpec.from_query(st.query_params.to_dict())
if "provider" in (spec.rows, spec.columns) and not views.sees_providers(actor):
    spec = PivotSpec()  # a colleague's link by provider: this reader sees the default view
try:
    with db.read_session() as session:
        view = views.statistics_view(session, actor, filters=filters)
        result = pivot(session, actor, filters=filters, spec=spec)
except DomainError as error:
    widgets.show_error(error)
    st.stop()

if presenting:
    meeting_views.presentation_style()
else:
    st.title(tr("stat.meeting.title"))
    sv.filter_bar(filters, view.provider_names)
    meeting_views.spec_controls(actor, spec)
meeting_views.show(actor, result, view, presenting=presenting)
