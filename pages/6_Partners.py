"""The partner network: directory, contacts and contact log, next steps, charts."""

from datetime import timedelta

import streamlit as st

from core import db
from core.errors import DomainError
from core.models import County, PartnerType
from core.permissions import Permission
from core.services import partners
from ui import guard, partner_views, widgets
from ui.i18n import label, tr
from ui.info_common import view_switch

actor = guard.page(Permission.VIEW_RECORDS, title_key="partners.title")
today = widgets.today()
params = st.query_params
if params.get("partner") and params.get("view") != "detail":
    params["view"] = "detail"


def _open(partner_id: int | str) -> None:
    for table in ("partner_table", "next_step_table"):
        st.session_state.pop(table, None)  # a kept selection would open it again
    params["partner"] = str(partner_id)
    params["view"] = "detail"
    st.rerun()


st.title(tr("partners.title"))
view = view_switch(["list", "next_steps", "network", "detail"], "partners_view", "partners",
                   clear=("partner",))  # fmt: skip

if view == "list":
    columns = st.columns([3, 2, 2])
    text = columns[0].text_input(tr("partners.search"), placeholder=tr("partners.search_hint"))
    kind = columns[1].selectbox(
        tr("field.partner_partner_type"),
        [None] + [k.value for k in PartnerType],
        format_func=lambda k: label(k, "PartnerType") if k else tr("any"),
    )
    county = columns[2].selectbox(
        tr("field.partner_county"),
        [None] + [c.value for c in County],
        format_func=lambda c: label(c, "County") if c else tr("any"),
    )
    with db.read_session() as session:
        found = partners.list_partners(
            session, actor, today=today, text=text, partner_type=kind, county=county
        )
    chosen = partner_views.partner_table(found)
    if chosen is not None:
        _open(chosen)
    if actor.can(Permission.EDIT_RECORDS) and st.button(tr("partners.add"), icon=":material/add:"):
        _open("new")

elif view == "next_steps":
    days = st.select_slider(tr("partners.next_steps_days"), options=[7, 14, 30, 60, 90], value=30)
    st.caption(tr("partners.next_steps_caption"))
    with db.read_session() as session:
        steps = partners.next_steps(
            session, actor, start=today - timedelta(days=7), end=today + timedelta(days=days)
        )
    chosen = partner_views.next_step_table(steps, today)
    if chosen is not None:
        _open(chosen)

elif view == "network":
    with db.read_session() as session:
        network = partners.network_counts(session, actor)
        monthly = partners.contacts_by_month(session, actor, today=today)
    partner_views.network_view(network, monthly)

else:
    wanted = params.get("partner")
    if wanted == "new":
        if not actor.can(Permission.EDIT_RECORDS):
            st.error(tr("error.permission_denied"))
            st.stop()
        created = partner_views.partner_form(actor, None)
        if created is not None:
            _open(created)
    elif wanted and wanted.isdigit():
        try:
            with db.read_session() as session:
                partner = partners.get_partner(session, actor, partner_id=int(wanted), today=today)
        except DomainError as error:
            widgets.show_error(error)
            st.stop()
        st.subheader(widgets.plain(partner.name))
        st.caption(
            f"{label(partner.partner_type, 'PartnerType')} · "
            + (label(partner.county, "County") if partner.county else tr("partners.national"))
        )
        log_tab, people_tab, data_tab = st.tabs(
            [tr("partners.tab.contacts"), tr("partners.tab.people"), tr("partners.tab.data")]
        )
        with log_tab:
            partner_views.contact_log(actor, partner)
        with people_tab:
            partner_views.people_editor(actor, partner)
        with data_tab:
            partner_views.partner_form(actor, partner)
    else:
        st.info(tr("partners.choose"))
