"""Shared drawing helpers: KPI tiles, alert tables, validation messages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from core import db
from core.config import load_settings
from core.dates import local_today
from core.errors import ConflictError, DomainError, PermissionDenied, ValidationFailed
from core.formatting import format_date, format_money, format_number
from core.permissions import Actor
from core.statistics import store as statistics_store
from core.stats import Overview, Tile
from ui import nav
from ui.i18n import current_language, label, tr

TILES_PER_ROW = 4
TILE_HEIGHT = 170  # pixels: every tile the same size, with or without a link


def today() -> date:
    return local_today()


def _tile_value(tile: Tile) -> tuple[str, str | None]:
    lang = current_language()
    if tile.amount_cents is not None or tile.key.startswith("cost"):
        value = format_money(tile.amount_cents, lang) if tile.amount_cents is not None else "–"
        delta = None
        if tile.amount_cents is not None and tile.previous_amount_cents is not None:
            change = tile.amount_cents - tile.previous_amount_cents
            # An ASCII sign: st.metric reads it to choose the arrow.
            delta = ("+" if change >= 0 else "-") + format_money(abs(change), lang)
        return value, delta
    if tile.mean is not None or tile.responses is not None:
        if tile.mean is None:
            return "–", None
        return format_number(tile.mean, lang, decimals=2), None
    assert tile.count is not None
    delta = None
    if (
        tile.previous is not None
        and tile.count.value is not None
        and tile.previous.value is not None
    ):
        delta = f"{tile.count.value - tile.previous.value:+d}"
    return tile.count.display(), delta


def kpi_tiles(overview: Overview, actor: Actor) -> None:
    for start in range(0, len(overview.tiles), TILES_PER_ROW):
        columns = st.columns(TILES_PER_ROW)
        for column, tile in zip(
            columns, overview.tiles[start : start + TILES_PER_ROW], strict=False
        ):
            value, delta = _tile_value(tile)
            help_text = tr(
                f"kpi.{tile.key}.help",
                k=overview.k,
                responses=tile.responses.display() if tile.responses else "",
            )
            with column, st.container(border=True, height=TILE_HEIGHT):
                st.metric(
                    tr(f"kpi.{tile.key}"),
                    value,
                    delta=delta,
                    help=help_text,
                    delta_color="off" if tile.key.startswith("cost") else "normal",
                )
                target = nav.page_for(actor, tile.page)
                if target is not None:
                    st.page_link(
                        target.path, label=tr("overview.open"), icon=":material/arrow_forward:"
                    )


ALERT_TARGETS = {
    "specialist": ("providers", "specialist"),
    "material": ("materials", "material"),
    "task": ("tasks", "task"),
    "partner": ("partners", "partner"),
    "feedback": ("feedback", "feedback"),
    "contract": ("contracts", "contract"),
    "event": ("calendar", "event"),
    "provider": ("providers", "provider"),
}


def _alert_link(actor: Actor, table: str, record_id: int | None) -> str | None:
    page_key, parameter = ALERT_TARGETS.get(table, (None, None))
    target = nav.page_for(actor, page_key)
    if target is None or record_id is None:
        return None
    return f"{nav.url_path(target)}?{parameter}={record_id}"


def alert_table(overview: Overview, actor: Actor) -> None:
    lang = current_language()
    rows = [
        {
            "severity": tr(f"severity.{alert.severity}"),
            "date": format_date(alert.on, lang) if alert.on else "",
            "what": message(f"alert.{alert.kind}", alert.params),
            "subject": alert.subject,
            # An empty link shows as an empty cell; None would read "None".
            "link": _alert_link(actor, alert.table, alert.record_id) or "",
        }
        for alert in overview.alerts
    ]
    st.dataframe(
        pd.DataFrame(rows, columns=["severity", "date", "what", "subject", "link"]),
        hide_index=True,
        width="stretch",
        column_config={
            "severity": st.column_config.TextColumn(tr("alerts.severity"), width="small"),
            "date": st.column_config.TextColumn(tr("alerts.date"), width="small"),
            "what": st.column_config.TextColumn(tr("alerts.what"), width="large"),
            "subject": st.column_config.TextColumn(tr("alerts.subject"), width="medium"),
            "link": st.column_config.LinkColumn(
                tr("alerts.link"), display_text=tr("overview.open"), width="small"
            ),
        },
    )
    if overview.alert_total > len(overview.alerts):
        st.caption(tr("alerts.more", shown=len(overview.alerts), total=overview.alert_total))


# Parameter names whose values are codes of an enumeration, shown by their labels.
_LABELLED_PARAMS = {
    "kind": "QualificationKind",
    "qualification": "QualificationKind",
    "step": "OnboardingStepKind",
    "onboarding_status": "OnboardingStatus",
}


def message(key: str, params: dict[str, object]) -> str:
    """A message with readable values: labels for codes, local dates, nested reasons."""
    lang = current_language()
    shown: dict[str, object] = dict(params)
    for name, enum_name in _LABELLED_PARAMS.items():
        if shown.get(name):
            shown[name] = label(str(shown[name]), enum_name)
    for name, value in params.items():
        if isinstance(value, date):
            shown[name] = format_date(value, lang)
    if shown.get("service"):
        shown["service"] = tr(f"service.{shown['service']}")
    if params.get("reason"):
        inner = {k: v for k, v in params.items() if k not in ("name", "reason")}
        shown["reason"] = message(str(params["reason"]), inner)
    return tr(key, **shown)


def write(
    actor: Actor,
    service: Callable[..., Any],
    success_key: str,
    *,
    explain: Callable[[DomainError], DomainError] | None = None,
    **inputs: Any,
) -> Any:
    """Run one write service in its own transaction; show a translated error, never raise.

    Returns the service's result (True when it returns nothing), or None when refused.
    `explain` may rewrite a refusal's parameters for display before it is shown.
    """
    try:
        with db.write_session() as session:
            result = service(session, actor, **inputs)
    except DomainError as error:
        show_error(explain(error) if explain else error)
        return None
    if success_key:
        st.toast(tr(success_key), icon=":material/check_circle:")
    after_write()
    return result if result is not None else True


def after_write() -> None:
    """A write may have changed the facts: bring the statistics snapshot up to date now,
    in the background, rather than when the next reader opens the statistics. (Not in
    tests, where a background reader would outlive its test's database.)"""
    if not load_settings().is_test:
        statistics_store.prewarm(db.get_engine())


def show_error(error: DomainError) -> None:
    """A domain error as a message in the reader's language, naming the field."""
    if isinstance(error, ValidationFailed):
        lines = [
            (f"{tr('row', row=params['row'])} · " if "row" in params else "")
            + f"**{tr(f'field.{field}')}**: {plain(message(key, params))}"
            for field, key, params in error.problems
        ]
        st.error(tr("error.validation") + "\n\n" + "\n".join(f"- {line}" for line in lines))
    elif isinstance(error, ConflictError):
        st.error(tr("error.conflict"))
    elif isinstance(error, PermissionDenied):
        st.error(tr("error.permission_denied"))
    else:
        st.error(plain(message(error.key, error.params)))


_MARKDOWN_SPECIAL = set("\\`*_{}[]()#+-.!|<>~$:")


def plain(text: str) -> str:
    """User text made inert for Streamlit's markdown elements (titles, headers, captions)."""
    return "".join("\\" + char if char in _MARKDOWN_SPECIAL else char for char in text)
