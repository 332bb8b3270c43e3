"""What a reader of the statistics page may see: the raw figures with small-cell
suppression applied, as plain numbers and small DataFrames.

Every frame has, for each figure, a numeric column (None where the cell is hidden, which
is what the charts draw) and a `<figure>_shown` column with what a table, a tooltip or an
export shows: the number, "<k" for a count below k, or "×" for a cell hidden so that a
hidden neighbour cannot be worked out from a total. The rule for what hides what:

- a figure about fewer than k clients is hidden, whatever its unit (the cost of three
  clients is as telling as their number), and so are the sessions and cost of that group;
- a breakdown that adds up to a total shown elsewhere (counties to all clients, new and
  continuing to clients, months to the period's sessions) never has exactly one hidden
  cell (core.suppression.protect_series);
- a share is hidden when the clients it counts, or the ones it leaves out, are below k,
  since the share and the number measured would give them away.

Results are cached per process, keyed by the database, the data version every write
advances, the filters and k: a warm rerun and a second reader cost a dictionary lookup.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func
from sqlmodel import Session, col, select

from core import audit
from core.cache import cache_key, cached
from core.dates import add_months
from core.feedback_stats import Sums, _aggregates, _sums, figures
from core.models import Contract, Feedback, InstrumentThreshold
from core.permissions import Actor, Permission, require
from core.settings import get_setting, suppression_k
from core.statistics import compute
from core.statistics.filters import StatFilters
from core.statistics.store import FactStore, month_start, snapshot
from core.suppression import PRIMARY, SECONDARY, SHOWN, display, protect_series


def fact_store(session: Session) -> FactStore:
    return snapshot(session.get_bind())  # type: ignore[arg-type]


# --- shown values --------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One figure: `value` is None when hidden; `shown` is what the reader sees."""

    key: str
    value: float | int | None
    shown: str | float | int | None
    n: int | None = None  # the clients behind it, when that may be shown
    previous: float | int | None = None

    @property
    def hidden(self) -> bool:
        return self.value is None and self.shown is not None


def _figure(key: str, value: Any, state: int, k: int, *, count: bool = True) -> Figure:
    if value is None:
        return Figure(key, None, None)
    if state == SHOWN:
        return Figure(key, value, value)
    return Figure(key, None, str(display(value, state, k, count=count)))


def _share(part: int | None, whole: int, k: int) -> tuple[float | None, bool]:
    """A share of `whole`; hidden when the part or the rest is a small cell."""
    if part is None or whole <= 0:
        return None, False
    rest = whole - part
    if whole < k or 0 < part < k or 0 < rest < k:
        return None, True
    return part / whole, False


def _state_column(states: np.ndarray) -> list[int]:
    return [int(s) for s in states]


def _apply(frame: pd.DataFrame, column: str, states: list[int], k: int, *, count: bool) -> None:
    values = frame[column].tolist()
    frame[f"{column}_shown"] = [
        display(v, s, k, count=count) for v, s in zip(values, states, strict=True)
    ]
    frame[column] = [v if s == SHOWN else None for v, s in zip(values, states, strict=True)]


# --- the page's figures -------------------------------------------------------------------------


@dataclass
class StatisticsView:
    filters: StatFilters
    k: int
    tiles: dict[str, Figure]
    monthly: pd.DataFrame
    breakdowns: dict[str, pd.DataFrame]  # dimension -> frame (county, category, ..., provider)
    waiting_histogram: pd.DataFrame
    waiting_trend: pd.DataFrame
    outcomes: pd.DataFrame
    satisfaction: pd.DataFrame
    budget: pd.DataFrame
    provider_names: dict[str, str] = field(default_factory=dict)
    waiting_target_days: int = 0  # the setting the waiting figures were computed with


def thresholds(session: Session) -> dict[str, compute.Thresholds]:
    rows = session.execute(select(InstrumentThreshold)).scalars()
    return {
        row.instrument: compute.Thresholds(
            row.reliable_change, row.clinical_cutoff, row.recovered_below, row.higher_is_worse
        )
        for row in rows
    }


