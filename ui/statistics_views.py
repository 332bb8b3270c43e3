"""Drawing the statistics page and meeting mode: the shared filter bar (kept in the URL),
figure tiles with their glossary definitions, charts with their downloads, click-to-filter.

All figures arrive suppressed from core.statistics; this module only lays them out. The
filters live in the URL's query parameters; widgets are re-created (a new key "generation")
whenever the URL changes them from outside, so a click on a bar or a shared link always
wins over what a widget remembered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from core import db
from core.errors import DomainError
from core.formatting import format_date
from core.i18n import enum_label
from core.permissions import Actor, Permission
from core.statistics import charts, glossary, kpis, views
from core.statistics.filters import PERIOD_PRESETS, StatFilters, default_filters, preset_period
from core.statistics.pivot import ENUM_OF
from core.statistics.store import CASE_DIMENSIONS
from core.statistics.views import Figure, StatisticsView
from ui import widgets
from ui.i18n import current_language, tr

GENERATION = "_stat_generation"
FILTER_PARAMS = ("from", "to", *CASE_DIMENSIONS, "provider")
SECTIONS = (
    "overview",
    "activity",
    "waiting",
    "cost",
    "breakdown",
    "outcomes",
    "satisfaction",
    "glossary",
)
BREAKDOWN_DIMENSIONS = (*CASE_DIMENSIONS, "provider")
STATUS_COLOURS = {"green": "#d8f0dc", "amber": "#fcebc5", "red": "#f6d5d5", "none": ""}


def labels_of(prefix: str, options: Any) -> Callable[[Any], str]:
    """A format function with the labels looked up now, in this run's language: Streamlit
    may call it again outside the run (AppTest does), where the language is not known."""
    return {option: tr(f"{prefix}.{option}") for option in options}.__getitem__


# --- URL state ------------------------------------------------------------------------------


def _generation() -> int:
    return int(st.session_state.get(GENERATION, 0))


def _key(name: str) -> str:
    return f"stat_{name}_{_generation()}"


def current_filters() -> StatFilters:
    return StatFilters.from_query(st.query_params.to_dict(), default_filters(widgets.today()))


def set_filters(filters: StatFilters, *, rerun: bool = True) -> None:
    """Put the filters in the URL (keeping its other parameters) and re-create the widgets."""
    others = {k: v for k, v in st.query_params.to_dict().items() if k not in FILTER_PARAMS}
    st.query_params.from_dict({**others, **filters.to_query()})
    st.session_state[GENERATION] = _generation() + 1
    if rerun:
        st.rerun()


def _on_filter_change() -> None:
    """A widget changed: read all of them into the URL (no new generation: they agree)."""
    filters = current_filters()
    preset = st.session_state.get(_key("preset"))
    start, end = filters.start, filters.end
    if preset in PERIOD_PRESETS:
        start, end = preset_period(str(preset), widgets.today())
    elif preset == "custom":
        start = st.session_state.get(_key("from"), start)
        end = st.session_state.get(_key("to"), end)
        if end < start:
            start, end = end, start
    values: dict[str, Any] = {
        name: tuple(st.session_state.get(_key(name), ())) for name in CASE_DIMENSIONS
    }
    values["provider"] = tuple(int(v) for v in st.session_state.get(_key("provider"), ()))
    updated = StatFilters(start=start, end=end, **values)
    others = {k: v for k, v in st.query_params.to_dict().items() if k not in FILTER_PARAMS}
    st.query_params.from_dict({**others, **updated.to_query()})


def _preset_of(filters: StatFilters) -> str:
    for preset in PERIOD_PRESETS:
        if preset_period(preset, widgets.today()) == (filters.start, filters.end):
            return preset
    return "custom"


def filter_bar(filters: StatFilters, provider_names: dict[str, str]) -> None:
    lang = current_language()
    with st.expander(tr("stat.filters"), expanded=True, icon=":material/filter_list:"):
        first, second, third, fourth = st.columns(4)
        options = [*PERIOD_PRESETS, "custom"]
        preset = _preset_of(filters)
        first.selectbox(
            tr("stat.filter.period"),
            options,
            index=options.index(preset),
            format_func=labels_of("stat.preset", options),
            key=_key("preset"),
            on_change=_on_filter_change,
        )
        if st.session_state.get(_key("preset"), preset) == "custom":
            second.date_input(
                tr("stat.filter.from"),
                value=filters.start,
                key=_key("from"),
                format="DD.MM.YYYY",
                on_change=_on_filter_change,
            )
            third.date_input(
                tr("stat.filter.to"),
                value=filters.end,
                key=_key("to"),
                format="DD.MM.YYYY",
                on_change=_on_filter_change,
            )
        else:
            second.text_input(
                tr("stat.filter.from"),
                format_date(filters.start, lang),
                disabled=True,
                key=_key("from_shown"),
            )
            third.text_input(
                tr("stat.filter.to"),
                format_date(filters.end, lang),
                disabled=True,
                key=_key("to_shown"),
            )
        if provider_names:
            fourth.multiselect(
                tr("stat.dimension.provider"),
                sorted(provider_names, key=lambda i: provider_names[i].casefold()),
                default=[str(i) for i in filters.provider if str(i) in provider_names],
                format_func=lambda i: provider_names.get(i, i),
                key=_key("provider"),
                on_change=_on_filter_change,
                placeholder=tr("any"),
            )
        columns = st.columns(len(CASE_DIMENSIONS))
        for column, (name, (_db_column, codes)) in zip(
            columns, CASE_DIMENSIONS.items(), strict=True
        ):
            column.multiselect(
                tr(f"stat.dimension.{name}"),
                list(codes),
                default=list(getattr(filters, name)),
                format_func=lambda code, name=name: enum_label(code, lang, ENUM_OF[name]),
                key=_key(name),
                on_change=_on_filter_change,
                placeholder=tr("any"),
            )
        if st.button(tr("stat.filter.reset"), icon=":material/filter_alt_off:", key=_key("reset")):
            set_filters(default_filters(widgets.today()))


def section_switch() -> str:
    current = st.query_params.get("view", "overview")
    current = current if current in SECTIONS else "overview"

    def changed() -> None:
        st.query_params["view"] = st.session_state.get("stat_section") or "overview"

    if st.session_state.get("stat_section") not in (None, current):
        st.session_state["stat_section"] = current
    choice = st.segmented_control(
        tr("stat.section"),
        SECTIONS,
        default=current,
        format_func=labels_of("stat.section", SECTIONS),
        key="stat_section",
        on_change=changed,
        label_visibility="collapsed",
    )
    return str(choice or current)


# --- figures --------------------------------------------------------------------------------


def definition(key: str, view: StatisticsView) -> str:
    return tr(f"stat.def.{key}", days=view.waiting_target_days)


def tile(container: Any, view: StatisticsView, figure: Figure, *, invert: bool = False) -> None:
    lang = current_language()
    unit = glossary.metric(figure.key).unit
    shown = figure.shown
    if unit == "money" and isinstance(shown, int | float):
        shown = round(shown / 100) * 100  # whole euros fit a tile
    value = charts.shown(shown, unit, lang) if shown is not None else "–"
    delta = None
    colour = "inverse" if invert else "normal"
    if figure.value is not None and figure.previous is not None:
        change = float(figure.value) - float(figure.previous)
        if unit == "money":
            change = round(change / 100) * 100
        delta = _signed(int(change) if unit == "count" else change, unit, lang)
        if abs(change) < 1e-9:
            colour = "off"
    container.metric(
        tr(f"stat.metric.{figure.key}"),
        value,
        delta=delta,
        delta_color=colour,
        help=definition(figure.key, view),
        border=True,
    )


def tiles(view: StatisticsView, keys: tuple[str, ...], *, inverted: tuple[str, ...] = ()) -> None:
    columns = st.columns(len(keys))
    for column, key in zip(columns, keys, strict=True):
        tile(column, view, view.tiles[key], invert=key in inverted)


def legend(view: StatisticsView) -> None:
    st.caption(tr("stat.legend", k=view.k))


def kpi_board(actor: Actor, view: StatisticsView) -> None:
    lang = current_language()
    with db.read_session() as session:
        goals = kpis.targets(session)
    rows = kpis.board(view, goals)
    previous = view.filters.previous()
    st.subheader(tr("stat.kpi.title"))
    st.caption(
        tr(
            "stat.kpi.caption",
            period=f"{format_date(previous.start, lang)}–{format_date(previous.end, lang)}",
        )
    )
    records = []
    for row in rows:
        unit = glossary.metric(row.key).unit
        target = charts.shown(row.target.value, unit, lang)
        records.append(
            {
                tr("stat.kpi.kpi"): tr(f"stat.metric.{row.key}"),
                tr("stat.kpi.value"): charts.shown(row.figure.shown, unit, lang),
                tr("stat.kpi.target"): tr(
                    "stat.kpi.at_least" if row.target.higher_is_better else "stat.kpi.at_most",
                    value=target,
                ),
                tr("stat.kpi.status"): tr(f"stat.kpi.status.{row.status}"),
                tr("stat.kpi.previous"): charts.shown(row.figure.previous, unit, lang),
                tr("stat.kpi.change"): _signed(row.change, unit, lang),
                "_status": row.status,
            }
        )
    frame = pd.DataFrame(records)
    if frame.empty:
        return
    status_column = tr("stat.kpi.status")
    colours = frame.pop("_status").map(STATUS_COLOURS).tolist()

    def paint(column: pd.Series) -> list[str]:
        if column.name != status_column:
            return [""] * len(column)
        return [f"background-color: {c}" if c else "" for c in colours]

    st.dataframe(frame.style.apply(paint), hide_index=True, width="stretch")


def _signed(value: float | None, unit: str, lang: str) -> str:
    if value is None:
        return "–"
    text = charts.shown(value, unit, lang)  # type: ignore[arg-type]
    return f"+{text}" if value > 0 else text


# --- charts and downloads -------------------------------------------------------------------------


def chart_block(
    actor: Actor,
    name: str,
    chart: Any,
    data: pd.DataFrame,
    *,
    select_key: str | None = None,
) -> Any:
    """A chart, and under it its downloads (the picture and the figures behind it)."""
    chart = charts.localised(chart, current_language())
    if select_key:
        event = st.altair_chart(
            chart, width="stretch", key=select_key, on_select="rerun", selection_mode=charts.PICK
        )
    else:
        event = None
        st.altair_chart(chart, width="stretch")
    if actor.can(Permission.EXPORT_STATISTICS):
        downloads(actor, name, chart, data)
    return event


def downloads(actor: Actor, name: str, chart: Any, data: pd.DataFrame) -> None:
    lang = current_language()
    pictures: list[tuple[str, str, str, Callable[[], bytes]]] = [
        ("png", "image/png", "png", lambda: charts.chart_image(chart, "png")),
        ("svg", "image/svg+xml", "svg", lambda: charts.chart_image(chart, "svg")),
    ]
    files = (pictures if chart is not None else []) + [
        ("csv", "text/csv", "csv", lambda: charts.data_file(data, "csv", sheet=name)),
        (
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
            lambda: charts.data_file(data, "xlsx", sheet=name),
        ),
    ]
    with st.popover(tr("stat.download"), icon=":material/download:"):
        for fmt, mime, extension, build in files:
            st.download_button(
                tr(f"stat.download.{fmt}"),
                data=_audited(actor, name, fmt, build),
                file_name=f"{name}-{lang}.{extension}",
                mime=mime,
                on_click="ignore",
                icon=":material/download:",
                key=f"dl_{name}_{fmt}",
                width="stretch",
            )


def _audited(actor: Actor, name: str, fmt: str, build: Callable[[], bytes]) -> Callable[[], bytes]:
    def make() -> bytes:
        try:
            with db.write_session() as session:
                return views.export_file(session, actor, name=name, fmt=fmt, build=build)
        except DomainError:
            return b""

    return make


def picked_keys(event: Any) -> list[str]:
    try:
        points = event.selection.get(charts.PICK) or []
    except AttributeError:
        return []
    return [str(point["key"]) for point in points if isinstance(point, dict) and "key" in point]


def show_table(frame: pd.DataFrame) -> None:
    """A table of figures as the reader reads them: numbers in their language's format and
    the marks of hidden cells as they are (every column text, so nothing is converted twice)."""
    from core.formatting import format_number

    lang = current_language()

    def text(value: Any, column: str) -> str:
        if value is None or (isinstance(value, float) and value != value):
            return "–"
        if isinstance(value, bool) or not isinstance(value, int | float):
            return str(value)
        if (isinstance(value, float) and not value.is_integer()) or "€" in column:
            return format_number(float(value), lang, 2 if "€" in column else 1)
        return format_number(int(value), lang)

    shown = pd.DataFrame(
        {column: [text(v, str(column)) for v in frame[column]] for column in frame.columns}
    )
    st.dataframe(shown, hide_index=True, width="stretch")


def settings_form(actor: Actor) -> None:
    """k, the waiting target and the KPI targets, for whoever may change settings."""
    from core.services import statistics_settings
    from core.statistics.glossary import metric

    if not actor.can(Permission.EDIT_SETTINGS):
        return
    with db.read_session() as session:
        current = statistics_settings.read(session, actor)
    with st.expander(tr("stat.settings.title"), icon=":material/tune:"):
        st.caption(tr("stat.settings.caption"))
        with st.form("stat_settings"):
            left, right = st.columns(2)
            k = left.number_input(tr("field.suppression_k"), value=current.k, step=1)
            days = right.number_input(
                tr("field.waiting_target_days"), value=current.waiting_target_days, step=1
            )
            columns = st.columns(3)
            entered: dict[str, float] = {}
            for n, key in enumerate(kpis.KPI_ORDER):
                if key not in current.kpi_targets:
                    continue
                percent = metric(key).unit == "share"
                value = float(current.kpi_targets[key]["target"]) * (100 if percent else 1)
                typed = columns[n % 3].number_input(
                    tr(f"field.{key}"), value=value, step=1.0 if percent else 0.1, format="%.1f"
                )
                entered[key] = typed / 100 if percent else typed
            if st.form_submit_button(tr("stat.settings.save"), type="primary"):
                saved = widgets.write(
                    actor,
                    statistics_settings.update,
                    "stat.settings.saved",
                    k=int(k),
                    waiting_target_days=int(days),
                    targets=entered,
                )
                if saved is not None:
                    st.rerun()
