"""Contracts, amendments, budgets, invoices and the per-client cap; view and record in the URL."""

import streamlit as st

from core import budget, caps, db
from core.errors import DomainError
from core.permissions import Permission
from core.services import contracts, invoices
from ui import contract_views, guard, widgets
from ui.i18n import tr

actor = guard.page(Permission.VIEW_RECORDS, title_key="contracts.title")
today = widgets.today()
params = st.query_params
editor = actor.can(Permission.EDIT_RECORDS)

VIEWS = ["list", "detail", "budget", "invoices", "invoice", "caps"]
if params.get("view") not in VIEWS:
    params["view"] = (
        "invoice" if params.get("invoice") else "detail" if params.get("contract") else "list"
    )

st.title(tr("contracts.title"))
view = (
    st.segmented_control(
        tr("contracts.view"),
        VIEWS,
        format_func=lambda v: tr(f"contracts.view.{v}"),
        default=params["view"],
        key="contracts_view",
        label_visibility="collapsed",
    )
    or "list"
)
if view != params["view"]:
    params["view"] = view
    if view == "list":
        params.pop("contract", None)
    if view == "invoices":
        params.pop("invoice", None)
    st.rerun()


def _open(kind: str, record_id: int) -> None:
    params[kind] = str(record_id)
    params["view"] = "detail" if kind == "contract" else "invoice"
    st.rerun()


with db.read_session() as session:
    providers = contracts.provider_choices(session, actor)

if view == "list":
    filters = contract_views.contract_filters(providers)
    with db.read_session() as session:
        alerts = contracts.ending_alerts(session, actor, today=today)
        rows = contracts.list_contracts(session, actor, today=today, **filters)
    contract_views.ending_alerts(alerts)
    chosen = contract_views.contract_list(rows)
    if chosen is not None:
        _open("contract", chosen)
    if editor and st.button(tr("contracts.add"), icon=":material/add:"):
        params["contract"] = "new"
        params["view"] = "detail"
        st.rerun()

elif view == "detail":
    wanted = params.get("contract")
    if wanted == "new":
        if not editor:
            st.error(tr("error.permission_denied"))
            st.stop()
        st.subheader(tr("contracts.new"))
        created = contract_views.contract_form(actor, None, providers)
        if created is not None:
            _open("contract", created)
    elif wanted and wanted.isdigit():
        try:
            with db.read_session() as session:
                detail = contracts.get_contract(
                    session, actor, contract_id=int(wanted), today=today
                )
                found = budget.contract_budgets(
                    session, actor, today=today, contract_ids=[int(wanted)]
                )
                burn = budget.burn_by_month(
                    session, actor, today=today, contract_id=int(wanted), months=12
                )
                own = invoices.list_invoices(session, actor, contract_id=int(wanted))
        except DomainError as error:
            widgets.show_error(error)
            st.stop()
        chosen = contract_views.contract_detail(
            actor, detail, providers, found[0] if found else None, burn, own
        )
        if chosen is not None:
            _open("invoice", chosen)
    else:
        st.info(tr("contracts.choose"))

elif view == "budget":
    with db.read_session() as session:
        items = budget.contract_budgets(session, actor, today=today)
        burn = budget.burn_by_month(session, actor, today=today)
    chosen = contract_views.budget_view(items, budget.total_budget(items, today), burn)
    if chosen is not None:
        _open("contract", chosen)

elif view == "invoices":
    filters = contract_views.invoice_filters()
    with db.read_session() as session:
        rows = invoices.list_invoices(session, actor, **filters)
        choices = invoices.contract_choices(session, actor)
    chosen = contract_views.invoice_table(rows, key="invoice_table")
    if chosen is not None:
        _open("invoice", chosen)
    if editor:
        with st.expander(tr("invoices.add"), icon=":material/add:"):
            created = contract_views.invoice_form(actor, choices)
            if created is not None:
                _open("invoice", created)
    if actor.can(Permission.IMPORT_DATA):
        with st.expander(tr("invoices.import"), icon=":material/upload_file:"):
            contract_views.import_section(actor)

elif view == "invoice":
    wanted = params.get("invoice")
    if not (wanted and wanted.isdigit()):
        st.info(tr("invoices.choose"))
        st.stop()
    try:
        with db.read_session() as session:
            detail = invoices.get_invoice(session, actor, invoice_id=int(wanted))
            choices = invoices.contract_choices(session, actor)
    except DomainError as error:
        widgets.show_error(error)
        st.stop()
    contract_views.invoice_detail(actor, detail, choices)

else:
    with db.read_session() as session:
        near = caps.cases_near_cap(session, actor)
        counts = caps.cap_counts(session)
    contract_views.caps_view(actor, near, counts)