def statistics_view(session: Session, actor: Actor, *, filters: StatFilters) -> StatisticsView:
    """Everything the statistics page shows for these filters, suppressed."""
    require(session, actor, Permission.VIEW_STATISTICS, action="statistics.view")
    filters = within_role(actor, filters)
    view = cached(cache_key(session, "view", filters), lambda: _build(session, filters))
    if sees_providers(actor):
        return view
    return replace(
        view,
        provider_names={},
        breakdowns={name: frame for name, frame in view.breakdowns.items() if name != "provider"},
    )


def sees_providers(actor: Actor) -> bool:
    """Provider names are for those who may read records (as in the activity report);
    the viewer gets figures without them, and cannot filter or group by provider."""
    return actor.can(Permission.VIEW_RECORDS)


def within_role(actor: Actor, filters: StatFilters) -> StatFilters:
    return filters if sees_providers(actor) else filters.with_values("provider", ())


def _build(session: Session, filters: StatFilters) -> StatisticsView:
    store = fact_store(session)
    k = suppression_k(session)
    target = int(get_setting(session, "waiting_target_days"))
    selected = compute.select(store, filters)
    activity = compute.activity(store, filters, selected)
    previous_filters = filters.previous()
    previous_selected = compute.select(store, previous_filters)
    previous = compute.activity(store, previous_filters, previous_selected)
    waiting = compute.waiting(store, filters, selected, target)
    previous_waiting = compute.waiting(store, previous_filters, previous_selected, target)
    months = compute.monthly(store, selected)
    budget = _budget(session, filters, months)
    satisfaction, satisfaction_total = _satisfaction(session, filters, k)
    previous_satisfaction = _satisfaction(session, previous_filters, k)[1]
    tiles = _tiles(activity, previous, waiting, previous_waiting, k)
    tiles["satisfaction"] = _feedback_tile(
        "satisfaction", satisfaction_total, previous_satisfaction, k
    )
    tiles["nps"] = _feedback_tile("nps", satisfaction_total, previous_satisfaction, k)
    total_budget = int(budget["budget_cents"].iloc[-1]) if len(budget) else 0
    if total_budget > 0 and tiles["cost"].value is not None:
        tiles["budget_use"] = Figure(
            "budget_use", activity.cost_cents / total_budget, activity.cost_cents / total_budget
        )
    else:
        tiles["budget_use"] = Figure("budget_use", None, None)
    monthly_frame = _monthly_frame(months, k)
    hidden_months = [value is None or value != value for value in monthly_frame["cost"]]
    if any(hidden_months):
        first_hidden = hidden_months.index(True)
        budget["cost_cents"] = [
            None if n >= first_hidden else cost for n, cost in enumerate(budget["cost_cents"])
        ]
    outcome_rows = compute.outcomes(store, filters, selected, thresholds(session))
    names = {
        str(int(i)): name for i, name in zip(store.provider_ids, store.provider_names, strict=True)
    }
    return StatisticsView(
        filters=filters,
        k=k,
        tiles=tiles,
        monthly=monthly_frame,
        breakdowns={
            **{
                name: _breakdown_frame(compute.by_case_dimension(store, selected, name), k)
                for name in store.case_dims
            },
            "provider": _breakdown_frame(compute.by_provider(store, selected), k, additive=False),
        },
        waiting_histogram=_waiting_histogram(waiting, k),
        waiting_trend=_waiting_trend(store, selected, waiting, k),
        outcomes=_outcome_frame(outcome_rows, k),
        satisfaction=satisfaction,
        budget=budget,
        provider_names=names,
        waiting_target_days=target,
    )


