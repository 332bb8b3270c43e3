"""Drawing the Providers page: list, provider form, onboarding checklist, specialists,
qualifications and coverage. Every write goes through core.services.providers."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from core.charts import coverage_chart
from core.compliance import Reason
from core.formatting import format_date, format_datetime
from core.models import (
    County,
    Language,
    LegalForm,
    OnboardingStatus,
    Profession,
    QualificationKind,
    ServiceForm,
    VerificationSource,
)
from core.permissions import Actor, Permission
from core.services import providers
from core.services.providers import ProviderDetail, SpecialistRead
from ui import widgets
from ui.i18n import current_language, label, tr

STATUS_ICONS = {
    "valid": "✅",
    "expiring": "⏳",
    "expired": "⛔",
    "not_yet_valid": "🕓",
    "unverified": "❔",
}


# Plain marks that every font has (colour emoji are missing on many office machines).
STATUS_MARKS = {
    "valid": "✓",
    "expiring": "!",
    "expired": "✗",
    "not_yet_valid": "…",
    "unverified": "?",
}


def _labels(codes: Any, enum_name: str) -> str:
    return ", ".join(label(code, enum_name) for code in codes)


def reason_text(reason: Reason) -> str:
    """A compliance or readiness reason in the reader's language, with readable values."""
    return widgets.message(reason.key, reason.params)


# --- list --------------------------------------------------------------------------------


def provider_list(found: list[ProviderDetail]) -> int | None:
    table = providers.provider_table(found)
    ready = int(table["ready"].sum()) if len(table) else 0
    st.caption(
        tr(
            "providers.counts",
            shown=len(table),
            ready=ready,
            expired=int((table["expired"] > 0).sum()) if len(table) else 0,
            unverified=int((table["unverified"] > 0).sum()) if len(table) else 0,
        )
    )
    if table.empty:
        st.info(tr("providers.none_found"))
        return None
    shown = pd.DataFrame(
        {
            "name": table["name"],
            "registry_code": table["registry_code"],
            "status": table["onboarding_status"].map(lambda s: label(s, "OnboardingStatus")),
            "steps": table["steps"],
            "ready": table["ready"].map(lambda r: tr("yes") if r else tr("no")),
            "eligible": table["eligible_specialists"].astype(str)
            + " / "
            + table["specialists"].astype(str),
            "expired": table["expired"],
            "expiring": table["expiring"],
            "unverified": table["unverified"],
            "counties": table["counties"].map(lambda c: _labels(c, "County")),
            "languages": table["languages"].map(lambda c: _labels(c, "Language")),
            "forms": table["service_forms"].map(lambda c: _labels(c, "ServiceForm")),
        }
    )
    event = st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key="provider_table",
        column_config={
            "name": tr("field.name"),
            "registry_code": tr("field.registry_code"),
            "status": tr("field.onboarding_status"),
            "steps": tr("providers.steps"),
            "ready": tr("providers.ready"),
            "eligible": tr("providers.eligible_specialists"),
            "expired": tr("providers.expired"),
            "expiring": tr("providers.expiring"),
            "unverified": tr("providers.unverified"),
            "counties": tr("field.counties"),
            "languages": tr("field.languages"),
            "forms": tr("field.service_forms"),
        },
    )
    st.caption(tr("providers.select_hint"))
    rows = event.selection.rows if event and event.selection else []
    return int(table.iloc[rows[0]]["id"]) if rows else None


# --- provider form -----------------------------------------------------------------------


