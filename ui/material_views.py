"""Drawing the Materials page: register, review list, language gaps, one material's form,
language versions, "mark reviewed" and the review history."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.formatting import format_date
from core.models import Audience, Language, MaterialKind, MaterialState
from core.permissions import Actor, Permission
from core.services import materials
from core.services.materials import LanguageGap, MaterialRead, ReviewRead
from ui import widgets
from ui.i18n import current_language, label, tr
from ui.info_common import selected_row
from ui.widgets import write

STATUS_MARKS = {"overdue": "✗", "never": "!", "due_soon": "!", "ok": "✓"}


def status_text(status: str) -> str:
    return f"{STATUS_MARKS[status]} {tr(f'materials.status.{status}')}"


def _languages(material: MaterialRead) -> str:
    return ", ".join(
        label(v.language, "Language")
        + ("" if v.state == MaterialState.PUBLISHED else f" ({label(v.state, 'MaterialState')})")
        for v in material.languages
    )


def material_table(found: list[MaterialRead], key: str) -> int | None:
    """The list; returns the id of a selected material."""
    lang = current_language()
    if not found:
        st.info(tr("materials.none_found"))
        return None
    frame = pd.DataFrame(
        [
            {
                "status": status_text(m.review_status),
                "next": format_date(m.next_review_on, lang),
                "title": m.title,
                "kind": label(m.kind, "MaterialKind"),
                "audience": label(m.audience, "MaterialAudience"),
                "languages": _languages(m),
                "version": m.version_label,
                "owner": m.owner,
                "last": format_date(m.last_reviewed, lang),
            }
            for m in found
        ]
    )
    event = st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key=key,
        column_config={
            "status": tr("materials.col.status"),
            "next": tr("field.material_next_review_on"),
            "title": tr("field.material_title"),
            "kind": tr("field.material_kind"),
            "audience": tr("field.material_audience"),
            "languages": tr("materials.col.languages"),
            "version": tr("field.material_version_label"),
            "owner": tr("field.material_owner"),
            "last": tr("field.material_last_reviewed"),
        },
    )
    st.caption(tr("materials.select_hint"))
    row = selected_row(event)
    return found[row].id if row is not None and row < len(found) else None


def gap_table(gaps: list[LanguageGap], required: list[str]) -> int | None:
    st.caption(
        tr("materials.gaps_caption", languages=", ".join(label(c, "Language") for c in required))
    )
    if not gaps:
        st.success(tr("materials.no_gaps"))
        return None
    frame = pd.DataFrame(
        [
            {
                "title": gap.title,
                "missing": ", ".join(label(c, "Language") for c in gap.missing),
                "draft": ", ".join(label(c, "Language") for c in gap.draft),
            }
            for gap in gaps
        ]
    )
    event = st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key="gap_table",
        column_config={
            "title": tr("field.material_title"),
            "missing": tr("materials.col.missing"),
            "draft": tr("materials.col.draft"),
        },
    )
    row = selected_row(event)
    return gaps[row].material_id if row is not None and row < len(gaps) else None


def _version_rows(material: MaterialRead | None) -> pd.DataFrame:
    rows = (
        [{"language": v.language, "link": v.link, "state": v.state} for v in material.languages]
        if material
        else [{"language": "et", "link": "", "state": "draft"}]
    )
    return pd.DataFrame(rows, columns=["language", "link", "state"])


def material_form(actor: Actor, material: MaterialRead | None) -> int | None:
    """Create (material None) or edit; returns the id of a created material."""
    editable = actor.can(Permission.EDIT_RECORDS)
    with st.form("material_form"):
        title = st.text_input(
            tr("field.material_title"), value=material.title if material else "",
            disabled=not editable,
        )  # fmt: skip
        first, second, third = st.columns(3)
        kinds = [k.value for k in MaterialKind]
        kind = first.selectbox(
            tr("field.material_kind"),
            kinds,
            index=kinds.index(material.kind) if material and material.kind in kinds else 0,
            format_func=lambda k: label(k, "MaterialKind"),
            disabled=not editable,
        )
        audiences = [a.value for a in Audience]
        audience = second.selectbox(
            tr("field.material_audience"),
            audiences,
            index=audiences.index(material.audience)
            if material and material.audience in audiences
            else audiences.index("clients"),
            format_func=lambda a: label(a, "MaterialAudience"),
            disabled=not editable,
        )
        owner = third.text_input(
            tr("field.material_owner"), value=material.owner if material else actor.name,
            disabled=not editable,
        )  # fmt: skip
        first, second, third = st.columns(3)
        version_label = first.text_input(
            tr("field.material_version_label"),
            value=material.version_label if material else "1.0",
            disabled=not editable,
        )
        last_reviewed = second.date_input(
            tr("field.material_last_reviewed"),
            value=material.last_reviewed if material else None,
            format="DD.MM.YYYY",
            max_value=widgets.today(),
            disabled=not editable,
        )
        interval = third.number_input(
            tr("field.material_review_interval_months"),
            min_value=1,
            max_value=60,
            value=material.review_interval_months if material else 12,
            disabled=not editable,
            help=tr("materials.interval_help"),
        )
        st.markdown(f"**{tr('materials.language_versions')}**")
        versions = st.data_editor(
            _version_rows(material),
            key=f"versions_{material.id}_{material.version}" if material else "versions_new",
            hide_index=True,
            width="stretch",
            num_rows="dynamic" if editable else "fixed",
            disabled=not editable,
            column_config={
                "language": st.column_config.SelectboxColumn(
                    tr("field.material_language"),
                    options=[x.value for x in Language if x is not Language.OTHER],
                    format_func=lambda x: label(x, "Language"),
                    required=True,
                ),
                "link": st.column_config.TextColumn(tr("field.material_link")),
                "state": st.column_config.SelectboxColumn(
                    tr("field.material_state"),
                    options=[s.value for s in MaterialState],
                    format_func=lambda s: label(s, "MaterialState"),
                    required=True,
                    default="draft",
                ),
            },
        )
        submitted = st.form_submit_button(tr("save"), type="primary", disabled=not editable)
    if not submitted:
        return None
    data = {
        "title": title,
        "kind": kind,
        "audience": audience,
        "owner": owner,
        "version_label": version_label,
        "last_reviewed": last_reviewed,
        "review_interval_months": int(interval),
        "languages": [
            {
                "language": row.get("language"),
                "link": row.get("link") or "",
                "state": row.get("state") or "draft",
            }
            for row in versions.to_dict("records")
            if row.get("language")
        ],
    }
    if material is None:
        created = write(actor, materials.create_material, "materials.saved", data=data)
        return int(created) if created else None
    if write(
        actor,
        materials.update_material,
        "materials.saved",
        material_id=material.id,
        data=data,
        expected_version=material.version,
    ):
        st.rerun()
    return None


def material_header(material: MaterialRead) -> None:
    lang = current_language()
    st.subheader(widgets.plain(material.title))
    st.caption(
        f"{label(material.kind, 'MaterialKind')} · {label(material.audience, 'MaterialAudience')}"
        f" · {tr('field.material_version_label')} {widgets.plain(material.version_label)}"
    )
    next_on = format_date(material.next_review_on, lang)
    text = tr(f"materials.review_line.{material.review_status}", date=next_on)
    if material.review_status == "overdue":
        st.error(text, icon=":material/event_busy:")
    elif material.review_status in ("due_soon", "never"):
        st.warning(text, icon=":material/event:")
    else:
        st.success(text, icon=":material/event_available:")


def review_form(actor: Actor, material: MaterialRead) -> None:
    if not actor.can(Permission.EDIT_RECORDS):
        return
    with st.form("review_form", clear_on_submit=True, border=True):
        st.markdown(f"**{tr('materials.mark_reviewed')}**")
        cells = st.columns([2, 2, 5])
        reviewed_on = cells[0].date_input(
            tr("field.review_reviewed_on"),
            value=widgets.today(),
            max_value=widgets.today(),
            format="DD.MM.YYYY",
        )
        version_label = cells[1].text_input(
            tr("field.review_version_label"), value=material.version_label
        )
        note = cells[2].text_input(tr("field.review_note"), placeholder=tr("materials.note_hint"))
        clicked = st.form_submit_button(
            tr("materials.mark_reviewed"), type="primary", icon=":material/task_alt:"
        )
    if clicked and write(
        actor,
        materials.mark_reviewed,
        "materials.reviewed",
        material_id=material.id,
        reviewed_on=reviewed_on,
        note=note,
        version_label=version_label,
        expected_version=material.version,
    ):
        st.rerun()


def history(reviews: list[ReviewRead]) -> None:
    lang = current_language()
    st.markdown(f"**{tr('materials.history')}**")
    if not reviews:
        st.caption(tr("materials.no_history"))
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "on": format_date(r.reviewed_on, lang),
                    "version": r.version_label,
                    "by": r.reviewed_by,
                    "note": r.note,
                }
                for r in reviews
            ]
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "on": tr("field.review_reviewed_on"),
            "version": tr("field.review_version_label"),
            "by": tr("materials.col.reviewed_by"),
            "note": tr("field.review_note"),
        },
    )


def links(material: MaterialRead) -> None:
    published = [v for v in material.languages if v.link]
    if not published:
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "language": label(v.language, "Language"),
                    "state": label(v.state, "MaterialState"),
                    "link": v.link,
                }
                for v in published
            ]
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "language": tr("field.material_language"),
            "state": tr("field.material_state"),
            "link": st.column_config.LinkColumn(tr("field.material_link")),
        },
    )


def delete_button(actor: Actor, material: MaterialRead) -> bool:
    if not actor.can(Permission.EDIT_RECORDS):
        return False
    with st.expander(tr("materials.delete")):
        st.caption(tr("materials.delete_help"))
        if st.button(tr("materials.delete_confirm"), key="material_delete", type="secondary"):
            return bool(
                write(
                    actor,
                    materials.delete_material,
                    "materials.deleted",
                    material_id=material.id,
                    expected_version=material.version,
                )
            )
    return False