def _tiles(
    now: compute.Activity,
    before: compute.Activity,
    waiting: compute.Waiting,
    waited: compute.Waiting,
    k: int,
) -> dict[str, Figure]:
    states, client_state = protect_series([now.new_clients, now.continuing_clients], now.clients, k)
    hidden = client_state != SHOWN
    tiles = {
        "clients": _figure("clients", now.clients, client_state, k),
        "new_clients": _figure("new_clients", now.new_clients, int(states[0]), k),
        "continuing_clients": _figure(
            "continuing_clients", now.continuing_clients, int(states[1]), k
        ),
        "sessions": _figure("sessions", now.sessions, SECONDARY if hidden else SHOWN, k),
        "cost": _figure("cost", now.cost_cents, SECONDARY if hidden else SHOWN, k, count=False),
    }
    for key, numerator in (
        ("sessions_per_client", now.sessions),
        ("cost_per_client", now.cost_cents),
    ):
        value = numerator / now.clients if now.clients else None
        tiles[key] = _figure(key, value, SECONDARY if hidden else SHOWN, k, count=False)
    share, share_hidden = _share(now.one_session, now.started, k)
    tiles["one_session_share"] = Figure(
        "one_session_share",
        share,
        "×" if share_hidden else share,
        n=now.started if now.started >= k else None,
    )
    waiting_hidden = 0 < waiting.clients < k
    for key, value in (("waiting_median", waiting.median()), ("waiting_p90", waiting.p90())):
        tiles[key] = _figure(key, value, SECONDARY if waiting_hidden else SHOWN, k, count=False)
    share, share_hidden = _share(waiting.within_target(), waiting.clients, k)
    tiles["waiting_within_target"] = Figure(
        "waiting_within_target", share, "×" if share_hidden else share
    )
    tiles["still_waiting"] = _figure(
        "still_waiting",
        waiting.still_waiting,
        PRIMARY if 0 < waiting.still_waiting < k else SHOWN,
        k,
    )
    _with_previous(tiles, _tiles_raw(before, waited, k))
    return tiles


def _tiles_raw(before: compute.Activity, waited: compute.Waiting, k: int) -> dict[str, Any]:
    """The previous period's figures, only where they themselves may be shown."""
    if before.clients < k:
        values: dict[str, Any] = {}
    else:
        values = {
            "clients": before.clients,
            "sessions": before.sessions,
            "cost": before.cost_cents,
            "sessions_per_client": before.sessions / before.clients,
            "cost_per_client": before.cost_cents / before.clients,
        }
        if before.new_clients >= k and before.continuing_clients >= k:
            values["new_clients"] = before.new_clients
            values["continuing_clients"] = before.continuing_clients
    share, _hidden = _share(before.one_session, before.started, k)
    values["one_session_share"] = share
    if waited.clients >= k:
        values["waiting_median"] = waited.median()
        values["waiting_p90"] = waited.p90()
    values["waiting_within_target"] = _share(waited.within_target(), waited.clients, k)[0]
    if waited.still_waiting >= k or waited.still_waiting == 0:
        values["still_waiting"] = waited.still_waiting
    return values


def _with_previous(tiles: dict[str, Figure], previous: dict[str, Any]) -> None:
    for key, figure in list(tiles.items()):
        if figure.value is not None and previous.get(key) is not None:
            tiles[key] = Figure(figure.key, figure.value, figure.shown, figure.n, previous[key])


def _monthly_frame(months: compute.Monthly, k: int) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "month": months.months,
            "clients": months.clients.astype(int),
            "new_clients": months.new_clients.astype(int),
            "continuing_clients": (months.clients - months.new_clients).astype(int),
            "sessions": months.sessions.astype(int),
            "cost": months.cost_cents.astype(int),
        }
    )
    states, _total = protect_series(months.clients, int(months.clients.sum()), k)
    month_states = _state_column(states)
    split_states: list[tuple[int, int]] = []
    for (new, cont, clients), state in zip(
        frame[["new_clients", "continuing_clients", "clients"]].itertuples(index=False),
        month_states,
        strict=True,
    ):
        if state != SHOWN:
            split_states.append((SECONDARY, SECONDARY))
            continue
        pair, _ = protect_series([new, cont], clients, k)
        split_states.append((int(pair[0]), int(pair[1])))
    _apply(frame, "new_clients", [s[0] for s in split_states], k, count=True)
    _apply(frame, "continuing_clients", [s[1] for s in split_states], k, count=True)
    _apply(frame, "clients", month_states, k, count=True)
    follow = [SECONDARY if s != SHOWN else SHOWN for s in month_states]
    _apply(frame, "sessions", follow, k, count=False)
    _apply(frame, "cost", follow, k, count=False)
    return frame