def provider_form(actor: Actor, detail: ProviderDetail | None) -> int | None:
    """Create (detail None) or edit a provider. Returns the id of a newly created one."""
    editable = actor.can(Permission.EDIT_RECORDS)
    with st.form("provider_form"):
        first, second = st.columns(2)
        name = first.text_input(
            tr("field.name"), value=detail.name if detail else "", disabled=not editable
        )
        code = second.text_input(
            tr("field.registry_code"),
            value=detail.registry_code if detail else "",
            help=tr("providers.registry_code_help"),
            disabled=not editable,
        )
        legal_forms = [f.value for f in LegalForm]
        legal_form = first.selectbox(
            tr("field.legal_form"),
            legal_forms,
            index=legal_forms.index(detail.legal_form) if detail else 0,
            format_func=lambda f: label(f, "LegalForm"),
            disabled=not editable,
        )
        contact = second.text_input(
            tr("field.contact_person"),
            value=detail.contact_person if detail else "",
            disabled=not editable,
        )
        email = first.text_input(
            tr("field.email"), value=detail.email if detail else "", disabled=not editable
        )
        phone = second.text_input(
            tr("field.phone"),
            value=detail.phone if detail else "",
            placeholder="+372 5123 4567",
            disabled=not editable,
        )
        address = st.text_input(
            tr("field.address"), value=detail.address if detail else "", disabled=not editable
        )
        counties = st.multiselect(
            tr("field.counties"),
            [c.value for c in County],
            default=list(detail.counties) if detail else [],
            format_func=lambda c: label(c, "County"),
            disabled=not editable,
        )
        first, second = st.columns(2)
        languages = first.multiselect(
            tr("field.languages"),
            [x.value for x in Language],
            default=list(detail.languages) if detail else ["et"],
            format_func=lambda x: label(x, "Language"),
            disabled=not editable,
        )
        forms = second.multiselect(
            tr("field.service_forms"),
            [f.value for f in ServiceForm],
            default=list(detail.service_forms) if detail else ["in_person"],
            format_func=lambda f: label(f, "ServiceForm"),
            disabled=not editable,
        )
        notes = st.text_area(
            tr("field.notes"), value=detail.notes if detail else "", disabled=not editable
        )
        submitted = st.form_submit_button(tr("save"), type="primary", disabled=not editable)
    if not submitted:
        return None
    data = {
        "name": name,
        "registry_code": code,
        "legal_form": legal_form,
        "contact_person": contact,
        "email": email,
        "phone": phone,
        "address": address,
        "counties": counties,
        "languages": languages,
        "service_forms": forms,
        "notes": notes,
    }
    if detail is None:
        created = widgets.write(actor, providers.create_provider, "providers.saved", data=data)
        return int(created) if created else None
    if widgets.write(
        actor,
        providers.update_provider,
        "providers.saved",
        provider_id=detail.id,
        data=data,
        expected_version=detail.version,
    ):
        st.rerun()
    return None


# --- detail ------------------------------------------------------------------------------


def provider_detail(actor: Actor, detail: ProviderDetail, focus: str | None) -> None:
    lang = current_language()
    st.subheader(widgets.plain(detail.name))
    st.caption(
        f"{tr('field.registry_code')} {detail.registry_code} · "
        f"{label(detail.onboarding_status, 'OnboardingStatus')}"
    )
    total = len(providers.STEP_ORDER)
    st.progress(
        detail.steps_done / total,
        text=tr("providers.progress", done=detail.steps_done, total=total),
    )
    if detail.readiness.ready:
        st.success(tr("providers.is_ready"), icon=":material/check_circle:")
    else:
        st.warning(
            tr("providers.not_ready")
            + "\n\n"
            + "\n".join(f"- {widgets.plain(reason_text(r))}" for r in detail.readiness.missing)
        )

    data_tab, steps_tab, people_tab = st.tabs(
        [tr("providers.tab.data"), tr("providers.tab.onboarding"), tr("providers.tab.specialists")]
    )
    with data_tab:
        provider_form(actor, detail)
        _status_actions(actor, detail)
    with steps_tab:
        _onboarding(actor, detail, lang)
    with people_tab:
        _specialists(actor, detail, focus, lang)


