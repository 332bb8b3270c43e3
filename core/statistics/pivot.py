"""Meeting mode's pivot: rows, optional columns, one measure from the glossary, a chart.

The pivot is a table with margins (row totals, column totals, grand total), so it is
protected as one: core.suppression.protect_table over the clients behind each cell, plus
the new and continuing clients when one of those is the measure (the union of protected
patterns is still protected, and hiding both keeps "clients minus continuing" from giving
the new ones away).

The spec round-trips through URL query parameters (`to_query` / `from_query`), so a view
can be bookmarked and sent on; a colleague sees the same figures within their role.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlmodel import Session

from core.i18n import enum_label, t
from core.permissions import Actor, Permission, require
from core.settings import suppression_k
from core.statistics import compute
from core.statistics.filters import StatFilters
from core.statistics.glossary import PIVOT_MEASURES
from core.statistics.store import CASE_DIMENSIONS, FactStore, month_start
from core.statistics.views import (
    cache_key,
    cached,
    fact_store,
    sees_providers,
    within_role,
)
from core.suppression import PRIMARY, SHOWN, display, protect_table

TIME_DIMENSIONS = ("month", "quarter", "year")
DIMENSIONS = (*TIME_DIMENSIONS, *CASE_DIMENSIONS, "provider")
CHART_TYPES = ("bar", "stacked", "grouped", "line", "heatmap", "table")
ENUM_OF = {
    "county": "County",
    "category": "VictimCategory",
    "language": "Language",
    "age_band": "AgeBand",
    "gender": "Gender",
    "source": "ReferralSource",
}
TOTAL = "__total__"


@dataclass(frozen=True)
class PivotSpec:
    rows: str = "month"
    columns: str | None = None
    measure: str = "clients"
    chart: str = "bar"

    def __post_init__(self) -> None:
        if self.rows not in DIMENSIONS or self.measure not in PIVOT_MEASURES:
            raise ValueError("unknown pivot dimension or measure")
        if self.columns is not None and (
            self.columns not in DIMENSIONS or self.columns == self.rows
        ):
            raise ValueError("unknown or repeated pivot column dimension")
        if self.chart not in CHART_TYPES:
            raise ValueError("unknown chart type")

    def to_query(self) -> dict[str, str]:
        query = {"rows": self.rows, "measure": self.measure, "chart": self.chart}
        if self.columns:
            query["cols"] = self.columns
        return query

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> PivotSpec:
        """The spec in the link; a part that is not valid falls back to its default."""
        default = cls()
        rows = params.get("rows", default.rows)
        rows = rows if rows in DIMENSIONS else default.rows
        columns = params.get("cols") or None
        if columns not in DIMENSIONS or columns == rows:
            columns = None
        measure = params.get("measure", default.measure)
        chart = params.get("chart", default.chart)
        return cls(
            rows=rows,
            columns=columns,
            measure=measure if measure in PIVOT_MEASURES else default.measure,
            chart=chart if chart in CHART_TYPES else default.chart,
        )


@dataclass
class PivotResult:
    spec: PivotSpec
    k: int
    row_keys: list[str]
    column_keys: list[str]  # [TOTAL] alone when there are no columns
    values: np.ndarray  # (R+1)×(C+1) with margins, float; NaN where hidden
    states: np.ndarray  # (R+1)×(C+1)
    clients: np.ndarray  # (R+1)×(C+1), raw: never shown, used only by tests

    def shown(self, row: int, column: int) -> object:
        return display(
            self.values[row, column],
            int(self.states[row, column]),
            self.k,
            count=self.spec.measure in COUNT_MEASURES,
        )

    def long_frame(self) -> pd.DataFrame:
        """One row per inner cell: what charts draw and exports contain."""
        records = []
        inner_columns = self.column_keys[:-1] if self.spec.columns else [TOTAL]
        for r, row_key in enumerate(self.row_keys):
            for c, column_key in enumerate(inner_columns):
                column_index = c if self.spec.columns else len(self.column_keys) - 1
                hidden = int(self.states[r, column_index]) != SHOWN
                value = self.values[r, column_index]
                records.append(
                    {
                        "row": row_key,
                        "column": column_key,
                        "value": None if hidden or np.isnan(value) else float(value),
                        "shown": self.shown(r, column_index),
                    }
                )
        return pd.DataFrame(records, columns=["row", "column", "value", "shown"])


# "<k" means "fewer than k clients", so only a count of clients may be shown that way; any
# other hidden figure (sessions, cost) is marked "×".
COUNT_MEASURES = frozenset({"clients", "new_clients", "continuing_clients"})


def _buckets(
    dimension: str, store: FactStore, selected: compute.Selected
) -> tuple[np.ndarray, list[str]]:
    """Per selected session, the index of its group, and the groups' keys."""
    if dimension in TIME_DIMENSIONS:
        months = np.arange(selected.first_month, selected.last_month + 1)
        if dimension == "month":
            keys = [month_start(int(m)).isoformat()[:7] for m in months]
            group_of_month = np.arange(len(months))
        else:
            labels = [
                f"{1970 + int(m) // 12}"
                + (f"-Q{int(m) % 12 // 3 + 1}" if dimension == "quarter" else "")
                for m in months
            ]
            keys = list(dict.fromkeys(labels))
            group_of_month = np.array([keys.index(label) for label in labels], dtype=np.int64)
        return group_of_month[(selected.month - selected.first_month).astype(np.int64)], keys
    if dimension == "provider":
        groups = selected.provider.astype(np.int64)
        # Sessions whose provider row is gone are grouped as "unknown" at the end.
        groups = np.where(groups < 0, len(store.provider_ids), groups)
        return groups, [str(int(i)) for i in store.provider_ids] + ["?"]
    codes = store.case_dims[dimension][selected.case].astype(np.int64)
    return codes, list(store.vocabularies[dimension].codes)


