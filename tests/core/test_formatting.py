"""Estonian formats: 24.11.2026 and 1 234,50 €."""

from __future__ import annotations

from datetime import UTC, date, datetime

from core.formatting import format_date, format_datetime, format_money, format_number


def test_money_in_estonian_and_english():
    assert format_money(123450, "et") == "1 234,50 €"
    assert format_money(123450, "en") == "€1,234.50"
    assert format_money(None, "et") == "–"


def test_numbers_and_dates():
    assert format_number(1234567, "et") == "1 234 567"
    assert (
        format_number(4.025, "et", decimals=2) == "4,03" or format_number(4.025, "et", 2) == "4,02"
    )
    assert format_date(date(2026, 11, 24), "et") == "24.11.2026"
    assert format_date(date(2026, 11, 24), "en") == "2026-11-24"


def test_stored_utc_instants_are_shown_in_tallinn_time():
    winter = datetime(2026, 11, 24, 22, 30, tzinfo=UTC)
    assert format_datetime(winter, "et") == "25.11.2026 00:30"
    naive_from_sqlite = datetime(2026, 7, 1, 9, 0)
    assert format_datetime(naive_from_sqlite, "et") == "01.07.2026 12:00"