def _status_actions(actor: Actor, detail: ProviderDetail) -> None:
    if not actor.can(Permission.EDIT_RECORDS):
        return
    st.markdown(f"**{tr('providers.status_actions')}**")
    columns = st.columns(3)
    actions = [
        (OnboardingStatus.ACTIVE, "providers.activate"),
        (OnboardingStatus.SUSPENDED, "providers.suspend"),
        (OnboardingStatus.ENDED, "providers.end"),
    ]
    for column, (status, key) in zip(columns, actions, strict=True):
        if detail.onboarding_status == status.value:
            continue
        if column.button(tr(key), key=f"status_{status.value}"):
            today = widgets.today()
            if widgets.write(
                actor,
                providers.set_status,
                "providers.saved",
                provider_id=detail.id,
                status=status.value,
                expected_version=detail.version,
                on=today,
            ):
                st.rerun()
    if not detail.activation.ready and detail.onboarding_status != OnboardingStatus.ACTIVE:
        with st.expander(tr("providers.activation_missing")):
            for reason in detail.activation.missing:
                st.text(f"• {reason_text(reason)}")


def _onboarding(actor: Actor, detail: ProviderDetail, lang: str) -> None:
    done = {step.step: step for step in detail.steps}
    editable = actor.can(Permission.EDIT_RECORDS)
    for position, step in enumerate(providers.STEP_ORDER, start=1):
        record = done.get(step.value)
        icon = "✓" if record else "○"
        with st.container(border=True):
            top = st.columns([5, 3])
            top[0].markdown(f"{icon} **{position}. {label(step.value, 'OnboardingStepKind')}**")
            if record:
                top[1].caption(
                    tr(
                        "providers.step_done",
                        date=format_date(record.done_on, lang),
                        ref=record.document_ref or "–",
                    )
                )
            if not editable:
                continue
            with st.form(f"step_{step.value}", border=False):
                cells = st.columns([2, 3, 2, 2])
                done_on = cells[0].date_input(
                    tr("field.done_on"),
                    value=record.done_on if record else widgets.today(),
                    format="DD.MM.YYYY",
                    key=f"date_{step.value}",
                )
                reference = cells[1].text_input(
                    tr("field.document_ref"),
                    value=record.document_ref if record else "",
                    placeholder="7.2-1/2026/123",
                    key=f"ref_{step.value}",
                )
                save = cells[2].form_submit_button(
                    tr("providers.mark_done") if not record else tr("save")
                )
                clear = cells[3].form_submit_button(tr("providers.undo"), disabled=not record)
            if save and widgets.write(
                actor,
                providers.record_step,
                "providers.saved",
                provider_id=detail.id,
                step=step.value,
                done_on=done_on,
                document_ref=reference,
            ):
                st.rerun()
            if clear and widgets.write(
                actor,
                providers.clear_step,
                "providers.saved",
                provider_id=detail.id,
                step=step.value,
            ):
                st.rerun()


def _status_text(status: str) -> str:
    return f"{STATUS_MARKS[status]} {tr(f'qstatus.{status}')}"


def _verdict(person: SpecialistRead) -> str:
    verdict = person.eligibility.verdict.value
    return f"{'✗' if verdict == 'not_eligible' else '✓'} {tr(f'verdict.{verdict}')}"


