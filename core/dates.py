"""Calendar arithmetic shared by rules and statistics."""

from __future__ import annotations

import calendar
from datetime import date, datetime
from zoneinfo import ZoneInfo

_TALLINN = ZoneInfo("Europe/Tallinn")


def local_today() -> date:
    """Today in Estonia: the server's clock may run in UTC, two or three hours behind."""
    return datetime.now(_TALLINN).date()


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), clamped to the end of a shorter month."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
