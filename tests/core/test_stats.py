"""Overview KPIs and alerts on small hand-made data with known answers."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core import db, stats
from core.dates import add_months
from core.errors import PermissionDenied
from core.models import (
    Case,
    Contract,
    Feedback,
    Material,
    Provider,
    Qualification,
    Specialist,
    Task,
    TherapySession,
)

TODAY = date(2026, 11, 24)


def _case(session, key: str, provider_id: int, decision: date, first: date | None) -> Case:
    case = Case(
        case_key=key,
        referral_date=decision,
        referral_source="police",
        victim_category="crime",
        county="0037",
        language="et",
        age_band="27-39",
        gender="female",
        decision_date=decision,
        cap_cents=94600,
        provider_id=provider_id,
        first_session_date=first,
    )
    session.add(case)
    session.flush()
    return case


@pytest.fixture
def small_world(engine):
    with db.write_session() as session:
        active = Provider(name="Hingerahu OÜ", registry_code="10000001", onboarding_status="active")
        applied = Provider(name="Uus Kabinet OÜ", registry_code="10000002")
        session.add_all([active, applied])
        session.flush()
        session.add(
            Contract(
                provider_id=active.id,
                number="TTTVT-2024/001",
                status="active",
                start_date=date(2024, 1, 1),
                end_date=TODAY + timedelta(days=25),
                ceiling_cents=5_000_000,
            )
        )
        specialist = Specialist(
            provider_id=active.id, name="Kristi Šmidt", profession="clinical_psychologist"
        )
        session.add(specialist)
        session.flush()
        session.add_all(
            [
                Qualification(
                    specialist_id=specialist.id,
                    kind="kutse_clinical_psychologist",
                    valid_until=TODAY - timedelta(days=1),
                ),
                Qualification(
                    specialist_id=specialist.id, kind="ecp", valid_until=TODAY + timedelta(days=60)
                ),
            ]
        )
        # Eight sessions this month, three in the same days of last month (suppressed).
        case = _case(
            session, "K-1", active.id, TODAY - timedelta(days=60), TODAY - timedelta(days=50)
        )
        for number, day in enumerate(
            [TODAY.replace(day=d) for d in range(1, 9)]
            + [date(2026, 10, d) for d in (2, 3, 4)]
            + [date(2026, 10, 28)]
        ):
            session.add(
                TherapySession(
                    session_key=f"S-{number}",
                    case_id=case.id,
                    provider_id=active.id,
                    session_date=day,
                    minutes=60,
                    form="in_person",
                    cost_cents=7000,
                )
            )
        for number in range(6):
            _case(session, f"W-{number}", active.id, TODAY - timedelta(days=20), None)
        _case(session, "W-recent", active.id, TODAY - timedelta(days=3), None)
        for score in (5, 4, 4, 3):
            session.add(
                Feedback(
                    source="client",
                    received_on=TODAY - timedelta(days=5),
                    channel="survey",
                    satisfaction=score,
                )
            )
        session.add(
            Material(
                title="Juhend",
                kind="guide",
                audience="providers",
                next_review_on=TODAY - timedelta(days=1),
            )
        )
        session.add(Task(title="Aruanne", due_on=TODAY - timedelta(days=2)))


def _tiles(overview) -> dict[str, stats.Tile]:
    return {tile.key: tile for tile in overview.tiles}


def test_coordinator_gets_every_tile_with_the_known_answers(small_world, coordinator):
    with db.read_session() as session:
        overview = stats.overview(session, coordinator, today=TODAY)
    tiles = _tiles(overview)
    assert tiles["active_providers"].count.value == 1
    assert tiles["providers_ready"].count.value == 0  # no eligible specialist, no steps
    assert tiles["active_contracts"].count.value == 1
    assert tiles["sessions_month"].count.value == 8
    assert tiles["sessions_month"].previous.display() == "<5"
    assert tiles["cost_month"].amount_cents == 8 * 7000
    assert tiles["cost_month"].previous_amount_cents is None
    assert tiles["cases_waiting"].count.value == 6
    assert tiles["satisfaction_90d"].mean is None  # four responses: below k=5
    assert tiles["satisfaction_90d"].responses.display() == "<5"
    assert tiles["contracts_ending_60"].count.value == 1
    assert tiles["qualifications_expired"].count.value == 1
    assert tiles["qualifications_expiring"].count.value == 1
    assert tiles["materials_overdue"].count.value == 1
    assert tiles["open_tasks"].count.value == 1


def test_alerts_name_what_needs_attention(small_world, lead):
    with db.read_session() as session:
        overview = stats.overview(session, lead, today=TODAY)
    kinds = {alert.kind for alert in overview.alerts}
    assert {
        "qualification_expired",
        "qualification_expiring_3",
        "contract_ending_30",
        "cases_waiting",
        "material_overdue",
        "task_overdue",
    } <= kinds
    expired = next(a for a in overview.alerts if a.kind == "qualification_expired")
    assert expired.subject == "Kristi Šmidt" and expired.severity == "high"
    assert overview.alerts[0].severity == "high"


def test_viewer_gets_aggregate_tiles_only_and_no_alerts(small_world, viewer):
    with db.read_session() as session:
        overview = stats.overview(session, viewer, today=TODAY)
    assert overview.alerts == []
    assert set(_tiles(overview)) == {
        "providers_ready",
        "active_providers",
        "active_contracts",
        "sessions_month",
        "cost_month",
        "cases_waiting",
        "satisfaction_90d",
    }


def test_admin_has_no_overview(small_world, admin):
    with pytest.raises(PermissionDenied), db.read_session() as session:
        stats.overview(session, admin, today=TODAY)


def test_an_empty_database_gives_zeros_not_errors(engine, coordinator):
    with db.read_session() as session:
        overview = stats.overview(session, coordinator, today=TODAY)
    assert all(tile.count is None or tile.count.value == 0 for tile in overview.tiles)
    assert overview.alerts == []


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2026, 11, 24), -12, date(2025, 11, 24)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
    ],
)
def test_month_arithmetic_clamps_to_the_month_end(day, months, expected):
    assert add_months(day, months) == expected
