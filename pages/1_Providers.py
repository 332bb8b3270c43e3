"""Providers: list, onboarding, specialists, qualifications, coverage, import and export."""

import streamlit as st

from core import db
from core.coverage import coverage
from core.errors import DomainError
from core.models import County, Language, OnboardingStatus, ServiceForm
from core.permissions import Permission
from core.services import providers
from ui import guard, provider_views, widgets
from ui.i18n import label, tr

actor = guard.page(Permission.VIEW_RECORDS, title_key="providers.title")
today = widgets.today()
params = st.query_params

if params.get("specialist") and not params.get("provider"):
    with db.read_session() as session:
        owner = providers.provider_of_specialist(
            session, actor, specialist_id=int(params["specialist"])
        )
    if owner is not None:
        params["provider"] = str(owner)
        params["view"] = "detail"

VIEWS = ["list", "detail", "coverage", "io"]
if params.get("view") not in VIEWS:
    params["view"] = "detail" if params.get("provider") else "list"

st.title(tr("providers.title"))


def _switch_view() -> None:
    chosen = st.session_state.get("providers_view") or "list"
    params["view"] = chosen
    if chosen == "list":
        params.pop("provider", None)
        params.pop("specialist", None)


# The URL is the truth; the switcher only mirrors it (its own state would go stale).
st.session_state["providers_view"] = params["view"]
st.segmented_control(
    tr("providers.view"),
    VIEWS,
    format_func=lambda v: tr(f"providers.view.{v}"),
    key="providers_view",
    label_visibility="collapsed",
    on_change=_switch_view,
)
view = params["view"]

if view == "list":
    columns = st.columns([3, 2, 2, 2, 2, 2])
    text = columns[0].text_input(tr("providers.search"), placeholder=tr("providers.search_hint"))
    county = columns[1].selectbox(
        tr("field.county"),
        [None] + [c.value for c in County],
        format_func=lambda c: label(c, "County") if c else tr("any"),
    )
    language = columns[2].selectbox(
        tr("field.language"),
        [None] + [x.value for x in Language],
        format_func=lambda x: label(x, "Language") if x else tr("any"),
    )
    form = columns[3].selectbox(
        tr("field.service_form"),
        [None] + [f.value for f in ServiceForm],
        format_func=lambda f: label(f, "ServiceForm") if f else tr("any"),
    )
    status = columns[4].selectbox(
        tr("field.onboarding_status"),
        [None] + [s.value for s in OnboardingStatus],
        format_func=lambda s: label(s, "OnboardingStatus") if s else tr("any"),
    )
    compliance = columns[5].selectbox(
        tr("providers.compliance"),
        [None, *providers.COMPLIANCE_FILTERS],
        format_func=lambda c: tr(f"providers.compliance.{c}") if c else tr("any"),
    )
    filters = providers.ProviderFilter(
        text=text,
        county=county,
        language=language,
        service_form=form,
        status=status,
        compliance=compliance,
    )
    with db.read_session() as session:
        found = providers.list_providers(session, actor, filters=filters, on=today)
    chosen = provider_views.provider_list(found)
    if chosen is not None:
        params["provider"] = str(chosen)
        params["view"] = "detail"
        st.rerun()
    if actor.can(Permission.EDIT_RECORDS) and st.button(tr("providers.add"), icon=":material/add:"):
        params["provider"] = "new"
        params["view"] = "detail"
        st.rerun()

elif view == "detail":
    wanted = params.get("provider")
    if wanted == "new":
        if not actor.can(Permission.EDIT_RECORDS):
            st.error(tr("error.permission_denied"))
            st.stop()
        created = provider_views.provider_form(actor, None)
        if created is not None:
            params["provider"] = str(created)
            st.rerun()
    elif wanted and wanted.isdigit():
        try:
            with db.read_session() as session:
                detail = providers.get_provider(session, actor, provider_id=int(wanted), on=today)
        except DomainError as error:
            widgets.show_error(error)
            st.stop()
        provider_views.provider_detail(actor, detail, focus=params.get("specialist"))
    else:
        st.info(tr("providers.choose"))

elif view == "coverage":
    with db.read_session() as session:
        by_county, by_language = coverage(session, actor, on=today)
    provider_views.coverage_view(by_county, by_language)

else:
    from ui.provider_io import import_export_section

    import_export_section(actor)
