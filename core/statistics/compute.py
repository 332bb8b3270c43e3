"""The raw figures of the statistics page, computed from the columnar snapshot.

Every definition here is the one the glossary (core.statistics.glossary) states; nothing
is suppressed yet (core.statistics.views does that). Functions take the snapshot and the
filters and return plain numbers and NumPy arrays, so that they are cheap to test on small
hand-made snapshots.

How the filters apply: the case attributes (county, victim category, language, age band,
gender, referral source) select cases. The provider filter selects sessions by the
provider who held them; figures about a case as a whole (waiting time, outcomes, clients
with one session) use the provider the case was referred to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

import numpy as np

from core.statistics.filters import StatFilters
from core.statistics.store import NO_DAY, FactStore, day_number, month_number, month_start

WAITING_BINS = (7, 14, 21, 30, 60)  # upper bounds in days; the last bin is "more"
TIME_POINT_START, TIME_POINT_END = 0, 1


@dataclass
class Selected:
    """The sessions in the filters, as arrays (views or copies of the snapshot's)."""

    case: np.ndarray
    provider: np.ndarray
    day: np.ndarray
    month: np.ndarray
    cost: np.ndarray
    first_month: int
    last_month: int
    case_ok: np.ndarray | None  # cases in the case filters (None: all)
    referred_ok: np.ndarray | None  # ... and referred to a selected provider
    n_cases: int

    @cached_property
    def served(self) -> np.ndarray:
        """Per case: had a selected session. Asked for by most figures, counted once."""
        return np.bincount(self.case, minlength=self.n_cases) > 0

    @property
    def months(self) -> int:
        return self.last_month - self.first_month + 1


def _lookup(size: int, chosen: np.ndarray) -> np.ndarray:
    table = np.zeros(max(size, 1), dtype=bool)
    table[chosen] = True
    return table


def case_mask(store: FactStore, filters: StatFilters) -> np.ndarray | None:
    mask: np.ndarray | None = None
    for name, values in filters.case_filters().items():
        vocabulary = store.vocabularies[name]
        allowed = _lookup(len(vocabulary.codes), vocabulary.index(values))
        part = allowed[store.case_dims[name]]
        mask = part if mask is None else mask & part
    return mask


def select(store: FactStore, filters: StatFilters) -> Selected:
    first_month, last_month = month_number(filters.start), month_number(filters.end)
    window = store.month_slice(first_month, last_month)
    case = store.session_case[window]
    provider = store.session_provider[window]
    day = store.session_day[window]
    month = store.session_month[window]
    cost = store.session_cost[window]
    keep: np.ndarray | None = None
    start, end = day_number(filters.start), day_number(filters.end)
    if len(day) and (int(day.min()) < start or int(day.max()) > end):
        keep = (day >= start) & (day <= end)
    case_ok = case_mask(store, filters)
    if case_ok is not None:
        part = case_ok[case]
        keep = part if keep is None else keep & part
    referred_ok = case_ok
    if filters.provider:
        providers = _lookup(len(store.provider_ids), store.provider_index(filters.provider))
        part = providers[provider.astype(np.int64)] & (provider >= 0)
        keep = part if keep is None else keep & part
        by_case = np.where(store.case_provider >= 0, providers[store.case_provider], False)
        referred_ok = by_case if referred_ok is None else referred_ok & by_case
    if keep is not None:
        case, provider, day, month, cost = (
            case[keep],
            provider[keep],
            day[keep],
            month[keep],
            cost[keep],
        )
    return Selected(
        case,
        provider,
        day,
        month,
        cost,
        first_month,
        last_month,
        case_ok,
        referred_ok,
        store.n_cases,
    )


# --- clients, sessions, cost ------------------------------------------------------------------


@dataclass
class Activity:
    clients: int
    new_clients: int
    sessions: int
    cost_cents: int
    started: int  # clients whose first session is in the period
    one_session: int  # ... of whom had one session only

    @property
    def continuing_clients(self) -> int:
        return self.clients - self.new_clients


def served_cases(store: FactStore, selected: Selected) -> np.ndarray:
    return selected.served


def first_year_start(store: FactStore) -> np.ndarray:
    """Per case, the first day of the calendar year of its first session (NO_DAY if none)."""
    years = store.first_day.astype("datetime64[D]").astype("datetime64[Y]")
    starts = years.astype("datetime64[D]").astype(np.int64)
    return np.where(store.first_day == NO_DAY, NO_DAY, starts)


def activity(store: FactStore, filters: StatFilters, selected: Selected | None = None) -> Activity:
    selected = selected or select(store, filters)
    served = served_cases(store, selected)
    year_start = day_number(date(filters.start.year, 1, 1))
    first = store.first_day
    start, end = day_number(filters.start), day_number(filters.end)
    started = served & (first >= start) & (first <= end)
    return Activity(
        clients=int(np.count_nonzero(served)),
        new_clients=int(np.count_nonzero(served & (first >= year_start))),
        sessions=len(selected.day),
        cost_cents=int(selected.cost.sum()),
        started=int(np.count_nonzero(started)),
        one_session=int(np.count_nonzero(started & (store.sessions_ever == 1))),
    )


@dataclass
class Monthly:
    """Per month of the period (index 0 = the period's first month)."""

    months: list[date]
    clients: np.ndarray
    new_clients: np.ndarray
    sessions: np.ndarray
    cost_cents: np.ndarray


def month_client_pairs(store: FactStore, selected: Selected) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (month, case) pairs: the sessions are sorted by month then case, so a new
    pair starts wherever the combined key changes."""
    if not len(selected.case):
        return np.empty(0, np.int64), np.empty(0, np.int64)
    key = (selected.month.astype(np.int64) - selected.first_month) * store.n_cases + selected.case
    starts = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1])))
    return (selected.month[starts] - selected.first_month).astype(np.int64), selected.case[starts]


def monthly(store: FactStore, selected: Selected) -> Monthly:
    size = selected.months
    offset = (selected.month - selected.first_month).astype(np.int64)
    pair_month, pair_case = month_client_pairs(store, selected)
    first_year = (
        store.first_day[pair_case].astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64)
        + 1970
    )
    pair_year = (pair_month + selected.first_month) // 12 + 1970
    new = first_year == pair_year
    return Monthly(
        months=[month_start(selected.first_month + n) for n in range(size)],
        clients=np.bincount(pair_month, minlength=size)[:size],
        new_clients=np.bincount(pair_month[new], minlength=size)[:size],
        sessions=np.bincount(offset, minlength=size)[:size],
        cost_cents=np.bincount(offset, weights=selected.cost, minlength=size)[:size].astype(
            np.int64
        ),
    )


@dataclass
class Breakdown:
    """One figure set per group (a case attribute's codes, or providers)."""

    keys: list[str]
    clients: np.ndarray
    sessions: np.ndarray
    cost_cents: np.ndarray
    total_clients: int = 0
    extra: dict[str, np.ndarray] = field(default_factory=dict)


def by_case_dimension(store: FactStore, selected: Selected, dimension: str) -> Breakdown:
    codes = store.case_dims[dimension]
    vocabulary = store.vocabularies[dimension].codes
    size = len(vocabulary)
    served = served_cases(store, selected)
    group_of_session = codes[selected.case].astype(np.int64)
    return Breakdown(
        keys=list(vocabulary),
        clients=np.bincount(codes[served].astype(np.int64), minlength=size),
        sessions=np.bincount(group_of_session, minlength=size),
        cost_cents=np.bincount(group_of_session, weights=selected.cost, minlength=size).astype(
            np.int64
        ),
        total_clients=int(np.count_nonzero(served)),
    )


def by_provider(store: FactStore, selected: Selected) -> Breakdown:
    """Clients of a provider: distinct cases with a session held by it. A client seen by two
    providers counts for each, so the groups add up to more than the total."""
    size = len(store.provider_ids)
    known = selected.provider >= 0
    provider = selected.provider[known].astype(np.int64)
    pairs = np.unique(provider * store.n_cases + selected.case[known])
    return Breakdown(
        keys=[str(int(i)) for i in store.provider_ids],
        clients=np.bincount(pairs // max(store.n_cases, 1), minlength=size)[:size],
        sessions=np.bincount(provider, minlength=size)[:size],
        cost_cents=np.bincount(provider, weights=selected.cost[known], minlength=size)[
            :size
        ].astype(np.int64),
        total_clients=int(np.count_nonzero(served_cases(store, selected))),
    )


# --- waiting ----------------------------------------------------------------------------------


@dataclass
class Waiting:
    days: np.ndarray  # waiting days of the clients whose first session is in the period
    first_month: np.ndarray  # month offset of that first session
    still_waiting: int  # referred in the period, no session by its end
    still_waiting_over_target: int
    target_days: int

    @property
    def clients(self) -> int:
        return len(self.days)

    def median(self) -> float | None:
        return float(np.median(self.days)) if len(self.days) else None

    def p90(self) -> float | None:
        return float(np.percentile(self.days, 90)) if len(self.days) else None

    def within_target(self) -> int:
        return int(np.count_nonzero(self.days <= self.target_days))

    def share_within_target(self) -> float | None:
        return self.within_target() / len(self.days) if len(self.days) else None

    def histogram(self) -> np.ndarray:
        edges = np.searchsorted(np.array(WAITING_BINS), self.days, side="left")
        return np.bincount(edges, minlength=len(WAITING_BINS) + 1)


def waiting(
    store: FactStore, filters: StatFilters, selected: Selected, target_days: int
) -> Waiting:
    start, end = day_number(filters.start), day_number(filters.end)
    cases = selected.referred_ok
    first = store.first_day
    began = (first >= start) & (first <= end)
    if cases is not None:
        began &= cases
    days = np.maximum(first[began] - store.referral_day[began], 0).astype(np.int64)
    months = first[began].astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    referred = (store.referral_day >= start) & (store.referral_day <= end) & (first > end)
    if cases is not None:
        referred &= cases
    over = referred & (end - store.referral_day > target_days)
    return Waiting(
        days=days,
        first_month=months - selected.first_month,
        still_waiting=int(np.count_nonzero(referred)),
        still_waiting_over_target=int(np.count_nonzero(over)),
        target_days=target_days,
    )


# --- outcomes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Thresholds:
    reliable_change: int | None
    clinical_cutoff: int | None
    recovered_below: int | None
    higher_is_worse: bool = True


@dataclass
class Outcome:
    instrument: str
    measured: int  # clients with a start and an end measure, the end in the period
    start_only: int  # clients with a start measure in the period and no end measure yet
    mean_start: float | None
    mean_end: float | None
    mean_change: float | None  # end minus start
    improved: int | None  # reliably improved (None: the instrument has no rule)
    in_clinical_range: int | None  # started at or above the clinical cut-off
    recovered: int | None  # of those, ended below the threshold with reliable improvement


def outcomes(
    store: FactStore,
    filters: StatFilters,
    selected: Selected,
    thresholds: dict[str, Thresholds],
) -> list[Outcome]:
    start, end = day_number(filters.start), day_number(filters.end)
    cases = selected.referred_ok
    results = []
    for code, instrument in enumerate(store.instruments):
        table = store.outcome_tables[code]
        first_score = table.start_score.astype(np.int64)
        last_score = table.end_score.astype(np.int64)
        measured_end = (last_score >= 0) & (table.end_day >= start) & (table.end_day <= end)
        both = (first_score >= 0) & measured_end
        # An end measured after the period does not count: a past period's figure stays put.
        has_end = (last_score >= 0) & (table.end_day <= end)
        started_in_period = (
            (first_score >= 0) & (table.start_day >= start) & (table.start_day <= end)
        )
        start_only = started_in_period & ~has_end
        if cases is not None:
            both &= cases
            start_only &= cases
        before, after = first_score[both], last_score[both]
        rule = thresholds.get(instrument, Thresholds(None, None, None))
        sign = 1 if rule.higher_is_worse else -1
        improvement = (before - after) * sign
        improved = recovered = clinical = None
        if rule.reliable_change is not None:
            reliable = improvement >= rule.reliable_change
            improved = int(np.count_nonzero(reliable))
            if rule.clinical_cutoff is not None and rule.recovered_below is not None:
                ill = before * sign >= rule.clinical_cutoff * sign
                well = after * sign < rule.recovered_below * sign
                clinical = int(np.count_nonzero(ill))
                recovered = int(np.count_nonzero(ill & well & reliable))
        measured = len(before)
        results.append(
            Outcome(
                instrument=instrument,
                measured=measured,
                start_only=int(np.count_nonzero(start_only)),
                mean_start=float(before.mean()) if measured else None,
                mean_end=float(after.mean()) if measured else None,
                mean_change=float((after - before).mean()) if measured else None,
                improved=improved,
                in_clinical_range=clinical,
                recovered=recovered,
            )
        )
    return results
