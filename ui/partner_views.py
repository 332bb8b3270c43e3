"""Drawing the Partners page: directory, one partner with people and contact log, next
steps, and the network charts. Every write goes through core.services.partners."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from core.formatting import format_date
from core.information_charts import contacts_chart, network_chart
from core.models import County, PartnerType
from core.permissions import Actor, Permission
from core.services import partners
from core.services.partners import ContactRead, PartnerRead
from ui import widgets
from ui.i18n import current_language, label, tr
from ui.info_common import selected_row
from ui.widgets import write


def _county(code: str | None) -> str:
    return label(code, "County") if code else tr("partners.national")


def partner_table(found: list[PartnerRead]) -> int | None:
    lang = current_language()
    st.caption(tr("partners.counts", shown=len(found)))
    if not found:
        st.info(tr("partners.none_found"))
        return None
    frame = pd.DataFrame(
        [
            {
                "name": p.name,
                "type": label(p.partner_type, "PartnerType"),
                "county": _county(p.county),
                "people": ", ".join(person.name for person in p.people),
                "last": format_date(p.last_contact, lang) if p.last_contact else "",
                "next": format_date(p.next_step_on, lang) if p.next_step_on else "",
            }
            for p in found
        ]
    )
    event = st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key="partner_table",
        column_config={
            "name": tr("field.partner_name"),
            "type": tr("field.partner_partner_type"),
            "county": tr("field.partner_county"),
            "people": tr("partners.people"),
            "last": tr("partners.last_contact"),
            "next": tr("partners.next_step_on"),
        },
    )
    st.caption(tr("partners.select_hint"))
    row = selected_row(event)
    return found[row].id if row is not None and row < len(found) else None


def partner_form(actor: Actor, partner: PartnerRead | None) -> int | None:
    editable = actor.can(Permission.EDIT_RECORDS)
    with st.form("partner_form"):
        name = st.text_input(
            tr("field.partner_name"), value=partner.name if partner else "", disabled=not editable
        )
        first, second = st.columns(2)
        kinds = [k.value for k in PartnerType]
        kind = first.selectbox(
            tr("field.partner_partner_type"),
            kinds,
            index=kinds.index(partner.partner_type)
            if partner and partner.partner_type in kinds
            else 0,
            format_func=lambda k: label(k, "PartnerType"),
            disabled=not editable,
        )
        counties: list[str | None] = [None, *(c.value for c in County)]
        county = second.selectbox(
            tr("field.partner_county"),
            counties,
            index=counties.index(partner.county) if partner and partner.county in counties else 0,
            format_func=_county,
            disabled=not editable,
        )
        notes = st.text_area(
            tr("field.partner_notes"), value=partner.notes if partner else "", disabled=not editable
        )
        submitted = st.form_submit_button(tr("save"), type="primary", disabled=not editable)
    if not submitted:
        return None
    data = {"name": name, "partner_type": kind, "county": county, "notes": notes}
    if partner is None:
        created = write(actor, partners.create_partner, "partners.saved", data=data)
        return int(created) if created else None
    if write(
        actor,
        partners.update_partner,
        "partners.saved",
        partner_id=partner.id,
        data=data,
        expected_version=partner.version,
    ):
        st.rerun()
    return None


def people_editor(actor: Actor, partner: PartnerRead) -> None:
    editable = actor.can(Permission.EDIT_RECORDS)
    rows = pd.DataFrame(
        [
            {
                "id": p.id,
                "version": p.version,
                "name": p.name,
                "role": p.role,
                "email": p.email,
                "phone": p.phone,
            }
            for p in partner.people
        ],
        columns=["id", "version", "name", "role", "email", "phone"],
    )
    if editable:
        st.caption(tr("partners.people_hint"))
    edited = st.data_editor(
        rows,
        key=f"people_{partner.id}_{partner.version}_{len(partner.people)}",
        hide_index=True,
        width="stretch",
        num_rows="dynamic" if editable else "fixed",
        disabled=not editable,
        column_order=["name", "role", "email", "phone"],
        column_config={
            "name": st.column_config.TextColumn(tr("field.person_name"), required=True),
            "role": st.column_config.TextColumn(tr("field.person_role")),
            "email": st.column_config.TextColumn(tr("field.person_email")),
            "phone": st.column_config.TextColumn(tr("field.person_phone")),
        },
    )
    if editable and st.button(tr("partners.save_people"), key="save_people"):
        payload = []
        for record in edited.to_dict("records"):
            if not any(str(record.get(k) or "").strip() for k in ("name", "email", "phone")):
                continue
            payload.append(
                {
                    "id": int(record["id"]) if pd.notna(record.get("id")) else None,
                    "version": int(record["version"]) if pd.notna(record.get("version")) else None,
                    "name": record.get("name") or "",
                    "role": record.get("role") or "",
                    "email": record.get("email") or "",
                    "phone": record.get("phone") or "",
                }
            )
        if write(
            actor, partners.save_people, "partners.saved", partner_id=partner.id, rows=payload
        ):
            st.rerun()


def contact_log(actor: Actor, partner: PartnerRead) -> None:
    lang = current_language()
    if actor.can(Permission.EDIT_RECORDS):
        with st.form("contact_form", clear_on_submit=True):
            st.markdown(f"**{tr('partners.add_contact')}**")
            cells = st.columns([2, 4])
            contacted_on = cells[0].date_input(
                tr("field.contact_contacted_on"),
                value=widgets.today(),
                max_value=widgets.today(),
                format="DD.MM.YYYY",
            )
            topic = cells[1].text_input(tr("field.contact_topic"))
            outcome = st.text_area(tr("field.contact_outcome"), height=80)
            cells = st.columns([4, 2])
            next_step = cells[0].text_input(tr("field.contact_next_step"))
            next_step_on = cells[1].date_input(
                tr("field.contact_next_step_on"), value=None, format="DD.MM.YYYY"
            )
            if st.form_submit_button(tr("partners.save_contact"), type="primary") and write(
                actor,
                partners.log_contact,
                "partners.saved",
                partner_id=partner.id,
                data={
                    "contacted_on": contacted_on,
                    "topic": topic,
                    "outcome": outcome,
                    "next_step": next_step,
                    "next_step_on": next_step_on,
                },
            ):
                st.rerun()
    if not partner.contacts:
        st.caption(tr("partners.no_contacts"))
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "on": format_date(c.contacted_on, lang),
                    "topic": c.topic,
                    "outcome": c.outcome,
                    "next_step": c.next_step,
                    "next_on": format_date(c.next_step_on, lang) if c.next_step_on else "",
                }
                for c in partner.contacts
            ]
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "on": tr("field.contact_contacted_on"),
            "topic": tr("field.contact_topic"),
            "outcome": tr("field.contact_outcome"),
            "next_step": tr("field.contact_next_step"),
            "next_on": tr("field.contact_next_step_on"),
        },
    )


def next_step_table(steps: list[ContactRead], today: date) -> int | None:
    lang = current_language()
    if not steps:
        st.success(tr("partners.no_next_steps"))
        return None
    frame = pd.DataFrame(
        [
            {
                "mark": "!" if s.next_step_on and s.next_step_on < today else "",
                "on": format_date(s.next_step_on, lang),
                "partner": s.partner_name,
                "next_step": s.next_step,
                "topic": s.topic,
                "contacted": format_date(s.contacted_on, lang),
            }
            for s in steps
        ]
    )
    event = st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key="next_step_table",
        column_config={
            "mark": st.column_config.TextColumn("!", width="small"),
            "on": tr("field.contact_next_step_on"),
            "partner": tr("field.partner_name"),
            "next_step": tr("field.contact_next_step"),
            "topic": tr("field.contact_topic"),
            "contacted": tr("field.contact_contacted_on"),
        },
    )
    row = selected_row(event)
    return steps[row].partner_id if row is not None and row < len(steps) else None


def network_view(network: pd.DataFrame, monthly: pd.DataFrame) -> None:
    titles = {
        "county": tr("field.partner_county"),
        "type": tr("field.partner_partner_type"),
        "partners": tr("partners.chart.partners"),
        "month": tr("partners.chart.month"),
        "contacts": tr("partners.chart.contacts"),
    }
    st.subheader(tr("partners.chart.network"))
    if network.empty:
        st.info(tr("partners.none_found"))
    else:
        named = network.assign(
            county_label=network["county"].map(lambda c: _county(c or None)),
            type_label=network["partner_type"].map(lambda k: label(k, "PartnerType")),
        )
        st.altair_chart(network_chart(named, titles=titles), width="stretch")
        pivot = (
            named.pivot_table(
                index="county_label",
                columns="type_label",
                values="partners",
                aggfunc="sum",
                fill_value=0,
            )
            .rename_axis(index=titles["county"], columns=None)
            .reset_index()
        )
        st.dataframe(pivot, hide_index=True, width="stretch")
    st.subheader(tr("partners.chart.contacts_over_time"))
    if monthly.empty:
        st.info(tr("partners.no_contacts"))
        return
    named_months = monthly.assign(
        month=pd.to_datetime(monthly["month"]),
        type_label=monthly["partner_type"].map(lambda k: label(k, "PartnerType")),
    )
    st.altair_chart(contacts_chart(named_months, titles=titles), width="stretch")
