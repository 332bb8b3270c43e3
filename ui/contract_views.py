"""Drawing the Contracts page: contracts, lifecycle and amendments, budget, invoices with
reconciliation and workflow, and the per-client cap. Every write goes through core."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from core import budget, caps, db
from core.errors import DomainError, ValidationFailed
from core.formatting import format_date, format_datetime, format_money, format_number
from core.models import ContractKind, ContractStatus, InvoiceStatus, ServiceForm
from core.permissions import Actor, Permission
from core.services import contracts, invoices
from core.services.contracts import ContractDetail, ContractRow
from core.services.invoices import InvoiceDetail, InvoiceRow, Reconciliation
from core.tabular import Problem, TableRefused, mime_type
from ui import widgets
from ui.i18n import current_language, label, tr

_IMPORT_NONCE = "_invoice_upload_nonce"
_IMPORT_DONE = "_invoice_import_done"


# --- messages and writes -----------------------------------------------------------------


def _write(actor: Actor, service: Callable[..., Any], success_key: str, **inputs: Any) -> Any:
    return widgets.write(actor, service, success_key, explain=_readable, **inputs)


def _readable(error: DomainError) -> DomainError:
    """Status codes as labels and money as money in the problems of a refused write."""
    if not isinstance(error, ValidationFailed):
        return error
    lang = current_language()
    problems = []
    for name, key, params in error.problems:
        enum_name = "InvoiceStatus" if key.startswith("invoice.") else "ContractStatus"
        shown = dict(params)
        for param in ("from", "to"):
            if param in shown:
                shown[param] = label(str(shown[param]), enum_name)
        if "allowed" in shown:
            shown["allowed"] = ", ".join(label(s, enum_name) for s in shown["allowed"]) or "–"
        if "difference" in shown:
            shown["difference"] = format_money(int(shown["difference"]), lang)
        if "current" in shown:
            shown["current"] = label(str(shown["current"]), enum_name)
        problems.append((name, key, shown))
    return ValidationFailed(problems)


def _money(cents: int | None) -> str:
    return format_money(cents, current_language())


def _date(value: date | None) -> str:
    return format_date(value, current_language())


def _percent(share: float) -> str:
    return f"{format_number(share * 100, current_language(), 1)} %"


def _status(row: ContractRow) -> str:
    return label(row.status, "ContractStatus")


# --- contract list -----------------------------------------------------------------------


def ending_alerts(rows: list[ContractRow]) -> None:
    """The 90/60/30-day alerts, as on the Overview."""
    if not rows:
        return
    lines = [
        f"- **{widgets.plain(row.number)}** · {widgets.plain(row.provider_name)}: "
        + tr(
            "contracts.alert_line",
            days=row.days_left,
            end=_date(row.end_date),
            bucket=row.alert_days,
        )
        for row in rows
    ]
    st.warning(tr("contracts.alerts_title") + "\n\n" + "\n".join(lines), icon=":material/event:")


def contract_filters(providers: list[tuple[int, str]]) -> dict[str, Any]:
    columns = st.columns([2, 3, 2])
    status = columns[0].selectbox(
        tr("field.status"),
        ["", *contracts.FILTER_STATUSES],
        format_func=lambda s: label(s, "ContractStatus") if s else tr("any"),
        key="contract_filter_status",
    )
    names = dict(providers)
    provider = columns[1].selectbox(
        tr("contracts.provider"),
        [0, *names],
        format_func=lambda p: names[p] if p else tr("any"),
        key="contract_filter_provider",
    )
    within = columns[2].number_input(
        tr("contracts.ending_within"),
        min_value=0,
        max_value=3650,
        value=0,
        step=30,
        help=tr("contracts.ending_within_help"),
        key="contract_filter_within",
    )
    return {
        "status": status or None,
        "provider_id": provider or None,
        "ending_within_days": int(within) or None,
    }


def contract_list(rows: list[ContractRow]) -> int | None:
    st.caption(tr("contracts.count", count=len(rows)))
    if not rows:
        st.info(tr("contracts.none_found"))
        return None
    frame = pd.DataFrame(
        [
            {
                "number": row.number,
                "provider": row.provider_name,
                "status": _status(row),
                "start": _date(row.start_date),
                "end": _date(row.end_date),
                "days_left": row.days_left if row.days_left >= 0 else None,
                "ceiling": _money(row.ceiling_cents),
                "alert": f"! {row.alert_days} p" if row.alert_days else "",
            }
            for row in rows
        ]
    )
    event = st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key="contract_table",
        column_config={
            "number": tr("contracts.number"),
            "provider": tr("contracts.provider"),
            "status": tr("field.status"),
            "start": tr("contracts.start"),
            "end": tr("contracts.end"),
            "days_left": st.column_config.NumberColumn(tr("contracts.days_left")),
            "ceiling": tr("contracts.ceiling"),
            "alert": tr("contracts.alert"),
        },
    )
    st.caption(tr("contracts.select_hint"))
    chosen = event.selection.rows if event and event.selection else []
    return rows[chosen[0]].id if chosen else None


# --- contract form -----------------------------------------------------------------------


def _price_frame(prices: tuple[dict[str, Any], ...] | list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "form": p.get("form"),
                "minutes": int(p.get("minutes", 60)),
                "price": int(p.get("price_cents", 0)) / 100,
            }
            for p in prices
        ],
        columns=["form", "minutes", "price"],
    )


def contract_form(
    actor: Actor, detail: ContractDetail | None, providers: list[tuple[int, str]]
) -> int | None:
    """Create (detail None) or edit a draft or a contract in review."""
    editable = actor.can(Permission.EDIT_RECORDS) and (detail is None or detail.editable)
    names = dict(providers)
    provider_ids = list(names)
    row = detail.row if detail else None
    prices_now = list(detail.unit_prices) if detail else []
    if detail is None:
        # Outside the form: choosing the provider fills in its latest contract's prices.
        provider = st.selectbox(
            tr("contracts.provider"),
            provider_ids,
            index=None,
            format_func=lambda p: names.get(p, ""),
            placeholder=tr("contracts.choose_provider"),
            key="new_contract_provider",
        )
        if provider is not None:
            with db.read_session() as session:
                prices_now = contracts.suggested_prices(session, actor, provider_id=provider)
            if prices_now:
                st.caption(tr("contracts.prices_suggested"))
    with st.form("contract_form"):
        first, second = st.columns(2)
        number = first.text_input(
            tr("contracts.number"), value=row.number if row else "", disabled=not editable
        )
        if detail is not None:
            provider = second.selectbox(
                tr("contracts.provider"),
                provider_ids,
                index=provider_ids.index(detail.row.provider_id)
                if detail.row.provider_id in names
                else None,
                format_func=lambda p: names.get(p, ""),
                disabled=not editable,
            )
        kinds = [k.value for k in ContractKind]
        kind = first.selectbox(
            tr("field.kind"),
            kinds,
            index=kinds.index(row.kind) if row else 0,
            format_func=lambda k: label(k, "ContractKind"),
            disabled=not editable,
        )
        ceiling = second.number_input(
            tr("contracts.ceiling_eur"),
            min_value=0.0,
            value=row.ceiling_cents / 100 if row else 0.0,
            step=1000.0,
            format="%.2f",
            disabled=not editable,
        )
        start = first.date_input(
            tr("contracts.start"),
            value=row.start_date if row else widgets.today(),
            format="DD.MM.YYYY",
            disabled=not editable,
        )
        end = second.date_input(
            tr("contracts.end"),
            value=row.end_date if row else None,
            format="DD.MM.YYYY",
            disabled=not editable,
        )
        st.markdown(f"**{tr('contracts.unit_prices')}**")
        st.caption(tr("contracts.unit_prices_help"))
        prices = st.data_editor(
            _price_frame(prices_now),
            num_rows="dynamic" if editable else "fixed",
            disabled=not editable,
            hide_index=True,
            key=f"prices_{row.id if row else 'new'}_{detail.version if detail else provider}",
            column_config={
                "form": st.column_config.SelectboxColumn(
                    tr("field.service_form"),
                    options=[f.value for f in ServiceForm],
                    format_func=lambda f: label(f, "ServiceForm"),
                    required=True,
                ),
                "minutes": st.column_config.NumberColumn(
                    tr("contracts.minutes"), min_value=1, max_value=600, step=5, default=60
                ),
                "price": st.column_config.NumberColumn(
                    tr("contracts.price_eur"), min_value=0.0, step=1.0, format="%.2f"
                ),
            },
        )
        first, second = st.columns(2)
        document_ref = first.text_input(
            tr("field.document_ref"),
            value=detail.document_ref if detail else "",
            placeholder="7.2-3/2026/123",
            disabled=not editable,
        )
        notes = st.text_area(
            tr("field.notes"), value=detail.notes if detail else "", disabled=not editable
        )
        submitted = st.form_submit_button(tr("save"), type="primary", disabled=not editable)
    if not submitted:
        return None
    unit_prices = [
        {
            "form": record.get("form"),
            "minutes": int(record["minutes"]) if pd.notna(record.get("minutes")) else 0,
            "price_cents": round(float(record["price"]) * 100)
            if pd.notna(record.get("price"))
            else -1,
        }
        for record in prices.to_dict("records")
        if record.get("form") or pd.notna(record.get("price"))
    ]
    data = {
        "provider_id": provider or 0,
        "number": number,
        "kind": kind,
        "start_date": start,
        "end_date": end,
        "ceiling_cents": round(ceiling * 100),
        "unit_prices": unit_prices,
        "document_ref": document_ref,
        "notes": notes,
    }
    if detail is None:
        created = _write(actor, contracts.create_contract, "contracts.saved", data=data)
        return int(created) if created else None
    if _write(
        actor,
        contracts.update_contract,
        "contracts.saved",
        contract_id=detail.row.id,
        data=data,
        expected_version=detail.version,
    ):
        st.rerun()
    return None


# --- contract detail ---------------------------------------------------------------------


def contract_detail(
    actor: Actor,
    detail: ContractDetail,
    providers: list[tuple[int, str]],
    contract_budget: budget.ContractBudget | None,
    burn: pd.DataFrame | None,
    contract_invoices: list[InvoiceRow],
) -> int | None:
    """Returns an invoice id when the reader opens one."""
    row = detail.row
    st.subheader(f"{widgets.plain(row.number)} · {widgets.plain(row.provider_name)}")
    st.caption(
        f"{_status(row)} · {_date(row.start_date)} – {_date(row.end_date)}"
        + (f" · {tr('contracts.days_left_text', days=row.days_left)}" if row.days_left >= 0 else "")
    )
    if row.alert_days:
        ending_alerts([row])
    if row.status == ContractStatus.EXPIRING and row.days_left < 0:
        st.error(tr("contracts.past_end"))
    if detail.termination_reason:
        st.info(tr("contracts.terminated_because") + " " + widgets.plain(detail.termination_reason))

    data_tab, life_tab, budget_tab, invoice_tab = st.tabs(
        [
            tr("contracts.tab.data"),
            tr("contracts.tab.lifecycle"),
            tr("contracts.tab.budget"),
            tr("contracts.tab.invoices"),
        ]
    )
    with data_tab:
        if not detail.editable:
            st.caption(tr("contracts.locked_hint"))
        contract_form(actor, detail, providers)
    with life_tab:
        _lifecycle(actor, detail)
        _amendments(actor, detail)
    with budget_tab:
        if contract_budget is not None:
            budget_metrics(contract_budget)
        if burn is not None:
            _burn(burn, contract_budget.ceiling_cents if contract_budget else None)
    with invoice_tab:
        return invoice_table(contract_invoices, key=f"contract_invoices_{row.id}")
    return None


def _lifecycle(actor: Actor, detail: ContractDetail) -> None:
    steps = " → ".join(
        label(s.value, "ContractStatus")
        for s in (
            ContractStatus.DRAFT,
            ContractStatus.IN_REVIEW,
            ContractStatus.SIGNED,
            ContractStatus.ACTIVE,
            ContractStatus.ENDED,
        )
    )
    st.caption(tr("contracts.lifecycle_help", steps=steps))
    st.markdown(tr("contracts.current_status", status=label(detail.row.status, "ContractStatus")))
    if not actor.can(Permission.EDIT_RECORDS):
        return
    if not detail.next_statuses:
        st.caption(tr("contracts.final_status"))
        return
    reason = ""
    if ContractStatus.TERMINATED.value in detail.next_statuses:
        reason = st.text_input(
            tr("contracts.termination_reason"),
            key=f"termination_{detail.row.id}",
            help=tr("contracts.termination_help"),
        )
    columns = st.columns(len(detail.next_statuses))
    for column, status in zip(columns, detail.next_statuses, strict=True):
        if column.button(
            tr("contracts.move_to", status=label(status, "ContractStatus")),
            key=f"move_{status}",
            type="primary" if status != ContractStatus.TERMINATED.value else "secondary",
        ) and _write(
            actor,
            contracts.change_status,
            "contracts.status_changed",
            contract_id=detail.row.id,
            status=status,
            expected_version=detail.version,
            today=widgets.today(),
            reason=reason,
        ):
            st.rerun()


def _amendments(actor: Actor, detail: ContractDetail) -> None:
    st.subheader(tr("contracts.amendments"))
    if detail.amendments:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "on": _date(a.amended_on),
                        "what": a.what_changed,
                        "ceiling": _money(a.new_ceiling_cents) if a.new_ceiling_cents else "",
                        "end": _date(a.new_end_date) if a.new_end_date else "",
                        "ref": a.document_ref,
                    }
                    for a in detail.amendments
                ]
            ),
            hide_index=True,
            width="stretch",
            column_config={
                "on": tr("contracts.amended_on"),
                "what": tr("contracts.what_changed"),
                "ceiling": tr("contracts.new_ceiling"),
                "end": tr("contracts.new_end"),
                "ref": tr("field.document_ref"),
            },
        )
    else:
        st.caption(tr("contracts.no_amendments"))
    if not (actor.can(Permission.EDIT_RECORDS) and detail.amendable):
        return
    with st.form(f"amend_{detail.row.id}", clear_on_submit=True):
        st.markdown(f"**{tr('contracts.add_amendment')}**")
        cells = st.columns(3)
        amended_on = cells[0].date_input(
            tr("contracts.amended_on"), value=widgets.today(), format="DD.MM.YYYY"
        )
        new_ceiling = cells[1].number_input(
            tr("contracts.new_ceiling_eur"),
            min_value=0.0,
            value=None,
            step=1000.0,
            format="%.2f",
            help=tr("contracts.empty_keeps"),
        )
        new_end = cells[2].date_input(
            tr("contracts.new_end"),
            value=None,
            format="DD.MM.YYYY",
            help=tr("contracts.empty_keeps"),
        )
        what = st.text_input(tr("contracts.what_changed"))
        reference = st.text_input(tr("field.document_ref"))
        if st.form_submit_button(tr("contracts.add_amendment"), type="primary") and _write(
            actor,
            contracts.add_amendment,
            "contracts.amended",
            contract_id=detail.row.id,
            data={
                "amended_on": amended_on,
                "what_changed": what,
                "new_ceiling_cents": round(new_ceiling * 100) if new_ceiling is not None else None,
                "new_end_date": new_end,
                "document_ref": reference,
            },
            expected_version=detail.version,
        ):
            st.rerun()


# --- budget ------------------------------------------------------------------------------


def _euros(cents: int) -> str:
    """Whole euros for a tile (the exact amount is in its help and in the tables)."""
    lang = current_language()
    amount = format_number(round(cents / 100), lang)
    return f"{amount} €" if lang == "et" else f"€{amount}"


def budget_metrics(item: budget.ContractBudget) -> None:
    cells = st.columns(5)
    for cell, key, cents in (
        (cells[0], "budget.ceiling", item.ceiling_cents),
        (cells[1], "budget.sessions", item.sessions_cents),
        (cells[2], "budget.invoiced", item.invoiced_cents),
        (cells[3], "budget.approved", item.approved_cents),
        (cells[4], "budget.paid", item.paid_cents),
    ):
        cell.metric(tr(key), _euros(cents), help=_money(cents), border=True)
    st.progress(
        min(item.share, 1.0),
        text=tr(
            "budget.used_text",
            used=_money(item.used_cents),
            share=_percent(item.share),
            remaining=_money(item.remaining_cents),
        ),
    )
    if item.share > 1:
        st.error(tr("budget.over"), icon=":material/error:")
    elif item.warning:
        st.warning(tr("budget.warning_80", share=_percent(item.share)), icon=":material/warning:")
    if item.forecast_on is None:
        st.caption(tr("budget.forecast_none"))
    elif item.runs_out_before_end:
        st.warning(
            tr("budget.forecast_before_end", on=_date(item.forecast_on), end=_date(item.end_date)),
            icon=":material/trending_up:",
        )
    else:
        st.caption(tr("budget.forecast_after_end", on=_date(item.forecast_on)))


def _burn(frame: pd.DataFrame, ceiling_cents: int | None) -> None:
    st.markdown(f"**{tr('budget.burn_title')}**")
    titles = {
        "month": tr("budget.month"),
        "value": tr("budget.euros"),
        "monthly": tr("budget.monthly"),
        "cumulative": tr("budget.cumulative"),
        "ceiling": tr("budget.ceiling"),
    }
    chart = budget.burn_chart(
        frame, titles=titles, ceiling_cents=ceiling_cents, lang=current_language()
    )
    st.altair_chart(chart, width="stretch")


def budget_view(
    items: list[budget.ContractBudget], total: budget.ContractBudget, burn: pd.DataFrame
) -> int | None:
    st.caption(tr("budget.caption"))
    st.subheader(tr("budget.total"))
    budget_metrics(total)
    _burn(burn, None)
    st.subheader(tr("budget.by_contract"))
    if not items:
        st.info(tr("contracts.none_found"))
        return None
    frame = pd.DataFrame(
        [
            {
                "number": b.number,
                "provider": b.provider_name,
                "ceiling": _money(b.ceiling_cents),
                "sessions": _money(b.sessions_cents),
                "invoiced": _money(b.invoiced_cents),
                "approved": _money(b.approved_cents),
                "paid": _money(b.paid_cents),
                "share": round(b.share * 100, 1),
                "flag": ("✗ " if b.share > 1 else "! ") + tr("budget.flag_80") if b.warning else "",
                "forecast": _date(b.forecast_on) if b.forecast_on else "–",
            }
            for b in items
        ]
    )
    event = st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key="budget_table",
        column_config={
            "number": tr("contracts.number"),
            "provider": tr("contracts.provider"),
            "ceiling": tr("budget.ceiling"),
            "sessions": tr("budget.sessions"),
            "invoiced": tr("budget.invoiced"),
            "approved": tr("budget.approved"),
            "paid": tr("budget.paid"),
            "share": st.column_config.ProgressColumn(
                tr("budget.share"), min_value=0, max_value=100, format="%.1f %%"
            ),
            "flag": tr("budget.warning"),
            "forecast": tr("budget.forecast"),
        },
    )
    chosen = event.selection.rows if event and event.selection else []
    return items[chosen[0]].contract_id if chosen else None


# --- invoices ----------------------------------------------------------------------------


def _issue_text(result: Reconciliation) -> str:
    lang = current_language()
    parts = []
    for issue in result.issues:
        params = dict(issue.params)
        if "difference" in params:
            params["difference"] = format_money(int(params["difference"]), lang)
        parts.append(tr(f"reconcile.{issue.kind}", **params))
    return "; ".join(parts)


def _flag(row: InvoiceRow) -> str:
    marks = []
    if not row.reconciliation.matches:
        marks.append("✗ " + _issue_text(row.reconciliation))
    if row.over_ceiling:
        marks.append("! " + tr("invoices.over_ceiling_short"))
    return " · ".join(marks) if marks else "✓"


def invoice_table(rows: list[InvoiceRow], *, key: str) -> int | None:
    if not rows:
        st.info(tr("invoices.none_found"))
        return None
    frame = pd.DataFrame(
        [
            {
                "number": row.number,
                "contract": row.contract_number,
                "provider": row.provider_name,
                "period": f"{_date(row.period_start)} – {_date(row.period_end)}",
                "claimed": row.sessions_claimed,
                "recorded": row.reconciliation.recorded_sessions,
                "amount": _money(row.amount_cents),
                "expected": _money(row.reconciliation.expected_cents),
                "difference": _money(row.reconciliation.amount_difference)
                if row.reconciliation.amount_difference
                else "",
                "status": label(row.status, "InvoiceStatus"),
                "check": _flag(row),
            }
            for row in rows
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
            "number": tr("invoices.number"),
            "contract": tr("contracts.number"),
            "provider": tr("contracts.provider"),
            "period": tr("invoices.period"),
            "claimed": st.column_config.NumberColumn(tr("invoices.claimed")),
            "recorded": st.column_config.NumberColumn(tr("invoices.recorded")),
            "amount": tr("invoices.amount"),
            "expected": tr("invoices.expected"),
            "difference": tr("invoices.difference"),
            "status": tr("field.status"),
            "check": tr("invoices.check"),
        },
    )
    st.caption(tr("invoices.select_hint"))
    chosen = event.selection.rows if event and event.selection else []
    return rows[chosen[0]].id if chosen else None


def invoice_filters() -> dict[str, Any]:
    columns = st.columns([2, 2])
    status = columns[0].selectbox(
        tr("field.status"),
        ["", *(s.value for s in InvoiceStatus)],
        format_func=lambda s: label(s, "InvoiceStatus") if s else tr("any"),
        key="invoice_filter_status",
    )
    flagged = columns[1].toggle(tr("invoices.only_flagged"), key="invoice_filter_flagged")
    return {"status": status or None, "mismatched_only": flagged}


def invoice_form(
    actor: Actor, choices: list[tuple[int, str]], detail: InvoiceDetail | None = None
) -> int | None:
    """Enter a new invoice, or correct one that is not decided yet."""
    names = dict(choices)
    row = detail.row if detail else None
    key = f"invoice_form_{row.id if row else 'new'}"
    with st.form(key, clear_on_submit=detail is None):
        first, second = st.columns(2)
        ids = list(names)
        contract_id = first.selectbox(
            tr("contracts.number"),
            ids,
            index=ids.index(row.contract_id) if row and row.contract_id in names else None,
            format_func=lambda c: names.get(c, ""),
            placeholder=tr("invoices.choose_contract"),
        )
        number = second.text_input(tr("invoices.number"), value=row.number if row else "")
        today = widgets.today()
        period_start = first.date_input(
            tr("invoices.period_start"),
            value=row.period_start if row else None,
            format="DD.MM.YYYY",
        )
        period_end = second.date_input(
            tr("invoices.period_end"), value=row.period_end if row else None, format="DD.MM.YYYY"
        )
        claimed = first.number_input(
            tr("invoices.claimed"), min_value=0, value=row.sessions_claimed if row else 0
        )
        amount = second.number_input(
            tr("invoices.amount_eur"),
            min_value=0.0,
            value=row.amount_cents / 100 if row else 0.0,
            step=10.0,
            format="%.2f",
        )
        received = first.date_input(
            tr("invoices.received_on"), value=row.received_on if row else today, format="DD.MM.YYYY"
        )
        submitted = st.form_submit_button(
            tr("invoices.save_correction") if detail else tr("invoices.add"), type="primary"
        )
    if not submitted:
        return None
    data = {
        "contract_id": contract_id or 0,
        "number": number,
        "period_start": period_start,
        "period_end": period_end,
        "sessions_claimed": int(claimed),
        "amount_cents": round(amount * 100),
        "received_on": received,
    }
    if detail is None:
        created = _write(actor, invoices.create_invoice, "invoices.saved", data=data)
        return int(created) if created else None
    if _write(
        actor,
        invoices.update_invoice,
        "invoices.saved",
        invoice_id=detail.row.id,
        data=data,
        expected_version=detail.row.version,
    ):
        st.rerun()
    return None


def reconciliation_box(row: InvoiceRow) -> None:
    result = row.reconciliation
    cells = st.columns(4)
    cells[0].metric(
        tr("invoices.claimed"),
        str(result.claimed_sessions),
        delta=f"{result.session_difference:+d}" if result.session_difference else None,
        delta_color="off",
        border=True,
    )
    cells[1].metric(tr("invoices.recorded"), str(result.recorded_sessions), border=True)
    cells[2].metric(tr("invoices.amount"), _money(result.claimed_cents), border=True)
    cells[3].metric(tr("invoices.expected"), _money(result.expected_cents), border=True)
    if result.matches:
        st.success(tr("invoices.matches"), icon=":material/check_circle:")
    else:
        st.error(
            tr(
                "invoices.mismatch",
                difference=_money(result.amount_difference),
                sessions=f"{result.session_difference:+d}",
            )
            + "\n\n"
            + widgets.plain(_issue_text(result)),
            icon=":material/error:",
        )
    if row.over_ceiling:
        st.warning(
            tr("invoices.over_ceiling", remaining=_money(row.remaining_before_cents)),
            icon=":material/warning:",
        )


def invoice_detail(actor: Actor, detail: InvoiceDetail, choices: list[tuple[int, str]]) -> None:
    row = detail.row
    lang = current_language()
    number, contract_number = widgets.plain(row.number), widgets.plain(row.contract_number)
    st.subheader(f"{tr('invoices.invoice')} {number} · {contract_number}")
    st.caption(
        f"{widgets.plain(row.provider_name)} · {_date(row.period_start)} – {_date(row.period_end)}"
        f" · {label(row.status, 'InvoiceStatus')}"
    )
    reconciliation_box(row)
    history = [
        (tr("invoices.received_on"), _date(row.received_on), ""),
        (tr("invoices.checked"), format_datetime(detail.checked_at, lang), detail.checked_by),
        (tr("invoices.decided"), format_datetime(detail.decided_at, lang), detail.decided_by),
        (tr("invoices.paid_on"), _date(detail.paid_on), ""),
    ]
    st.dataframe(
        pd.DataFrame(history, columns=["step", "when", "who"]),
        hide_index=True,
        column_config={
            "step": tr("invoices.step"),
            "when": tr("invoices.when"),
            "who": tr("invoices.who"),
        },
    )
    if detail.rejection_reason:
        st.info(tr("invoices.rejected_because") + " " + widgets.plain(detail.rejection_reason))
    _workflow(actor, detail)

    st.markdown(f"**{tr('invoices.sessions_behind')}**")
    st.caption(tr("invoices.sessions_help"))
    if detail.sessions:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "mark": "✗" if line.differs else "",
                        "date": _date(line.session_date),
                        "session": line.session_key,
                        "case": line.case_key,
                        "form": label(line.form, "ServiceForm"),
                        "minutes": line.minutes,
                        "cost": _money(line.cost_cents),
                        "price": _money(line.unit_price_cents)
                        if line.unit_price_cents is not None
                        else tr("invoices.no_price"),
                    }
                    for line in detail.sessions
                ]
            ),
            hide_index=True,
            width="stretch",
            column_config={
                "mark": " ",
                "date": tr("invoices.session_date"),
                "session": tr("invoices.session_key"),
                "case": tr("caps.case_key"),
                "form": tr("field.service_form"),
                "minutes": tr("contracts.minutes"),
                "cost": tr("invoices.recorded_cost"),
                "price": tr("invoices.unit_price"),
            },
        )
    else:
        st.caption(tr("invoices.no_sessions"))
    if detail.editable and actor.can(Permission.EDIT_RECORDS):
        with st.expander(tr("invoices.correct"), expanded=not row.reconciliation.matches):
            invoice_form(actor, choices, detail)


def _workflow(actor: Actor, detail: InvoiceDetail) -> None:
    if not actor.can(Permission.EDIT_RECORDS) or not detail.next_statuses:
        return
    row = detail.row
    columns = st.columns(4)
    common = {"invoice_id": row.id, "expected_version": row.version}
    if (
        InvoiceStatus.CHECKED.value in detail.next_statuses
        and columns[0].button(tr("invoices.mark_checked"), type="primary", key="invoice_check")
        and _write(actor, invoices.check_invoice, "invoices.saved", **common)
    ):
        st.rerun()
    if (
        InvoiceStatus.APPROVED.value in detail.next_statuses
        and columns[0].button(tr("invoices.approve"), type="primary", key="invoice_approve")
        and _write(actor, invoices.approve_invoice, "invoices.approved", **common)
    ):
        st.rerun()
    if InvoiceStatus.PAID.value in detail.next_statuses:
        paid_on = columns[1].date_input(
            tr("invoices.paid_on"), value=widgets.today(), format="DD.MM.YYYY", key="paid_on"
        )
        if columns[2].button(
            tr("invoices.mark_paid"), type="primary", key="invoice_paid"
        ) and _write(actor, invoices.mark_paid, "invoices.saved", paid_on=paid_on, **common):
            st.rerun()
    if InvoiceStatus.REJECTED.value in detail.next_statuses:
        reason = columns[1].text_input(tr("invoices.rejection_reason"), key="reject_reason")
        if columns[2].button(tr("invoices.reject"), key="invoice_reject") and _write(
            actor, invoices.reject_invoice, "invoices.saved", reason=reason, **common
        ):
            st.rerun()


# --- invoice import ----------------------------------------------------------------------


def _problem_frame(problems: list[Problem]) -> pd.DataFrame:
    lang = current_language()
    return pd.DataFrame(
        [
            {
                "row": str(p.row) if p.row is not None else tr("io.problems.whole_file"),
                "column": invoices.column_header(p.column, lang),
                "message": tr(p.key, **p.params),
            }
            for p in problems
        ],
        columns=["row", "column", "message"],
    )


def _show_problems(problems: list[Problem]) -> None:
    st.error(tr("io.problems.title", count=len(problems)))
    st.dataframe(
        _problem_frame(problems),
        hide_index=True,
        width="stretch",
        column_config={
            "row": tr("io.problems.row"),
            "column": tr("io.problems.column"),
            "message": tr("io.problems.message"),
        },
    )


def import_section(actor: Actor) -> None:
    lang = current_language()
    st.caption(tr("invoices.import_help"))
    done = st.session_state.pop(_IMPORT_DONE, None)
    if done:
        st.success(tr("invoices.import_done", **done))
    columns = st.columns(2)
    for column, fmt in zip(columns, ("csv", "xlsx"), strict=True):
        column.download_button(
            tr(f"io.template.{fmt}"),
            data=invoices.template_file(lang, fmt),  # type: ignore[arg-type]
            file_name=f"{tr('invoices.template_file')}.{fmt}",
            mime=mime_type(fmt),  # type: ignore[arg-type]
            key=f"invoice_template_{fmt}",
            on_click="ignore",
        )
    nonce = st.session_state.setdefault(_IMPORT_NONCE, 0)
    uploaded = st.file_uploader(
        tr("io.upload"), type=["csv", "xlsx", "txt"], key=f"invoice_upload_{nonce}"
    )
    if uploaded is None:
        return
    data, filename = uploaded.getvalue(), uploaded.name
    try:
        with db.read_session() as session:
            preview = invoices.preview_import(session, actor, data=data, filename=filename)
    except DomainError as error:
        widgets.show_error(error)
        return
    if preview.problems:
        _show_problems(preview.problems)
    if not preview.frame.empty:
        st.markdown(f"**{tr('io.preview.title')}**")
        frame = preview.frame.copy()
        frame["action"] = frame["action"].map(lambda a: tr(f"io.action.{a}"))
        frame["difference"] = frame["difference"].map(
            lambda d: "" if pd.isna(d) else ("✓" if d == 0 else _money(int(d)))
        )
        config: dict[str, Any] = {
            "row": tr("io.problems.row"),
            "action": tr("io.action"),
            "recorded": tr("invoices.recorded"),
            "difference": tr("invoices.difference"),
        }
        for spec in invoices.COLUMNS:
            config[spec.name] = spec.header(lang)
        st.dataframe(frame, hide_index=True, width="stretch", column_config=config)
    if not preview.ok:
        return
    if st.button(
        tr("io.import.confirm", rows=preview.planned), type="primary", key="invoice_import"
    ):
        with st.status(tr("io.import.running"), expanded=True) as status:
            bar = st.progress(0.0)
            try:
                with db.write_session() as session:
                    result = invoices.run_import(
                        session,
                        actor,
                        data=data,
                        filename=filename,
                        progress=lambda f, _m: bar.progress(min(max(f, 0.0), 1.0)),
                    )
            except TableRefused as refused:
                status.update(label=tr("io.import.failed"), state="error")
                _show_problems(refused.items)
                return
            except DomainError as error:
                status.update(label=tr("io.import.failed"), state="error")
                widgets.show_error(error)
                return
            status.update(label=tr("io.import.finished"), state="complete")
        st.session_state[_IMPORT_DONE] = {
            "created": result.created,
            "mismatched": result.mismatched,
        }
        st.session_state[_IMPORT_NONCE] = nonce + 1
        st.rerun()


# --- caps --------------------------------------------------------------------------------


def caps_view(actor: Actor, near: list[caps.CapStatus], counts: tuple[int, int]) -> None:
    st.caption(tr("caps.caption"))
    cells = st.columns(2)
    cells[0].metric(tr("caps.near"), str(counts[0]), border=True)
    cells[1].metric(tr("caps.over"), str(counts[1]), border=True)
    wanted = st.text_input(tr("caps.lookup"), placeholder="K-2026-0000123", key="cap_lookup")
    if wanted.strip():
        try:
            with db.read_session() as session:
                found = caps.case_cap(session, actor, case_key=wanted)
        except DomainError as error:
            widgets.show_error(error)
        else:
            _cap_line(found)
    st.subheader(tr("caps.list_title"))
    if not near:
        st.success(tr("caps.none"))
        return
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "case": c.case_key,
                    "decided": _date(c.decided_on),
                    "cap": _money(c.cap_cents),
                    "spent": _money(c.spent_cents),
                    "share": round(c.share * 100, 1),
                    "level": ("✗ " if c.level == "over" else "! ") + tr(f"caps.level.{c.level}"),
                }
                for c in near
            ]
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "case": tr("caps.case_key"),
            "decided": tr("caps.decided_on"),
            "cap": tr("caps.cap"),
            "spent": tr("caps.spent"),
            "share": st.column_config.NumberColumn(tr("caps.share"), format="%.1f %%"),
            "level": tr("caps.level"),
        },
    )


def _cap_line(found: caps.CapStatus) -> None:
    text = tr(
        "caps.case_line",
        case=found.case_key,
        spent=_money(found.spent_cents),
        cap=_money(found.cap_cents),
        share=_percent(found.share),
        decided=_date(found.decided_on),
    )
    if found.level == "over":
        st.error(text + " " + tr("caps.level.over"), icon=":material/error:")
    elif found.level == "near":
        st.warning(text + " " + tr("caps.level.near"), icon=":material/warning:")
    else:
        st.info(text)