def _year_of_group(dimension: str | None, keys: list[str], default_year: int) -> np.ndarray:
    if dimension in TIME_DIMENSIONS:
        return np.array([int(key[:4]) for key in keys], dtype=np.int64)
    return np.full(len(keys), default_year, dtype=np.int64)


def _distinct(groups: np.ndarray, cases: np.ndarray, n_cases: int) -> tuple[np.ndarray, np.ndarray]:
    pairs = np.unique(groups * max(n_cases, 1) + cases)
    return pairs // max(n_cases, 1), pairs % max(n_cases, 1)


def pivot(session: Session, actor: Actor, *, filters: StatFilters, spec: PivotSpec) -> PivotResult:
    require(session, actor, Permission.VIEW_STATISTICS, action="statistics.pivot")
    filters = within_role(actor, filters)
    if "provider" in (spec.rows, spec.columns):
        require(session, actor, Permission.VIEW_RECORDS, action="statistics.pivot_by_provider")
    k = suppression_k(session)
    return cached(
        cache_key(session, "pivot", filters, spec),
        lambda: compute_pivot(fact_store(session), filters, spec, k),
    )


def compute_pivot(store: FactStore, filters: StatFilters, spec: PivotSpec, k: int) -> PivotResult:
    selected = compute.select(store, filters)
    row_group, row_keys = _buckets(spec.rows, store, selected)
    if spec.columns:
        column_group, column_keys = _buckets(spec.columns, store, selected)
    else:
        column_group, column_keys = np.zeros(len(selected.case), dtype=np.int64), [TOTAL]
    n_rows, n_cols = len(row_keys), len(column_keys)
    cell = row_group * n_cols + column_group
    cells = n_rows * n_cols
    year_start = filters.start.year
    first_year = compute.first_year_start(store)
    first_year_number = np.where(
        first_year == np.iinfo(np.int32).max,
        np.iinfo(np.int32).max,
        first_year.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970,
    )
    row_years = _year_of_group(spec.rows, row_keys, year_start)
    column_years = _year_of_group(spec.columns, column_keys, year_start)

    def people(
        groups: np.ndarray, size: int, group_year: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        group, case = _distinct(groups, selected.case, store.n_cases)
        new = first_year_number[case] >= group_year[group]
        return np.bincount(group, minlength=size)[:size], np.bincount(group[new], minlength=size)[
            :size
        ]

    time_first = spec.rows in TIME_DIMENSIONS
    cell_years = (
        np.repeat(row_years, n_cols)
        if time_first or spec.columns not in TIME_DIMENSIONS
        else np.tile(column_years, n_rows)
    )
    cell_clients, cell_new = people(cell, cells, cell_years)
    row_clients, row_new = people(row_group, n_rows, row_years)
    column_clients, column_new = people(column_group, n_cols, column_years)
    served = compute.served_cases(store, selected)
    grand_clients = int(np.count_nonzero(served))
    grand_new = int(np.count_nonzero(served & (first_year_number >= year_start)))

    def table(inner: np.ndarray, rows: np.ndarray, columns: np.ndarray, grand: float) -> np.ndarray:
        full = np.zeros((n_rows + 1, n_cols + 1), dtype=np.float64)
        full[:n_rows, :n_cols] = inner.reshape(n_rows, n_cols)
        full[:n_rows, n_cols] = rows
        full[n_rows, :n_cols] = columns
        full[n_rows, n_cols] = grand
        return full

    clients = table(cell_clients, row_clients, column_clients, grand_clients)
    new = table(cell_new, row_new, column_new, grand_new)
    sessions = table(
        np.bincount(cell, minlength=cells)[:cells],
        np.bincount(row_group, minlength=n_rows)[:n_rows],
        np.bincount(column_group, minlength=n_cols)[:n_cols],
        len(selected.case),
    )
    cost = table(
        np.bincount(cell, weights=selected.cost, minlength=cells)[:cells],
        np.bincount(row_group, weights=selected.cost, minlength=n_rows)[:n_rows],
        np.bincount(column_group, weights=selected.cost, minlength=n_cols)[:n_cols],
        float(selected.cost.sum()),
    )
    states = protect_table(clients.astype(np.int64), k)
    if spec.measure in ("new_clients", "continuing_clients"):
        for part in (new, clients - new):
            states = np.maximum(states, protect_table(part.astype(np.int64), k))
        # A count below k of the measure itself is shown as "<k", not as "×".
        own = new if spec.measure == "new_clients" else clients - new
        states = np.where((own > 0) & (own < k), PRIMARY, states).astype(np.int8)
    with np.errstate(divide="ignore", invalid="ignore"):
        values = {
            "clients": clients,
            "new_clients": new,
            "continuing_clients": clients - new,
            "sessions": sessions,
            "cost": cost,
            "sessions_per_client": np.where(clients > 0, sessions / clients, np.nan),
            "cost_per_client": np.where(clients > 0, cost / clients, np.nan),
        }[spec.measure]
    # Rows and columns with nobody in them are left out, except the margins.
    keep_rows = [r for r in range(n_rows) if clients[r, -1] > 0] + [n_rows]
    keep_columns = [c for c in range(clients.shape[1] - 1) if clients[-1, c] > 0] + [
        clients.shape[1] - 1
    ]
    if not spec.columns:
        keep_columns = [0, 1]
    pick = np.ix_(keep_rows, keep_columns)
    shown_values = np.where(states[pick] == SHOWN, values[pick], np.nan)
    return PivotResult(
        spec=spec,
        k=k,
        row_keys=[row_keys[r] for r in keep_rows[:-1]],
        column_keys=[column_keys[c] for c in keep_columns[:-1]] + [TOTAL]
        if spec.columns
        else [TOTAL],
        values=shown_values,
        states=states[pick],
        clients=clients[pick],
    )


# --- labels ----------------------------------------------------------------------------------


def group_label(
    dimension: str | None, key: str, lang: str, provider_names: Mapping[str, str]
) -> str:
    if key == TOTAL or dimension is None:
        return t("stat.total", lang)
    if key == "?":
        return t("stat.unknown", lang)
    if dimension == "month":
        return f"{key[5:7]}/{key[:4]}"
    if dimension == "quarter":
        return t("reports.quarter_label", lang, q=int(key[-1]), year=int(key[:4]))
    if dimension == "year":
        return key
    if dimension == "provider":
        return provider_names.get(key, t("stat.unknown", lang))
    return enum_label(key, lang, ENUM_OF[dimension])


def table_frame(result: PivotResult, lang: str, provider_names: Mapping[str, str]) -> pd.DataFrame:
    """The pivot as a reader sees it: labels, shown values, totals last."""
    spec = result.spec
    header = [t(f"stat.dimension.{spec.rows}", lang)]
    if spec.columns:
        header += [
            group_label(spec.columns, key, lang, provider_names) for key in result.column_keys
        ]
        value_columns = list(range(len(result.column_keys)))
    else:
        header += [t(f"stat.metric.{spec.measure}", lang)]
        value_columns = [len(result.column_keys)]
    rows = []
    for r in range(len(result.row_keys) + 1):
        key = result.row_keys[r] if r < len(result.row_keys) else TOTAL
        rows.append(
            [group_label(spec.rows, key, lang, provider_names)]
            + [result.shown(r, c) for c in value_columns]
        )
    return pd.DataFrame(rows, columns=header)


def dimensions_for(actor: Actor) -> tuple[str, ...]:
    return DIMENSIONS if sees_providers(actor) else tuple(d for d in DIMENSIONS if d != "provider")