def _breakdown_frame(rows: compute.Breakdown, k: int, *, additive: bool = True) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "key": rows.keys,
            "clients": rows.clients.astype(int),
            "sessions": rows.sessions.astype(int),
            "cost": rows.cost_cents.astype(int),
        }
    )
    frame = frame[(frame["clients"] > 0) | (frame["sessions"] > 0)].reset_index(drop=True)
    total = int(frame["clients"].sum()) if additive else rows.total_clients
    states, _total_state = protect_series(frame["clients"].to_numpy(), total, k)
    client_states = _state_column(states)
    frame["sessions_per_client"] = [
        s / c if c else None for s, c in zip(frame["sessions"], frame["clients"], strict=True)
    ]
    frame["cost_per_client"] = [
        s / c if c else None for s, c in zip(frame["cost"], frame["clients"], strict=True)
    ]
    follow = [SECONDARY if s != SHOWN else SHOWN for s in client_states]
    _apply(frame, "clients", client_states, k, count=True)
    for column in ("sessions", "cost", "sessions_per_client", "cost_per_client"):
        _apply(frame, column, follow, k, count=False)
    return frame


WAITING_LABELS = ("0–7", "8–14", "15–21", "22–30", "31–60", "61+")


def _waiting_histogram(waiting: compute.Waiting, k: int) -> pd.DataFrame:
    counts = waiting.histogram()
    frame = pd.DataFrame({"bin": list(WAITING_LABELS), "clients": counts.astype(int)})
    states, _ = protect_series(counts, waiting.clients, k)
    _apply(frame, "clients", _state_column(states), k, count=True)
    return frame


def _waiting_trend(
    store: FactStore, selected: compute.Selected, waiting: compute.Waiting, k: int
) -> pd.DataFrame:
    rows = []
    for offset in range(selected.months):
        days = waiting.days[waiting.first_month == offset]
        hidden = 0 < len(days) < k
        rows.append(
            {
                "month": month_start(selected.first_month + offset),
                "clients": len(days),
                "median": None if hidden or not len(days) else float(np.median(days)),
                "p90": None if hidden or not len(days) else float(np.percentile(days, 90)),
            }
        )
    frame = pd.DataFrame(rows, columns=["month", "clients", "median", "p90"])
    month_states, _ = protect_series(frame["clients"].to_numpy(), waiting.clients, k)
    states = _state_column(month_states)
    for column in ("median", "p90"):
        frame[column] = [
            v if s == SHOWN else None for v, s in zip(frame[column], states, strict=True)
        ]
    _apply(frame, "clients", states, k, count=True)
    frame["median_shown"] = [
        display(v, s, k, count=False) for v, s in zip(frame["median"], states, strict=True)
    ]
    return frame


def _outcome_frame(rows: list[compute.Outcome], k: int) -> pd.DataFrame:
    records = []
    for row in rows:
        if row.measured == 0 and row.start_only == 0:
            continue
        hidden = row.measured < k
        improved, improved_hidden = _share(row.improved, row.measured, k)
        recovered, recovered_hidden = (
            _share(row.recovered, row.in_clinical_range, k)
            if row.in_clinical_range is not None
            else (None, False)
        )
        records.append(
            {
                "instrument": row.instrument,
                "measured": None if hidden and row.measured else row.measured,
                "measured_shown": f"<{k}" if hidden and row.measured else row.measured,
                "start_only": row.start_only
                if row.start_only >= k or row.start_only == 0
                else None,
                "start_only_shown": (f"<{k}" if 0 < row.start_only < k else row.start_only),
                "mean_start": None if hidden else row.mean_start,
                "mean_end": None if hidden else row.mean_end,
                "mean_change": None if hidden else row.mean_change,
                "improved": None if hidden else improved,
                "improved_shown": "×"
                if (hidden or improved_hidden) and row.improved is not None
                else improved,
                "recovered": None if hidden else recovered,
                "recovered_shown": "×"
                if (hidden or recovered_hidden) and row.recovered is not None
                else recovered,
            }
        )
    columns = [
        "instrument",
        "measured",
        "measured_shown",
        "start_only",
        "start_only_shown",
        "mean_start",
        "mean_end",
        "mean_change",
        "improved",
        "improved_shown",
        "recovered",
        "recovered_shown",
    ]
    return pd.DataFrame(records, columns=columns)


