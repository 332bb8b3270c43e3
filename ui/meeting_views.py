"""Meeting mode's controls, pivot display and presentation style.

The pivot spec (rows, columns, measure, chart) and the presentation flag are URL query
parameters beside the shared filters, so a bookmarked or forwarded link opens the same
view; a colleague sees the same figures, within what their role may see.
"""

from __future__ import annotations

import streamlit as st

from core.permissions import Actor, Permission
from core.statistics import charts
from core.statistics.glossary import PIVOT_MEASURES
from core.statistics.pivot import (
    CHART_TYPES,
    TOTAL,
    PivotResult,
    PivotSpec,
    dimensions_for,
    group_label,
    table_frame,
)
from core.statistics.views import StatisticsView
from ui import statistics_views as sv
from ui.i18n import current_language, tr

NO_COLUMNS = "-"
SPEC_PARAMS = ("rows", "cols", "measure", "chart")

# Literal CSS only (no user text): large type, no sidebar, no header, for a projector.
PRESENTATION_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
header[data-testid="stHeader"] { display: none !important; }
.block-container { padding-top: 1rem; max-width: 100% !important; }
html, body, [data-testid="stAppViewContainer"] { font-size: 22px; }
[data-testid="stDataFrame"] { font-size: 20px; }
h1, h2 { font-size: 2.4rem !important; }
</style>
"""


def presentation_style() -> None:
    st.markdown(PRESENTATION_CSS, unsafe_allow_html=True)


def _set_spec() -> None:
    columns = st.session_state.get("meet_cols") or NO_COLUMNS
    rows = st.session_state.get("meet_rows") or "month"
    if columns == rows:
        columns = NO_COLUMNS
    spec = PivotSpec(
        rows=rows,
        columns=None if columns == NO_COLUMNS else columns,
        measure=st.session_state.get("meet_measure") or "clients",
        chart=st.session_state.get("meet_chart") or "bar",
    )
    others = {k: v for k, v in st.query_params.to_dict().items() if k not in SPEC_PARAMS}
    st.query_params.from_dict({**others, **spec.to_query()})


def spec_controls(actor: Actor, spec: PivotSpec) -> None:
    for key, value in (
        ("meet_rows", spec.rows),
        ("meet_cols", spec.columns or NO_COLUMNS),
        ("meet_measure", spec.measure),
        ("meet_chart", spec.chart),
    ):
        st.session_state[key] = value
    rows, columns, measure, chart, present = st.columns(
        [2, 2, 2, 2, 1.4], vertical_alignment="bottom"
    )
    dimensions = dimensions_for(actor)
    rows.selectbox(
        tr("stat.pivot.rows"),
        dimensions,
        key="meet_rows",
        on_change=_set_spec,
        format_func=sv.labels_of("stat.dimension", dimensions),
    )
    column_labels = {NO_COLUMNS: tr("stat.pivot.no_columns")}
    column_labels.update({d: tr(f"stat.dimension.{d}") for d in dimensions})
    columns.selectbox(
        tr("stat.pivot.columns"),
        [NO_COLUMNS, *dimensions],
        key="meet_cols",
        on_change=_set_spec,
        format_func=column_labels.__getitem__,
    )
    measure.selectbox(
        tr("stat.pivot.measure"),
        PIVOT_MEASURES,
        key="meet_measure",
        on_change=_set_spec,
        format_func=sv.labels_of("stat.metric", PIVOT_MEASURES),
    )
    chart.selectbox(
        tr("stat.pivot.chart"),
        CHART_TYPES,
        key="meet_chart",
        on_change=_set_spec,
        format_func=sv.labels_of("stat.pivot.chart", CHART_TYPES),
    )
    if present.button(tr("stat.pivot.present"), icon=":material/slideshow:", type="primary"):
        st.query_params["present"] = "1"
        st.rerun()
    st.caption(tr("stat.pivot.link"))


def _unit(measure: str) -> str:
    return {"cost": "money", "cost_per_client": "money", "sessions_per_client": "ratio"}.get(
        measure, "count"
    )


def show(actor: Actor, result: PivotResult, view: StatisticsView, *, presenting: bool) -> None:
    lang = current_language()
    spec = result.spec
    names = view.provider_names
    measure_title = tr(f"stat.metric.{spec.measure}")
    rows_title = tr(f"stat.dimension.{spec.rows}")
    if spec.columns:
        title = tr(
            "stat.pivot.title_columns",
            measure=measure_title,
            rows=rows_title,
            columns=tr(f"stat.dimension.{spec.columns}"),
        )
    else:
        title = tr("stat.pivot.title", measure=measure_title, rows=rows_title)
    if presenting:
        st.title(title)
        if st.button(tr("stat.pivot.exit"), icon=":material/close:"):
            del st.query_params["present"]
            st.rerun()
    unit = _unit(spec.measure)
    scale = 100 if unit == "money" else 1
    long = result.long_frame()
    long["row_label"] = [group_label(spec.rows, key, lang, names) for key in long["row"]]
    long["column_label"] = [
        group_label(spec.columns, key, lang, names) if key != TOTAL else measure_title
        for key in long["column"]
    ]
    long["value"] = [v / scale if v is not None else None for v in long["value"]]
    long["shown"] = [charts.shown(v, unit, lang) for v in long["shown"]]  # type: ignore[arg-type]
    # The export keeps numbers (euros for money) and the marks of hidden cells; the table
    # on screen shows the same in the reader's format.
    export = table_frame(result, lang, names)
    for column in export.columns[1:]:
        export[column] = [v / scale if isinstance(v, int | float) else v for v in export[column]]
    table = table_frame(result, lang, names)
    for column in table.columns[1:]:
        table[column] = [charts.shown(v, unit, lang) for v in table[column]]  # type: ignore[arg-type]
    if spec.chart != "table" and not long.empty:
        chart = charts.pivot_chart(
            long,
            kind=spec.chart,
            title="" if presenting else title,
            row_title=rows_title,
            column_title=tr(f"stat.dimension.{spec.columns}") if spec.columns else None,
            value_title=measure_title + (" (€)" if unit == "money" else ""),
        )
        sv.chart_block(actor, f"pivot-{spec.measure}", chart, export)
    elif actor.can(Permission.EXPORT_STATISTICS):
        sv.downloads(actor, f"pivot-{spec.measure}", None, export)
    if long.empty:
        st.info(tr("stat.empty"))
    sv.show_table(table)
    sv.legend(view)
