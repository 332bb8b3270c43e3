"""The activity and cost report for a month, quarter or year, with XLSX and PDF downloads."""

import streamlit as st

from core.permissions import Permission
from ui import guard, report_views
from ui.i18n import tr

actor = guard.page(Permission.VIEW_STATISTICS, title_key="reports.title")

st.title(tr("reports.title"))
st.caption(tr("reports.caption"))
kind, year, number = report_views.period_choice()
if st.button(tr("reports.generate"), type="primary", icon=":material/summarize:"):
    report_views.generate(actor, kind, year, number)
report = report_views.current(actor)
if report is None:
    st.info(tr("reports.choose"))
    st.stop()
report_views.downloads(actor, report)
report_views.show(report)
