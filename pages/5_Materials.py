"""Materials and web content: register, reviews due, language gaps; state in the URL."""

import streamlit as st

from core import db
from core.errors import DomainError
from core.models import Audience, MaterialKind
from core.permissions import Permission
from core.services import materials
from ui import guard, material_views, widgets
from ui.i18n import label, tr
from ui.info_common import view_switch

actor = guard.page(Permission.VIEW_RECORDS, title_key="materials.title")
today = widgets.today()
params = st.query_params
if params.get("material") and params.get("view") != "detail":
    params["view"] = "detail"


def _open(material_id: int | str) -> None:
    for table in ("material_table", "review_table", "gap_table"):
        st.session_state.pop(table, None)  # a kept selection would open it again
    params["material"] = str(material_id)
    params["view"] = "detail"
    st.rerun()


st.title(tr("materials.title"))
view = view_switch(["list", "review", "gaps", "detail"], "materials_view", "materials",
                   clear=("material",))  # fmt: skip

if view == "list":
    columns = st.columns([3, 2, 2, 2])
    text = columns[0].text_input(tr("materials.search"), placeholder=tr("materials.search_hint"))
    kind = columns[1].selectbox(
        tr("field.material_kind"),
        [None] + [k.value for k in MaterialKind],
        format_func=lambda k: label(k, "MaterialKind") if k else tr("any"),
    )
    audience = columns[2].selectbox(
        tr("field.material_audience"),
        [None] + [a.value for a in Audience],
        format_func=lambda a: label(a, "MaterialAudience") if a else tr("any"),
    )
    status = columns[3].selectbox(
        tr("materials.col.status"),
        [None, "overdue", "due_soon", "ok", "never"],
        format_func=lambda s: tr(f"materials.status.{s}") if s else tr("any"),
    )
    with db.read_session() as session:
        found = materials.list_materials(
            session, actor, today=today, text=text, kind=kind, audience=audience, status=status
        )
    chosen = material_views.material_table(found, "material_table")
    if chosen is not None:
        _open(chosen)
    if actor.can(Permission.EDIT_RECORDS) and st.button(tr("materials.add"), icon=":material/add:"):
        _open("new")

elif view == "review":
    st.caption(tr("materials.review_caption", days=materials.DUE_SOON_DAYS))
    with db.read_session() as session:
        found = materials.due_for_review(session, actor, today=today)
    chosen = material_views.material_table(found, "review_table")
    if chosen is not None:
        _open(chosen)

elif view == "gaps":
    with db.read_session() as session:
        gaps = materials.language_gaps(session, actor, today=today)
        required = materials.service_languages(session)
    chosen = material_views.gap_table(gaps, required)
    if chosen is not None:
        _open(chosen)

else:
    wanted = params.get("material")
    if wanted == "new":
        if not actor.can(Permission.EDIT_RECORDS):
            st.error(tr("error.permission_denied"))
            st.stop()
        created = material_views.material_form(actor, None)
        if created is not None:
            _open(created)
    elif wanted and wanted.isdigit():
        try:
            with db.read_session() as session:
                material = materials.get_material(
                    session, actor, material_id=int(wanted), today=today
                )
                reviews = materials.review_history(session, actor, material_id=int(wanted))
        except DomainError as error:
            widgets.show_error(error)
            st.stop()
        material_views.material_header(material)
        material_views.review_form(actor, material)
        data_tab, history_tab = st.tabs([tr("materials.tab.data"), tr("materials.tab.history")])
        with data_tab:
            material_views.material_form(actor, material)
            if material_views.delete_button(actor, material):
                params.pop("material", None)
                params["view"] = "list"
                st.rerun()
        with history_tab:
            material_views.links(material)
            material_views.history(reviews)
    else:
        st.info(tr("materials.choose"))