def _specialists(actor: Actor, detail: ProviderDetail, focus: str | None, lang: str) -> None:
    editable = actor.can(Permission.EDIT_RECORDS)
    rows = pd.DataFrame(
        [
            {
                "id": p.id,
                "version": p.version,
                "name": p.name,
                "profession": p.profession,
                "email": p.email,
                "languages": list(p.languages),
                "active": p.active,
                "eligibility": _verdict(p),
            }
            for p in detail.specialists
        ],
        columns=[
            "id",
            "version",
            "name",
            "profession",
            "email",
            "languages",
            "active",
            "eligibility",
        ],
    )
    st.caption(tr("providers.specialists_hint"))
    edited = st.data_editor(
        rows,
        key=f"specialists_{detail.id}_{detail.version}",
        hide_index=True,
        width="stretch",
        num_rows="dynamic" if editable else "fixed",
        disabled=not editable or ["eligibility"],
        column_order=["name", "profession", "email", "languages", "active", "eligibility"],
        column_config={
            "name": st.column_config.TextColumn(tr("field.name"), required=True),
            "profession": st.column_config.SelectboxColumn(
                tr("field.profession"),
                options=[p.value for p in Profession],
                format_func=lambda p: label(p, "Profession"),
                required=True,
            ),
            "email": st.column_config.TextColumn(tr("field.email")),
            "languages": st.column_config.MultiselectColumn(
                tr("field.languages"),
                options=[x.value for x in Language],
                format_func=lambda x: label(x, "Language"),
            ),
            "active": st.column_config.CheckboxColumn(tr("field.active"), default=True),
            "eligibility": st.column_config.TextColumn(tr("providers.eligibility")),
        },
    )
    if editable and st.button(tr("providers.save_specialists"), key="save_specialists"):
        payload = []
        for record in edited.to_dict("records"):
            if not any(str(record.get(k) or "").strip() for k in ("name", "email")):
                continue
            payload.append(
                {
                    "id": int(record["id"]) if pd.notna(record.get("id")) else None,
                    "version": int(record["version"]) if pd.notna(record.get("version")) else None,
                    "name": record.get("name") or "",
                    "profession": record.get("profession") or "other",
                    "email": record.get("email") or "",
                    "languages": record.get("languages") or [],
                    "active": bool(record.get("active", True)),
                }
            )
        if widgets.write(
            actor,
            providers.save_specialists,
            "providers.saved",
            provider_id=detail.id,
            rows=payload,
        ):
            st.rerun()
    if editable:
        _add_specialist_form(actor, detail)

    for person in detail.specialists:
        opened = focus == str(person.id)
        title = f"{person.name} · {_verdict(person)}"
        with st.expander(title, expanded=opened):
            for reason in person.eligibility.reasons:
                st.text(f"• {reason_text(reason)}")
            _qualifications(actor, person, lang, editable)


def _add_specialist_form(actor: Actor, detail: ProviderDetail) -> None:
    with st.form(f"add_specialist_{detail.id}", clear_on_submit=True):
        st.markdown(f"**{tr('providers.add_specialist')}**")
        cells = st.columns([3, 2, 3])
        name = cells[0].text_input(tr("field.name"))
        professions = [p.value for p in Profession]
        profession = cells[1].selectbox(
            tr("field.profession"), professions, format_func=lambda p: label(p, "Profession")
        )
        languages = cells[2].multiselect(
            tr("field.languages"),
            [x.value for x in Language],
            default=["et"],
            format_func=lambda x: label(x, "Language"),
        )
        submitted = st.form_submit_button(tr("providers.add_specialist"), type="primary")
    row = {"name": name, "profession": profession, "languages": languages}
    if submitted and widgets.write(
        actor, providers.save_specialists, "providers.saved", provider_id=detail.id, rows=[row]
    ):
        st.rerun()


