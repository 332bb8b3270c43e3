"""The sections of the statistics page: each draws its tiles, charts and tables from one
suppressed StatisticsView. Frames are relabelled for the reader here (month labels,
county names, numbers in the reader's format) and handed to the chart builders."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from core.permissions import Actor
from core.statistics import charts, glossary
from core.statistics.pivot import group_label
from core.statistics.views import StatisticsView
from ui import statistics_views as sv
from ui.i18n import current_language, tr


def _month_frame(view: StatisticsView) -> pd.DataFrame:
    lang = current_language()
    frame = view.monthly.copy()
    frame["month_label"] = [charts.month_label(m) for m in frame["month"]]
    frame["clients_text"] = [charts.shown(v, "count", lang) for v in frame["clients_shown"]]
    frame["sessions_text"] = [charts.shown(v, "count", lang) for v in frame["sessions_shown"]]
    return frame


def _monthly_export(view: StatisticsView) -> pd.DataFrame:
    frame = view.monthly
    return pd.DataFrame(
        {
            tr("stat.axis.month"): [charts.month_label(m) for m in frame["month"]],
            tr("stat.metric.clients"): frame["clients_shown"],
            tr("stat.metric.new_clients"): frame["new_clients_shown"],
            tr("stat.metric.continuing_clients"): frame["continuing_clients_shown"],
            tr("stat.metric.sessions"): frame["sessions_shown"],
            tr("stat.metric.cost") + " (€)": [
                v / 100 if isinstance(v, int | float) else v for v in frame["cost_shown"]
            ],
        }
    )


def clients_and_sessions(actor: Actor, view: StatisticsView) -> None:
    frame = _month_frame(view)
    chart = charts.clients_sessions(
        frame,
        title=tr("stat.chart.clients_sessions"),
        labels={
            "month": tr("stat.axis.month"),
            "clients": tr("stat.metric.clients"),
            "sessions": tr("stat.metric.sessions"),
        },
    )
    sv.chart_block(actor, "clients-sessions", chart, _monthly_export(view))


def new_and_continuing(actor: Actor, view: StatisticsView) -> None:
    lang = current_language()
    rows = []
    for record in view.monthly.itertuples(index=False):
        for order, (series, column) in enumerate(
            (("new", "new_clients"), ("continuing", "continuing_clients"))
        ):
            rows.append(
                {
                    "month_label": charts.month_label(record.month),
                    "series": tr(f"stat.series.{series}"),
                    "order": order,
                    "value": getattr(record, column),
                    "text": charts.shown(getattr(record, f"{column}_shown"), "count", lang),
                }
            )
    frame = pd.DataFrame(rows, columns=["month_label", "series", "order", "value", "text"])
    chart = charts.stacked_months(
        frame,
        title=tr("stat.chart.new_continuing"),
        month_title=tr("stat.axis.month"),
        value_title=tr("stat.metric.clients"),
        series_title=tr("stat.series"),
    )
    sv.chart_block(actor, "new-continuing", chart, _monthly_export(view))


def _labelled_breakdown(view: StatisticsView, dimension: str) -> pd.DataFrame:
    lang = current_language()
    frame = view.breakdowns[dimension].copy()
    frame["label"] = [
        group_label(dimension, key, lang, view.provider_names) for key in frame["key"]
    ]
    frame["value"] = frame["clients"]
    frame["clients_text"] = [charts.shown(v, "count", lang) for v in frame["clients_shown"]]
    frame["sessions_text"] = [charts.shown(v, "count", lang) for v in frame["sessions_shown"]]
    frame["cost_text"] = [charts.shown(v, "money", lang) for v in frame["cost_shown"]]
    frame["cost_per_client_text"] = [
        charts.shown(v, "money", lang) for v in frame["cost_per_client_shown"]
    ]
    return frame


def _breakdown_export(frame: pd.DataFrame, dimension: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            tr(f"stat.dimension.{dimension}"): frame["label"],
            tr("stat.metric.clients"): frame["clients_shown"],
            tr("stat.metric.sessions"): frame["sessions_shown"],
            tr("stat.metric.cost") + " (€)": [
                v / 100 if isinstance(v, int | float) else v for v in frame["cost_shown"]
            ],
            tr("stat.metric.cost_per_client") + " (€)": [
                round(v / 100, 2) if isinstance(v, int | float) else v
                for v in frame["cost_per_client_shown"]
            ],
        }
    )


def breakdown(actor: Actor, view: StatisticsView, dimension: str, *, table: bool = True) -> None:
    """Clients by a dimension: bars to click (filtering the page) and the table."""
    frame = _labelled_breakdown(view, dimension)
    if frame.empty:
        st.info(tr("stat.empty"))
        return
    dimension_title = tr(f"stat.dimension.{dimension}")
    chart = charts.bars(
        frame,
        title=tr("stat.chart.by_dimension", dimension=dimension_title.lower()),
        category_title=dimension_title,
        value_title=tr("stat.metric.clients"),
        tooltips=[
            ("clients_text", tr("stat.metric.clients")),
            ("sessions_text", tr("stat.metric.sessions")),
            ("cost_text", tr("stat.metric.cost")),
            ("cost_per_client_text", tr("stat.metric.cost_per_client")),
        ],
        selectable=True,
    )
    st.caption(tr("stat.click_hint"))
    event = sv.chart_block(
        actor,
        f"by-{dimension}",
        chart,
        _breakdown_export(frame, dimension),
        select_key=f"pick_{dimension}_{sv._generation()}",
    )
    keys = sv.picked_keys(event)
    if keys:
        values: Any = (
            tuple(int(k) for k in keys if k.isdigit()) if dimension == "provider" else tuple(keys)
        )
        sv.set_filters(view.filters.with_values(dimension, values))
    if table:
        sv.show_table(_breakdown_export(frame, dimension))


def waiting(actor: Actor, view: StatisticsView) -> None:
    lang = current_language()
    sv.tiles(
        view,
        ("waiting_median", "waiting_p90", "waiting_within_target", "still_waiting"),
        inverted=("waiting_median", "waiting_p90", "still_waiting"),
    )
    histogram = view.waiting_histogram.copy()
    histogram["key"] = histogram["bin"]
    histogram["label"] = histogram["bin"]
    histogram["value"] = histogram["clients"]
    histogram["text"] = [charts.shown(v, "count", lang) for v in histogram["clients_shown"]]
    export = pd.DataFrame(
        {
            tr("stat.waiting.bin"): histogram["bin"],
            tr("stat.metric.clients"): histogram["clients_shown"],
        }
    )
    chart = charts.bars(
        histogram,
        title=tr("stat.chart.waiting_histogram"),
        category_title=tr("stat.waiting.bin"),
        value_title=tr("stat.metric.clients"),
        tooltips=[("text", tr("stat.metric.clients"))],
        horizontal=False,
        sort=False,
    )
    sv.chart_block(actor, "waiting-histogram", chart, export)
    trend = view.waiting_trend
    rows = []
    for record in trend.itertuples(index=False):
        for series in ("median", "p90"):
            value = getattr(record, series)
            rows.append(
                {
                    "x_label": charts.month_label(record.month),
                    "series": tr(f"stat.series.{series}"),
                    "value": value,
                    "text": charts.shown(
                        value if value is not None else record.median_shown, "days", lang
                    ),
                }
            )
    frame = pd.DataFrame(rows, columns=["x_label", "series", "value", "text"])
    target = view.waiting_target_days
    chart = charts.lines(
        frame,
        title=tr("stat.chart.waiting_trend"),
        x_title=tr("stat.axis.month"),
        y_title=tr("stat.axis.days"),
        series_title=tr("stat.series"),
        rule=float(target) if target else None,
        rule_label=tr("stat.waiting.target_line", days=target),
    )
    export = pd.DataFrame(
        {
            tr("stat.axis.month"): [charts.month_label(m) for m in trend["month"]],
            tr("stat.metric.clients"): trend["clients_shown"],
            tr("stat.series.median"): trend["median_shown"],
            tr("stat.series.p90"): [v if v is not None else "×" for v in trend["p90"]],
        }
    )
    sv.chart_block(actor, "waiting-trend", chart, export)


def cost(actor: Actor, view: StatisticsView) -> None:
    lang = current_language()
    sv.tiles(view, ("cost", "cost_per_client", "budget_use"), inverted=("budget_use",))
    budget = view.budget
    hidden = view.tiles["cost"].value is None

    def euros(cents: object) -> float | None:
        # A month hidden in the monthly figures hides the running total from then on.
        if hidden or cents is None or cents != cents:
            return None
        return float(cents) / 100  # type: ignore[arg-type]

    rows = []
    for record in budget.itertuples(index=False):
        for series, value in (
            ("cost", euros(record.cost_cents)),
            ("budget", record.budget_cents / 100),
        ):
            rows.append(
                {
                    "x_label": charts.month_label(record.month),
                    "series": tr(f"stat.series.{series}"),
                    "value": value,
                    "text": "×" if value is None else charts.shown(value * 100, "money", lang),
                }
            )
    frame = pd.DataFrame(rows, columns=["x_label", "series", "value", "text"])
    chart = charts.lines(
        frame,
        title=tr("stat.chart.cost_budget"),
        x_title=tr("stat.axis.month"),
        y_title=tr("stat.axis.euro"),
        series_title=tr("stat.series"),
    )
    export = pd.DataFrame(
        {
            tr("stat.axis.month"): [charts.month_label(m) for m in budget["month"]],
            tr("stat.series.cost") + " (€)": [
                "×" if hidden else c / 100 for c in budget["cost_cents"]
            ],
            tr("stat.series.budget") + " (€)": [b / 100 for b in budget["budget_cents"]],
        }
    )
    sv.chart_block(actor, "cost-budget", chart, export)
    st.caption(tr("stat.budget.note"))


def outcomes(actor: Actor, view: StatisticsView) -> None:
    lang = current_language()
    frame = view.outcomes.copy()
    if frame.empty:
        st.info(tr("stat.empty"))
        return
    frame["key"] = frame["instrument"]
    frame["label"] = frame["instrument"]
    frame["value"] = frame["mean_change"]
    frame["measured_text"] = [charts.shown(v, "count", lang) for v in frame["measured_shown"]]
    frame["change_text"] = [
        charts.shown(v, "score", lang) if v is not None else f"<{view.k}"
        for v in frame["mean_change"]
    ]
    frame["improved_text"] = [charts.shown(v, "share", lang) for v in frame["improved_shown"]]
    frame["recovered_text"] = [charts.shown(v, "share", lang) for v in frame["recovered_shown"]]
    chart = charts.bars(
        frame,
        title=tr("stat.chart.outcomes"),
        category_title=tr("stat.axis.instrument"),
        value_title=tr("stat.axis.change"),
        tooltips=[
            ("change_text", tr("stat.outcome.mean_change")),
            ("measured_text", tr("stat.outcome.measured")),
            ("improved_text", tr("stat.outcome.improved")),
            ("recovered_text", tr("stat.outcome.recovered")),
        ],
        horizontal=False,
        sort=False,
    )
    export = pd.DataFrame(
        {
            tr("stat.outcome.instrument"): frame["instrument"],
            tr("stat.outcome.measured"): frame["measured_shown"],
            tr("stat.outcome.start_only"): frame["start_only_shown"],
            tr("stat.outcome.mean_start"): [
                charts.shown(v, "score", lang) for v in frame["mean_start"]
            ],
            tr("stat.outcome.mean_end"): [
                charts.shown(v, "score", lang) for v in frame["mean_end"]
            ],
            tr("stat.outcome.mean_change"): frame["change_text"],
            tr("stat.outcome.improved"): frame["improved_text"],
            tr("stat.outcome.recovered"): frame["recovered_text"],
        }
    )
    sv.chart_block(actor, "outcomes", chart, export)
    sv.show_table(export)
    for key in ("outcome_measured", "outcome_change", "outcome_improved", "outcome_recovered"):
        st.caption(f"**{tr(f'stat.metric.{key}')}**: {sv.definition(key, view)}")


def satisfaction(actor: Actor, view: StatisticsView) -> None:
    lang = current_language()
    sv.tiles(view, ("satisfaction", "nps"))
    frame = view.satisfaction
    rows = [
        {
            "x_label": charts.month_label(record.month),
            "series": tr("stat.metric.satisfaction"),
            "value": record.satisfaction,
            "text": charts.shown(record.satisfaction, "score", lang)
            if record.satisfaction is not None
            else record.responses_shown,
        }
        for record in frame.itertuples(index=False)
    ]
    chart = charts.lines(
        pd.DataFrame(rows, columns=["x_label", "series", "value", "text"]),
        title=tr("stat.chart.satisfaction"),
        x_title=tr("stat.axis.month"),
        y_title=tr("stat.metric.satisfaction"),
        series_title=tr("stat.series"),
    )
    export = pd.DataFrame(
        {
            tr("stat.axis.month"): [charts.month_label(m) for m in frame["month"]],
            tr("stat.axis.responses"): frame["responses_shown"],
            tr("stat.metric.satisfaction"): [
                charts.shown(v, "score", lang) if v is not None else "×"
                for v in frame["satisfaction"]
            ],
            tr("stat.metric.nps"): [
                charts.shown(v, "points", lang) if v is not None else "×" for v in frame["nps"]
            ],
        }
    )
    sv.chart_block(actor, "satisfaction", chart, export)
    st.caption(tr("stat.satisfaction.note"))


def glossary_table(view: StatisticsView) -> None:
    st.caption(tr("stat.glossary.caption"))
    st.dataframe(
        pd.DataFrame(
            {
                tr("stat.glossary.metric"): [tr(f"stat.metric.{m.key}") for m in glossary.METRICS],
                tr("stat.glossary.definition"): [
                    sv.definition(m.key, view) for m in glossary.METRICS
                ],
            }
        ),
        hide_index=True,
        width="stretch",
        row_height=60,
    )
