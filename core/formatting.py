"""Numbers, money and dates in the reader's language: 24.11.2026 and 1 234,50 € in Estonian."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

TALLINN = ZoneInfo("Europe/Tallinn")


def format_number(value: float | int, lang: str, decimals: int = 0) -> str:
    text = f"{value:,.{decimals}f}"
    if lang == "et":
        return text.replace(",", " ").replace(".", ",")
    return text


def format_money(cents: int | None, lang: str) -> str:
    if cents is None:
        return "–"
    amount = format_number(cents / 100, lang, decimals=2)
    return f"{amount} €" if lang == "et" else f"€{amount}"


def format_date(value: date | datetime | None, lang: str) -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        value = _local(value).date()
    return value.strftime("%d.%m.%Y") if lang == "et" else value.isoformat()


def format_datetime(value: datetime | None, lang: str) -> str:
    if value is None:
        return "–"
    local = _local(value)
    return local.strftime("%d.%m.%Y %H:%M") if lang == "et" else local.strftime("%Y-%m-%d %H:%M")


def _local(value: datetime) -> datetime:
    # Stored instants are UTC; SQLite returns them without a zone.
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(TALLINN)
