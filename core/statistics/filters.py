"""The shared filters of the statistics page and meeting mode, and their URL form.

A view's state lives in the URL's query parameters, so that a bookmarked or forwarded
link shows the same figures: `from_query(to_query(f)) == f` for every valid filter, and
anything in a link that is not valid (a hand-edited date, an unknown county) is dropped
rather than refused, so that an old link still opens.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import date, timedelta
from typing import Any

from core.dates import add_months
from core.statistics.store import CASE_DIMENSIONS

# dimension -> query parameter; the provider filter holds database ids.
DIMENSION_PARAMS: dict[str, str] = {name: name for name in CASE_DIMENSIONS}
PERIOD_PRESETS = ("this_year", "last_year", "last_12_months", "this_quarter", "last_quarter")
MAX_SELECTED = 200
MAX_ID = 2**31 - 1  # database ids are 32-bit integers


@dataclass(frozen=True)
class StatFilters:
    start: date
    end: date
    county: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    language: tuple[str, ...] = ()
    age_band: tuple[str, ...] = ()
    gender: tuple[str, ...] = ()
    source: tuple[str, ...] = ()
    provider: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("the period ends before it starts")

    def case_filters(self) -> dict[str, tuple[str, ...]]:
        return {name: getattr(self, name) for name in CASE_DIMENSIONS if getattr(self, name)}

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> StatFilters:
        """The period to compare with: the previous month, quarter or year when the period is
        whole months; the same dates a year earlier for a year to date; otherwise the same
        number of days just before."""
        months = _whole_months(self.start, self.end)
        # A year, or a year to date (also one that ends on a month's last day), is compared
        # with the same dates a year earlier; a month or a quarter with the one before it.
        year_to_date = (self.start.month, self.start.day) == (1, 1) and (
            self.end.year == self.start.year and months not in (1, 3)
        )
        if year_to_date:
            return replace(self, start=add_months(self.start, -12), end=add_months(self.end, -12))
        if months:
            start = add_months(self.start, -months)
            return replace(self, start=start, end=self.start - timedelta(days=1))
        return replace(
            self, start=self.start - timedelta(days=self.days), end=self.start - timedelta(days=1)
        )

    def with_values(self, dimension: str, values: tuple[str, ...] | tuple[int, ...]) -> StatFilters:
        changes: dict[str, Any] = {dimension: tuple(values)}
        return replace(self, **changes)

    def to_query(self) -> dict[str, str]:
        """Query parameters: ISO dates, and comma-separated codes for each set filter."""
        query = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        for item in fields(self):
            if item.name in ("start", "end"):
                continue
            values = getattr(self, item.name)
            if values:
                query[item.name] = ",".join(str(value) for value in values)
        return query

    @classmethod
    def from_query(cls, params: Mapping[str, str], default: StatFilters) -> StatFilters:
        start = _date(params.get("from")) or default.start
        end = _date(params.get("to")) or default.end
        if end < start:
            start, end = default.start, default.end
        values: dict[str, tuple] = {}
        for name, (_column, known) in CASE_DIMENSIONS.items():
            raw = _split(params.get(name))
            values[name] = tuple(code for code in raw if code in known)
        values["provider"] = tuple(
            int(v)
            for v in _split(params.get("provider"))
            if v.isascii() and v.isdigit() and int(v) <= MAX_ID
        )
        return cls(start=start, end=end, **values)


def _split(raw: str | None) -> list[str]:
    if not raw:
        return []
    seen: list[str] = []
    for part in str(raw).split(","):
        part = part.strip()
        if part and part not in seen:
            seen.append(part)
    return seen[:MAX_SELECTED]


def _date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(str(raw)) if raw else None
    except ValueError:
        return None


def _whole_months(start: date, end: date) -> int:
    if start.day != 1 or (end + timedelta(days=1)).day != 1:
        return 0
    after = end + timedelta(days=1)
    return (after.year - start.year) * 12 + after.month - start.month


def preset_period(preset: str, today: date) -> tuple[date, date]:
    """Periods the page offers with one click; all end on whole months or today."""
    quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    if preset == "this_year":
        return date(today.year, 1, 1), today
    if preset == "last_year":
        return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
    if preset == "last_12_months":
        start = add_months(today.replace(day=1), -11)
        return start, today
    if preset == "this_quarter":
        return quarter_start, today
    if preset == "last_quarter":
        start = add_months(quarter_start, -3)
        return start, quarter_start - timedelta(days=1)
    raise ValueError(f"unknown period preset {preset!r}")


def default_filters(today: date) -> StatFilters:
    start, end = preset_period("this_year", today)
    return StatFilters(start=start, end=end)
