"""Feedback analysis: satisfaction and NPS over time and by group, theme frequency, the
texts behind a theme, and the download of the aggregated figures (duty 3.8).

Every figure is SQL aggregation and carries its number of responses. A figure rests on
at least k responses (k = the suppression setting) or it is not shown: the count is
shown as "<k" and the mean and NPS are left out. A provider below k is never shown on
its own; such providers are pooled into one row, itself shown only when it reaches k.
When exactly one cell of a breakdown is hidden, the next smallest is hidden as well, so
that the total cannot give it away. Texts are read only with VIEW_FREE_TEXT, and the
download holds aggregates only, never a text, for every role.

NPS (DOMAIN.md): the share of 9–10 answers minus the share of 0–6 answers, in points
(-100 … 100).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Integer, case, cast, extract, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from core import audit, tabular
from core.formatting import format_number
from core.i18n import enum_label, t
from core.models import Feedback, FeedbackTheme, Provider
from core.permissions import Actor, Permission, require
from core.services.feedback import theme_condition
from core.settings import suppression_k
from core.suppression import SECONDARY, Count, protect_series, suppress

GRAINS = ("month", "quarter")
DIMENSIONS = ("source", "channel", "provider", "language")
NO_PROVIDER = "none"
OTHER_PROVIDERS = "other"
TEXT_LIMIT = 200
SECONDARY_MARK = "×"  # hidden so that a total cannot give away a cell below k


@dataclass(frozen=True)
class Scope:
    """Which feedback the figures are about; None means any."""

    start: date | None = None
    end: date | None = None
    source: str | None = None
    channel: str | None = None
    provider_id: int | None = None


def nps(promoters: int, detractors: int, responses: int) -> float | None:
    """Net promoter score in points: % of 9–10 minus % of 0–6; None without responses."""
    if responses <= 0:
        return None
    return 100.0 * (promoters - detractors) / responses


@dataclass(frozen=True)
class Sums:
    """The raw aggregates of one cell; they add up across cells (months into quarters)."""

    responses: int = 0
    sat_n: int = 0
    sat_sum: int = 0
    rec_n: int = 0
    promoters: int = 0
    detractors: int = 0

    def __add__(self, other: Sums) -> Sums:
        return Sums(
            self.responses + other.responses,
            self.sat_n + other.sat_n,
            self.sat_sum + other.sat_sum,
            self.rec_n + other.rec_n,
            self.promoters + other.promoters,
            self.detractors + other.detractors,
        )


def figures(sums: Sums, k: int, *, hidden: bool = False) -> dict[str, Any]:
    """What a reader may see of one cell. `hidden` is secondary suppression."""
    responses = Count(None, k) if hidden and sums.responses else suppress(sums.responses, k)
    sat_n = Count(None, k) if hidden and sums.sat_n else suppress(sums.sat_n, k)
    rec_n = Count(None, k) if hidden and sums.rec_n else suppress(sums.rec_n, k)

    def shown(count: Count, raw: int) -> str:
        # A cell hidden only to protect another one is not below k: it is marked, not "<k".
        return SECONDARY_MARK if count.suppressed and raw >= k else count.display()

    satisfaction = sums.sat_sum / sums.sat_n if sat_n.value is not None and sums.sat_n > 0 else None
    score = nps(sums.promoters, sums.detractors, sums.rec_n) if rec_n.value is not None else None
    return {
        "responses": responses.value,
        "responses_shown": shown(responses, sums.responses),
        "satisfaction": None if satisfaction is None else round(satisfaction, 2),
        "satisfaction_n": sat_n.value,
        "satisfaction_n_shown": shown(sat_n, sums.sat_n),
        "nps": None if score is None else round(score, 1),
        "nps_n": rec_n.value,
        "nps_n_shown": shown(rec_n, sums.rec_n),
        "suppressed": responses.suppressed,
    }


FIGURE_COLUMNS = [
    "responses", "responses_shown", "satisfaction", "satisfaction_n", "satisfaction_n_shown",
    "nps", "nps_n", "nps_n_shown", "suppressed",
]  # fmt: skip


def _aggregates() -> list[Any]:
    recommend = col(Feedback.recommend)
    return [
        func.count(),
        func.count(col(Feedback.satisfaction)),
        func.coalesce(func.sum(col(Feedback.satisfaction)), 0),
        func.count(recommend),
        func.coalesce(func.sum(case((recommend >= 9, 1), else_=0)), 0),
        func.coalesce(func.sum(case((recommend <= 6, 1), else_=0)), 0),
    ]


def _sums(values: Sequence[Any]) -> Sums:
    return Sums(*(int(value or 0) for value in values))


def _scoped(query: Any, scope: Scope) -> Any:
    if scope.start is not None:
        query = query.where(col(Feedback.received_on) >= scope.start)
    if scope.end is not None:
        query = query.where(col(Feedback.received_on) <= scope.end)
    if scope.source:
        query = query.where(Feedback.source == scope.source)
    if scope.channel:
        query = query.where(Feedback.channel == scope.channel)
    if scope.provider_id is not None:
        query = query.where(Feedback.provider_id == scope.provider_id)
    return query


def _year_month() -> tuple[Any, Any]:
    year = cast(extract("year", col(Feedback.received_on)), Integer)
    month = cast(extract("month", col(Feedback.received_on)), Integer)
    return year, month


def period_start(year: int, month: int, grain: str) -> date:
    if grain == "quarter":
        month = 3 * ((month - 1) // 3) + 1
    return date(year, month, 1)


def _check_grain(grain: str) -> None:
    if grain not in GRAINS:
        raise ValueError(f"unknown grain {grain!r}")


def _monthly(session: Session, scope: Scope, grain: str) -> dict[date, Sums]:
    year, month = _year_month()
    query = _scoped(select(year, month, *_aggregates()), scope).group_by(year, month)
    periods: dict[date, Sums] = {}
    for row in session.execute(query).all():
        start = period_start(int(row[0]), int(row[1]), grain)
        periods[start] = periods.get(start, Sums()) + _sums(row[2:])
    return periods


def trend(
    session: Session, actor: Actor, *, grain: str = "month", scope: Scope | None = None
) -> pd.DataFrame:
    """Satisfaction and NPS per month or quarter, each with its number of responses."""
    require(session, actor, Permission.VIEW_STATISTICS, action="feedback_stats.trend")
    _check_grain(grain)
    k = suppression_k(session)
    periods = _monthly(session, scope or Scope(), grain)
    rows = [{"period": start, **figures(sums, k)} for start, sums in sorted(periods.items())]
    return pd.DataFrame(rows, columns=["period", *FIGURE_COLUMNS])


def _secondary(cells: list[tuple[str, Sums]], k: int) -> set[str]:
    """Cells to hide besides those below k: when exactly one is hidden, the next smallest
    (core.suppression.protect_series)."""
    counts = [sums.responses for _key, sums in cells]
    states, _total = protect_series(counts, sum(counts), k)
    return {key for (key, _sums), state in zip(cells, states, strict=True) if state == SECONDARY}


def breakdown(
    session: Session, actor: Actor, *, dimension: str, scope: Scope | None = None
) -> pd.DataFrame:
    """Satisfaction and NPS by source, channel, language or provider.

    The "group" column holds a code (source, channel, language), or for providers a
    provider id as text, NO_PROVIDER, or OTHER_PROVIDERS (the providers below k pooled;
    "providers" says how many). "name" holds the provider's name.
    """
    require(session, actor, Permission.VIEW_STATISTICS, action="feedback_stats.breakdown")
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}")
    scope = scope or Scope()
    k = suppression_k(session)
    column = col(Feedback.provider_id) if dimension == "provider" else getattr(Feedback, dimension)
    query = _scoped(select(column, *_aggregates()), scope).group_by(column)
    raw = [(row[0], _sums(row[1:])) for row in session.execute(query).all()]
    names: dict[str, str] = {}
    pooled_count = 0
    cells: list[tuple[str, Sums]] = []
    if dimension == "provider":
        ids = [int(key) for key, _ in raw if key is not None]
        if ids:
            for provider_id, name in session.execute(
                select(Provider.id, Provider.name).where(col(Provider.id).in_(ids))
            ).all():
                names[str(provider_id)] = name
        pooled = Sums()
        for key, sums in raw:
            if key is None:
                cells.append((NO_PROVIDER, sums))
            elif sums.responses >= k:
                cells.append((str(key), sums))
            else:
                pooled = pooled + sums
                pooled_count += 1
        if pooled_count:
            cells.append((OTHER_PROVIDERS, pooled))
    else:
        cells = [(str(key), sums) for key, sums in raw if key is not None]
    hidden = _secondary(cells, k)
    rows = [
        {
            "group": key,
            "name": names.get(key, ""),
            "providers": pooled_count if key == OTHER_PROVIDERS else None,
            **figures(sums, k, hidden=key in hidden),
        }
        for key, sums in cells
    ]
    frame = pd.DataFrame(rows, columns=["group", "name", "providers", *FIGURE_COLUMNS])
    if not frame.empty:
        frame = frame.sort_values(
            ["suppressed", "responses"], ascending=[True, False], na_position="last"
        ).reset_index(drop=True)
    return frame


def theme_names(session: Session) -> list[str]:
    return list(session.execute(select(FeedbackTheme.name).order_by(FeedbackTheme.name)).scalars())


def theme_frequency(
    session: Session, actor: Actor, *, grain: str = "month", scope: Scope | None = None
) -> pd.DataFrame:
    """How often each theme was tagged per month or quarter (counts below k hidden).

    One feedback may carry several themes, so the counts do not add up to a total and
    no hidden count can be worked out from the others.
    """
    require(session, actor, Permission.VIEW_STATISTICS, action="feedback_stats.theme_frequency")
    _check_grain(grain)
    k = suppression_k(session)
    themes = theme_names(session)
    columns = ["period", "theme", "mentions", "mentions_shown"]
    if not themes:
        return pd.DataFrame([], columns=columns)
    year, month = _year_month()
    sums = [func.sum(case((theme_condition(theme), 1), else_=0)) for theme in themes]
    query = _scoped(select(year, month, *sums), scope or Scope()).group_by(year, month)
    totals: dict[tuple[date, str], int] = {}
    for row in session.execute(query).all():
        start = period_start(int(row[0]), int(row[1]), grain)
        for theme, value in zip(themes, row[2:], strict=True):
            totals[(start, theme)] = totals.get((start, theme), 0) + int(value or 0)
    rows = []
    for (start, theme), mentions in sorted(totals.items()):
        if mentions == 0:
            continue
        shown = suppress(mentions, k)
        rows.append(
            {
                "period": start,
                "theme": theme,
                "mentions": shown.value,
                "mentions_shown": shown.display(),
            }
        )
    return pd.DataFrame(rows, columns=columns)


def theme_totals(session: Session, actor: Actor, *, scope: Scope | None = None) -> pd.DataFrame:
    """Mentions of each theme in the scope, most frequent first (counts below k hidden)."""
    require(session, actor, Permission.VIEW_STATISTICS, action="feedback_stats.theme_totals")
    k = suppression_k(session)
    themes = theme_names(session)
    columns = ["theme", "mentions", "mentions_shown"]
    if not themes:
        return pd.DataFrame([], columns=columns)
    sums = [func.sum(case((theme_condition(theme), 1), else_=0)) for theme in themes]
    row = session.execute(_scoped(select(*sums), scope or Scope())).one()
    rows = []
    for theme, value in zip(themes, row, strict=True):
        shown = suppress(int(value or 0), k)
        rows.append({"theme": theme, "mentions": shown.value, "mentions_shown": shown.display()})
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values("mentions", ascending=False, na_position="last").reset_index(drop=True)


def theme_texts(
    session: Session,
    actor: Actor,
    *,
    theme: str,
    scope: Scope | None = None,
    limit: int = TEXT_LIMIT,
) -> pd.DataFrame:
    """The texts behind a theme, newest first: coordinator and lead only (VIEW_FREE_TEXT)."""
    require(session, actor, Permission.VIEW_FREE_TEXT, action="feedback_stats.theme_texts")
    query = _scoped(
        sa_select(
            col(Feedback.id),
            col(Feedback.received_on),
            col(Feedback.source),
            col(Feedback.satisfaction),
            col(Feedback.recommend),
            col(Feedback.text),
        ).where(theme_condition(theme), col(Feedback.text) != ""),
        scope or Scope(),
    ).order_by(col(Feedback.received_on).desc(), col(Feedback.id).desc())
    rows = session.execute(query.limit(limit)).all()
    return pd.DataFrame(
        [tuple(row) for row in rows],
        columns=["id", "received_on", "source", "satisfaction", "recommend", "text"],
    )


# --- the download ------------------------------------------------------------------------

EXPORT_COLUMNS = (
    "section", "group", "theme", "responses", "satisfaction", "satisfaction_n", "nps", "nps_n",
    "mentions",
)  # fmt: skip


def _number(value: Any, lang: str, fmt: str, decimals: int) -> object:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if fmt == "xlsx":
        return round(float(value), decimals) if decimals else int(value)
    return format_number(float(value), lang, decimals=decimals)


def _group_label(dimension: str, row: Any, lang: str, k: int) -> str:
    key = str(row["group"])
    if dimension == "provider":
        if key == NO_PROVIDER:
            return t("feedback.stats.no_provider", lang)
        if key == OTHER_PROVIDERS:
            return t("feedback.stats.other_providers", lang, count=row["providers"], k=k)
        return str(row["name"])
    enum_name = {"source": "FeedbackSource", "channel": "FeedbackChannel", "language": "Language"}
    return enum_label(key, lang, enum_name[dimension])


def period_label(start: date, grain: str, lang: str) -> str:
    if grain == "quarter":
        return t("feedback.stats.quarter_label", lang, year=start.year, q=(start.month + 2) // 3)
    return f"{start.month:02d}.{start.year}" if lang == "et" else f"{start.year}-{start.month:02d}"


def aggregated_rows(
    session: Session, actor: Actor, *, grain: str, lang: str, fmt: str, scope: Scope | None = None
) -> list[list[object]]:
    """The rows of the download: the trend, every breakdown, and theme frequency."""
    rows: list[list[object]] = []
    k = suppression_k(session)

    def figure_row(section: str, group: str, row: Any) -> list[object]:
        return [
            section,
            group,
            "",
            row["responses_shown"],
            _number(row["satisfaction"], lang, fmt, 2),
            row["satisfaction_n_shown"],
            _number(row["nps"], lang, fmt, 1),
            row["nps_n_shown"],
            "",
        ]

    section = t(f"feedback.stats.grain.{grain}", lang)
    for _, row in trend(session, actor, grain=grain, scope=scope).iterrows():
        rows.append(figure_row(section, period_label(row["period"], grain, lang), row))
    for dimension in DIMENSIONS:
        section = t(f"feedback.stats.by.{dimension}", lang)
        for _, row in breakdown(session, actor, dimension=dimension, scope=scope).iterrows():
            rows.append(figure_row(section, _group_label(dimension, row, lang, k), row))
    section = t("feedback.stats.themes", lang)
    for _, row in theme_frequency(session, actor, grain=grain, scope=scope).iterrows():
        rows.append(
            [
                section,
                period_label(row["period"], grain, lang),
                row["theme"],
                "",
                "",
                "",
                "",
                "",
                row["mentions_shown"],
            ]
        )
    return rows


def export_figures(
    session: Session,
    actor: Actor,
    *,
    fmt: tabular.Format,
    lang: str,
    grain: str = "month",
    scope: Scope | None = None,
) -> bytes:
    """The aggregated figures as CSV or XLSX: suppressed as on screen, never a text."""
    require(session, actor, Permission.EXPORT_STATISTICS, action="feedback_stats.export")
    header = [t(f"feedback.export.{name}", lang) for name in EXPORT_COLUMNS]
    rows = aggregated_rows(session, actor, grain=grain, lang=lang, fmt=fmt, scope=scope)
    audit.record(
        session,
        actor,
        "export",
        table="feedback",
        fields=["kind=feedback_figures", f"format={fmt}", f"rows={len(rows)}"],
    )
    return tabular.write_table(fmt, header, rows, sheet_title=t("feedback.export.sheet", lang))