def _qualifications(actor: Actor, person: SpecialistRead, lang: str, editable: bool) -> None:
    if person.qualifications:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "status": _status_text(q.status.value),
                        "kind": label(q.kind, "QualificationKind"),
                        "certificate": q.certificate_number,
                        "eqf": str(q.eqf_level or ""),
                        "issuer": q.issuer,
                        "from": format_date(q.valid_from, lang),
                        "until": format_date(q.valid_until, lang)
                        if q.valid_until
                        else tr("no_expiry"),
                        "verified": (
                            f"{format_datetime(q.verified_at, lang)} · "
                            f"{label(q.source, 'VerificationSource') if q.source else ''}"
                        )
                        if q.verified_at
                        else "–",
                    }
                    for q in person.qualifications
                ]
            ),
            hide_index=True,
            width="stretch",
            column_config={
                "status": tr("field.status"),
                "kind": tr("field.kind"),
                "certificate": tr("field.certificate_number"),
                "eqf": "EQF",
                "issuer": tr("field.issuer"),
                "from": tr("field.valid_from"),
                "until": tr("field.valid_until"),
                "verified": tr("field.verified"),
            },
        )
    else:
        st.caption(tr("providers.no_qualifications"))
    if not editable:
        return
    for q in person.qualifications:
        if q.verified_at is None:
            with st.form(f"verify_{q.id}", border=True):
                st.markdown(f"**{tr('providers.verify')}: {label(q.kind, 'QualificationKind')}**")
                cells = st.columns([2, 3, 2])
                sources = [v.value for v in VerificationSource]
                source = cells[0].selectbox(
                    tr("field.source"),
                    sources,
                    format_func=lambda v: label(v, "VerificationSource"),
                    key=f"source_{q.id}",
                )
                reference = cells[1].text_input(tr("field.document_ref"), key=f"vref_{q.id}")
                clicked = cells[2].form_submit_button(tr("providers.mark_verified"), type="primary")
            if clicked and widgets.write(
                actor,
                providers.verify_qualification,
                "providers.verified",
                qualification_id=q.id,
                source=source,
                document_ref=reference,
                expected_version=q.version,
            ):
                st.rerun()
    with st.form(f"add_qualification_{person.id}", clear_on_submit=True):
        st.markdown(f"**{tr('providers.add_qualification')}**")
        cells = st.columns(3)
        kinds = [k.value for k in QualificationKind]
        kind = cells[0].selectbox(
            tr("field.kind"), kinds, format_func=lambda k: label(k, "QualificationKind")
        )
        certificate = cells[1].text_input(tr("field.certificate_number"))
        eqf = cells[2].number_input(
            "EQF", min_value=0, max_value=8, value=0, help=tr("providers.eqf_help")
        )
        cells = st.columns(3)
        issuer = cells[0].text_input(tr("field.issuer"))
        valid_from = cells[1].date_input(tr("field.valid_from"), value=None, format="DD.MM.YYYY")
        valid_until = cells[2].date_input(
            tr("field.valid_until"),
            value=None,
            format="DD.MM.YYYY",
            help=tr("providers.until_help"),
        )
        if st.form_submit_button(tr("providers.add_qualification"), type="primary"):
            data = {
                "kind": kind,
                "certificate_number": certificate,
                "eqf_level": int(eqf) or None,
                "issuer": issuer,
                "valid_from": valid_from,
                "valid_until": valid_until,
            }
            if widgets.write(
                actor,
                providers.save_qualification,
                "providers.saved",
                specialist_id=person.id,
                data=data,
            ):
                st.rerun()


# --- coverage ----------------------------------------------------------------------------


def coverage_view(by_county: pd.DataFrame, by_language: pd.DataFrame) -> None:
    st.caption(tr("coverage.caption"))
    for frame, enum_name, heading in (
        (by_county, "County", "coverage.by_county"),
        (by_language, "Language", "coverage.by_language"),
    ):
        st.subheader(tr(heading))
        named = frame.assign(label=frame["code"].map(lambda c, e=enum_name: label(c, e)))
        if enum_name == "Language":
            named = named[(named["specialists"] > 0) | (named["clients_shown"] != "0")]
        titles = {
            "label": tr("coverage.where"),
            "value": tr("coverage.count"),
            "measure": tr("coverage.measure"),
            "specialists": tr("coverage.specialists"),
            "clients": tr("coverage.clients"),
        }
        st.altair_chart(coverage_chart(named, label_column="label", titles=titles), width="stretch")
        st.dataframe(
            named[["label", "providers", "specialists", "clients_shown", "clients_per_specialist"]],
            hide_index=True,
            width="stretch",
            column_config={
                "label": tr("coverage.where"),
                "providers": tr("coverage.providers"),
                "specialists": tr("coverage.specialists"),
                "clients_shown": tr("coverage.clients"),
                "clients_per_specialist": st.column_config.NumberColumn(
                    tr("coverage.per_specialist"), format="%.1f"
                ),
            },
        )
