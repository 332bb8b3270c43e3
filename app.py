"""Overview (home): KPI tiles and the alert list; the sign-in page for every visitor."""

import streamlit as st

from core import db, stats
from core.permissions import Permission
from ui import guard, nav, widgets
from ui.i18n import tr

actor = guard.page(None, title_key="overview.title")

st.title(tr("overview.title"))
if not actor.can(Permission.VIEW_OVERVIEW):
    st.write(tr("overview.no_overview"))
    for spec in nav.allowed_pages(actor):
        st.page_link(spec.path, label=tr(spec.label_key), icon=spec.icon)
    st.stop()

with db.read_session() as session:
    overview = stats.overview(session, actor, today=widgets.today())

st.caption(tr("overview.caption", k=overview.k))
widgets.kpi_tiles(overview, actor)

if actor.can(Permission.VIEW_ALERTS):
    st.subheader(tr("alerts.title"))
    if overview.alerts:
        widgets.alert_table(overview, actor)
    else:
        st.success(tr("alerts.none"))
