"""Shared drawing helpers: KPI tiles, alert tables, validation messages."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import streamlit as st

from core.errors import ConflictError, DomainError, PermissionDenied, ValidationFailed
from core.formatting import TALLINN, format_date, format_money, format_number
from core.stats import Overview, Tile
from ui.i18n import current_language, label, tr

TILES_PER_ROW = 4


def today() -> date:
    return datetime.now(TALLINN).date()


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


def kpi_tiles(overview: Overview) -> None:
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
            with column:
                st.metric(
                    tr(f"kpi.{tile.key}"),
                    value,
                    delta=delta,
                    help=help_text,
                    border=True,
                    delta_color="off" if tile.key.startswith("cost") else "normal",
                )
                if tile.page:
                    st.page_link(tile.page, label=tr("overview.open"))


def _readable(params: dict[str, object]) -> dict[str, object]:
    shown = dict(params)
    if "qualification" in shown:
        shown["qualification"] = label(str(shown["qualification"]), "QualificationKind")
    return shown


def alert_table(overview: Overview) -> None:
    lang = current_language()
    rows = [
        {
            tr("alerts.severity"): tr(f"severity.{alert.severity}"),
            tr("alerts.date"): format_date(alert.on, lang) if alert.on else "",
            tr("alerts.what"): tr(f"alert.{alert.kind}", **_readable(alert.params)),
            tr("alerts.subject"): alert.subject,
        }
        for alert in overview.alerts
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    if overview.alert_total > len(overview.alerts):
        st.caption(tr("alerts.more", shown=len(overview.alerts), total=overview.alert_total))


def show_error(error: DomainError) -> None:
    """A domain error as a message in the reader's language, naming the field."""
    if isinstance(error, ValidationFailed):
        lines = [
            f"**{tr(f'field.{field}')}**: {tr(key, **params)}"
            for field, key, params in error.problems
        ]
        st.error(tr("error.validation") + "\n\n" + "\n".join(f"- {line}" for line in lines))
    elif isinstance(error, ConflictError):
        st.error(tr("error.conflict"))
    elif isinstance(error, PermissionDenied):
        st.error(tr("error.permission_denied"))
    else:
        st.error(tr(error.key, **error.params))
