"""Altair chart builders of the statistics page and meeting mode (pure functions of the
suppressed frames), the figures' display formats, and the chart and data downloads.

A hidden cell has no numeric value, so it is never drawn; its tooltip shows "<k" or "×",
like the tables. Bars of breakdowns carry a point selection named `pick` on `key`, which
the page turns into a filter ("clicking a bar filters the other charts").
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import altair as alt
import pandas as pd

from core.formatting import format_date, format_money, format_number
from core.statistics.glossary import Unit
from core.tabular import write_table

PICK = "pick"
WIDTH = "container"
PALETTE = ["#2d6a8e", "#e09f3e", "#7a9e7e", "#9e2a2b", "#6c757d", "#b5838d"]


def shown(value: Any, unit: Unit, lang: str) -> str:
    """A figure as text in the reader's language; hidden marks ("<5", "×") pass through."""
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    if isinstance(value, str):
        return value
    if unit == "money":
        cents = round(float(value))
        if cents % 100 == 0 and abs(cents) >= 100_000_00:
            whole = format_number(cents // 100, lang)
            return f"{whole} €" if lang == "et" else f"€{whole}"
        return format_money(cents, lang)
    if unit == "share":
        return f"{format_number(100 * float(value), lang, 1)} %"
    if unit in ("ratio", "score", "points", "days"):
        return format_number(float(value), lang, 1)
    if isinstance(value, date):
        return format_date(value, lang)
    return format_number(int(value), lang)


NUMBER_LOCALES = {
    "et": alt.NumberLocale(decimal=",", thousands="\u00a0", grouping=[3], currency=["", "\u00a0€"]),
    "en": alt.NumberLocale(decimal=".", thousands=",", grouping=[3], currency=["€", ""]),
}


def localised(chart: Any, lang: str) -> Any:
    """Axis and legend numbers in the reader's format (1 234,5 in Estonian)."""
    return chart.configure(locale=alt.Locale(number=NUMBER_LOCALES.get(lang, NUMBER_LOCALES["et"])))


def month_label(value: date) -> str:
    return f"{value.month:02d}/{value.year}"


def chart_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with one type a column: a column mixing numbers and marks ("<5", "×") or
    holding dates becomes text, so the browser gets the data without a failed conversion
    (which Streamlit would retry column by column, slowly and noisily)."""
    safe = frame.copy()
    for column in safe.columns:
        values = safe[column]
        if values.dtype != object:
            continue
        numbers = all(v is None or isinstance(v, int | float) for v in values)
        if not numbers:
            safe[column] = [None if v is None else str(v) for v in values]
    return safe


def _base(frame: pd.DataFrame, title: str) -> alt.Chart:
    return alt.Chart(chart_safe(frame), title=alt.Title(title, anchor="start")).properties(
        width=WIDTH, height=280
    )


def clients_sessions(frame: pd.DataFrame, *, title: str, labels: dict[str, str]) -> alt.LayerChart:
    """Clients as bars and sessions as a line, on their own axes, by month."""
    x = alt.X("month_label:O", sort=None, title=labels["month"])
    tooltip = [
        alt.Tooltip("month_label:N", title=labels["month"]),
        alt.Tooltip("clients_text:N", title=labels["clients"]),
        alt.Tooltip("sessions_text:N", title=labels["sessions"]),
    ]
    base = _base(frame, title)
    bars = base.mark_bar(color=PALETTE[0], opacity=0.85).encode(
        x=x, y=alt.Y("clients:Q", title=labels["clients"]), tooltip=tooltip
    )
    line = base.mark_line(color=PALETTE[1], point=True).encode(
        x=x,
        y=alt.Y("sessions:Q", title=labels["sessions"], axis=alt.Axis(titleColor=PALETTE[1])),
        tooltip=tooltip,
    )
    return alt.layer(bars, line).resolve_scale(y="independent")


def stacked_months(
    frame: pd.DataFrame, *, title: str, month_title: str, value_title: str, series_title: str
) -> alt.Chart:
    """A long frame (month_label, series, value, text) as stacked bars by month."""
    return (
        _base(frame, title)
        .mark_bar()
        .encode(
            x=alt.X("month_label:O", sort=None, title=month_title),
            y=alt.Y("value:Q", title=value_title, stack="zero"),
            color=alt.Color("series:N", title=series_title, scale=alt.Scale(range=PALETTE)),
            order=alt.Order("order:Q"),
            tooltip=[
                alt.Tooltip("month_label:N", title=month_title),
                alt.Tooltip("series:N", title=series_title),
                alt.Tooltip("text:N", title=value_title),
            ],
        )
    )


def lines(
    frame: pd.DataFrame,
    *,
    title: str,
    x_title: str,
    y_title: str,
    series_title: str,
    rule: float | None = None,
    rule_label: str = "",
) -> Any:
    """A long frame (x_label, series, value, text) as one line per series."""
    chart = (
        _base(frame, title)
        .mark_line(point=True)
        .encode(
            x=alt.X("x_label:O", sort=None, title=x_title),
            y=alt.Y("value:Q", title=y_title),
            color=alt.Color("series:N", title=series_title, scale=alt.Scale(range=PALETTE)),
            tooltip=[
                alt.Tooltip("x_label:N", title=x_title),
                alt.Tooltip("series:N", title=series_title),
                alt.Tooltip("text:N", title=y_title),
            ],
        )
    )
    if rule is None:
        return chart
    line = (
        alt.Chart(pd.DataFrame({"value": [rule], "label": [rule_label]}))
        .mark_rule(color=PALETTE[3], strokeDash=[6, 4])
        .encode(y="value:Q", tooltip=[alt.Tooltip("label:N", title=y_title)])
    )
    return alt.layer(chart, line)


def bars(
    frame: pd.DataFrame,
    *,
    title: str,
    category_title: str,
    value_title: str,
    tooltips: list[tuple[str, str]],
    horizontal: bool = True,
    selectable: bool = False,
    sort: bool = True,
) -> alt.Chart:
    """A frame (key, label, value, and text columns for the tooltip) as bars; with
    `selectable`, clicking a bar selects its key."""
    order: Any = "-x" if horizontal else "-y"
    category = alt.Y if horizontal else alt.X
    measure = alt.X if horizontal else alt.Y
    encoding = {
        ("y" if horizontal else "x"): category(
            "label:N",
            title=category_title,
            sort=order if sort else None,
            axis=alt.Axis(labelLimit=220, labelOverlap=False),
            # Keep every group on the axis, also those whose bar is hidden (suppressed).
            scale=alt.Scale(domain=frame["label"].tolist()) if not sort else alt.Undefined,
        ),
        ("x" if horizontal else "y"): measure("value:Q", title=value_title),
        "tooltip": [alt.Tooltip("label:N", title=category_title)]
        + [alt.Tooltip(f"{column}:N", title=name) for column, name in tooltips],
    }
    chart = _base(frame, title).mark_bar(color=PALETTE[0]).encode(**encoding)
    if horizontal:
        chart = chart.properties(height=alt.Step(22))
    if selectable:
        pick = alt.selection_point(name=PICK, fields=["key"], on="click")
        chart = chart.add_params(pick).encode(
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.55))
        )
    return chart


def pivot_chart(
    frame: pd.DataFrame,
    *,
    kind: str,
    title: str,
    row_title: str,
    column_title: str | None,
    value_title: str,
) -> alt.Chart:
    """A long pivot frame (row_label, column_label, value, shown) in the chosen form."""
    tooltip = [alt.Tooltip("row_label:N", title=row_title)]
    if column_title:
        tooltip.append(alt.Tooltip("column_label:N", title=column_title))
    tooltip.append(alt.Tooltip("shown:N", title=value_title))
    base = _base(frame, title).properties(height=360)
    x = alt.X("row_label:N", sort=None, title=row_title)
    y = alt.Y("value:Q", title=value_title)
    color = (
        alt.Color("column_label:N", title=column_title, sort=None, scale=alt.Scale(range=PALETTE))
        if column_title
        else alt.value(PALETTE[0])
    )
    if kind == "heatmap" and column_title:
        return base.mark_rect().encode(
            x=x,
            y=alt.Y("column_label:N", sort=None, title=column_title),
            color=alt.Color("value:Q", title=value_title, scale=alt.Scale(scheme="blues")),
            tooltip=tooltip,
        )
    if kind == "line":
        return base.mark_line(point=True).encode(x=x, y=y, color=color, tooltip=tooltip)
    if kind == "grouped" and column_title:
        return base.mark_bar().encode(
            x=x, xOffset=alt.XOffset("column_label:N", sort=None), y=y, color=color, tooltip=tooltip
        )
    return base.mark_bar().encode(x=x, y=y, color=color, tooltip=tooltip)


# --- downloads -----------------------------------------------------------------------------------


def chart_image(chart: alt.TopLevelMixin, fmt: str) -> bytes:
    """The chart as PNG or SVG, drawn on the server by vl-convert (no browser, nothing
    fetched from outside)."""
    import vl_convert

    # Dates in the frames (the month column) are not JSON; the converter wants pure JSON.
    spec = json.loads(json.dumps(chart.to_dict(), default=str))
    _fixed_width(spec)
    if fmt == "svg":
        return str(vl_convert.vegalite_to_svg(spec)).encode("utf-8")
    if fmt == "png":
        return bytes(vl_convert.vegalite_to_png(spec, scale=2))
    raise ValueError(f"unknown image format {fmt!r}")


def _fixed_width(spec: dict[str, Any]) -> None:
    """A file has no container to fill: give "container" widths a fixed size."""
    if spec.get("width") == WIDTH:
        spec["width"] = 720
    for part in spec.get("layer", []) + spec.get("hconcat", []) + spec.get("vconcat", []):
        _fixed_width(part)
    if "width" not in spec and "layer" not in spec:
        spec["width"] = 720


def data_file(frame: pd.DataFrame, fmt: str, *, sheet: str) -> bytes:
    """The figures behind a chart, as shown (hidden cells as "<k" or "×")."""
    header = [str(column) for column in frame.columns]
    rows = frame.astype(object).where(frame.notna(), "").values.tolist()
    if fmt not in ("csv", "xlsx"):
        raise ValueError(f"unknown data format {fmt!r}")
    return write_table(fmt, header, rows, sheet_title=sheet[:31])  # type: ignore[arg-type]
