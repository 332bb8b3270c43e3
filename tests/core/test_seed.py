"""Demo data: deterministic, and shaped like the field (DOMAIN.md)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from core import db
from core.models import (
    Case,
    Invoice,
    OutcomeMeasure,
    Provider,
    Qualification,
    Specialist,
    TherapySession,
    User,
)
from core.seed import clear_domain_data, seed_demo
from core.services.users import demo_users_exist

TODAY = date(2026, 11, 24)


def _fingerprint() -> tuple:
    with db.read_session() as session:
        return (
            tuple(session.execute(select(Provider.name).order_by(Provider.id)).scalars()),
            session.execute(select(func.sum(TherapySession.cost_cents))).scalar(),
            session.execute(select(func.count()).select_from(Case)).scalar(),
        )


def test_the_same_seed_gives_the_same_data(engine):
    with db.write_session() as session:
        seed_demo(session, seed=7, sessions=800, today=TODAY)
    first = _fingerprint()
    with db.write_session() as session:
        clear_domain_data(session)
        seed_demo(session, seed=7, sessions=800, today=TODAY)
    assert _fingerprint() == first


def test_demo_data_looks_like_the_service(engine):
    with db.write_session() as session:
        report = seed_demo(session, sessions=3000, today=TODAY)
    assert report.counts["therapy_session"] == 3000
    with db.read_session() as session:

        def scalar(query):
            return session.execute(query).scalar()

        assert 35 <= scalar(select(func.count()).select_from(Provider)) <= 45
        assert 100 <= scalar(select(func.count()).select_from(Specialist)) <= 150
        counties = set()
        for served in session.execute(select(Provider.counties)).scalars():
            counties |= set(served)
        assert len(counties) == 15
        assert (
            scalar(
                select(func.count())
                .select_from(Qualification)
                .where(Qualification.valid_until < TODAY)
            )
            > 0
        )
        assert (
            scalar(
                select(func.count())
                .select_from(Qualification)
                .where(Qualification.verified_at.is_(None))
            )
            > 0
        )
        languages = set(session.execute(select(Case.language).distinct()).scalars())
        assert {"et", "ru"} <= languages
        # Most clients stay within the cap of their decision year; a few go over it.
        spent = (
            select(TherapySession.case_id, func.sum(TherapySession.cost_cents).label("cost"))
            .group_by(TherapySession.case_id)
            .subquery()
        )
        over = scalar(
            select(func.count())
            .select_from(spent)
            .join(Case, Case.id == spent.c.case_id)
            .where(spent.c.cost > Case.cap_cents)
        )
        cases = scalar(select(func.count()).select_from(Case))
        assert 0 < over < cases * 0.1
        assert scalar(select(func.count()).select_from(OutcomeMeasure)) > 0
        assert scalar(select(func.count()).select_from(Invoice)) > 0
        assert scalar(select(func.min(Case.referral_date))) >= date(2023, 11, 1)
        assert demo_users_exist(session)
        assert {u for u in session.execute(select(User.username)).scalars()} == {
            "koordinaator",
            "tiimijuht",
            "vaatleja",
            "admin",
        }