# --- from the small tables: feedback and contracts ----------------------------------------------


def _satisfaction(session: Session, filters: StatFilters, k: int) -> tuple[pd.DataFrame, Sums]:
    """Monthly satisfaction and NPS of the feedback in the period. Feedback is not linked to
    cases, so only the period, provider and language filters apply to it."""
    year = func.extract("year", col(Feedback.received_on))
    month = func.extract("month", col(Feedback.received_on))
    query = select(year, month, *_aggregates()).where(
        col(Feedback.received_on) >= filters.start, col(Feedback.received_on) <= filters.end
    )
    if filters.provider:
        query = query.where(col(Feedback.provider_id).in_(filters.provider))
    if filters.language:
        query = query.where(col(Feedback.language).in_(filters.language))
    rows = session.execute(query.group_by(year, month).order_by(year, month)).all()
    months = [(date(int(row[0]), int(row[1]), 1), _sums(row[2:])) for row in rows]
    total = Sums()
    for _month, sums in months:
        total = total + sums
    counts = np.array([[s.responses, s.sat_n, s.rec_n] for _m, s in months], dtype=np.int64)
    hide = np.zeros(len(months), dtype=bool)
    for column, whole in enumerate((total.responses, total.sat_n, total.rec_n)):
        if len(months):
            column_states, _ = protect_series(counts[:, column], whole, k)
            hide |= column_states == SECONDARY
    records = [
        {"month": month, **figures(sums, k, hidden=bool(hidden))}
        for (month, sums), hidden in zip(months, hide, strict=True)
    ]
    frame = pd.DataFrame(records)
    if frame.empty:
        frame = pd.DataFrame(
            columns=[
                "month",
                "responses",
                "responses_shown",
                "satisfaction",
                "satisfaction_n",
                "nps",
                "nps_n",
            ]
        )
    return frame, total


def _feedback_tile(key: str, now: Sums, before: Sums, k: int) -> Figure:
    current, previous = figures(now, k), figures(before, k)
    value = current[key]
    n = current["satisfaction_n" if key == "satisfaction" else "nps_n"]
    if value is None:
        hidden = (now.sat_n if key == "satisfaction" else now.rec_n) > 0
        return Figure(key, None, f"<{k}" if hidden else None)
    return Figure(key, value, value, n=n, previous=previous[key])


def _budget(session: Session, filters: StatFilters, months: compute.Monthly) -> pd.DataFrame:
    """Cumulative cost by month against the contracts' ceilings for the period: each
    contract's ceiling is spread evenly over its term and counted for the days of the
    period it covers."""
    query = select(
        col(Contract.start_date), col(Contract.end_date), col(Contract.ceiling_cents)
    ).where(
        col(Contract.start_date) <= filters.end,
        col(Contract.end_date) >= filters.start,
        col(Contract.status).in_(["signed", "active", "expiring", "ended", "terminated"]),
    )
    if filters.provider:
        query = query.where(col(Contract.provider_id).in_(filters.provider))
    contracts = session.execute(query).all()
    rows = []
    cumulative_cost = 0
    for index, month in enumerate(months.months):
        cumulative_cost += int(months.cost_cents[index])
        last_day = min(filters.end, _month_end(month))
        budget = 0.0
        for start, end, ceiling in contracts:
            term = (end - start).days + 1
            covered = (min(end, last_day) - max(start, filters.start)).days + 1
            if term > 0 and covered > 0:
                budget += ceiling * covered / term
        rows.append({"month": month, "cost_cents": cumulative_cost, "budget_cents": int(budget)})
    return pd.DataFrame(rows, columns=["month", "cost_cents", "budget_cents"])


def _month_end(month: date) -> date:
    return date.fromordinal(add_months(month, 1).toordinal() - 1)


def export_file(
    session: Session, actor: Actor, *, name: str, fmt: str, build: Callable[[], bytes]
) -> bytes:
    """A chart or its figures as a file; the export is audited (the caller commits)."""
    require(session, actor, Permission.EXPORT_STATISTICS, action="statistics.export")
    content = build()
    audit.record(
        session, actor, "export", table="statistics", fields=[f"chart={name}", f"format={fmt}"]
    )
    return content
