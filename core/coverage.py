"""Coverage: eligible specialists per county and language against the clients there.

A specialist counts for every county their provider serves, and for the languages they
speak, when they are active, eligible on the date, and their provider may receive
referrals. Client counts (last 12 months, by referral date) are suppressed below k.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import func
from sqlmodel import Session, col, select

from core.dates import add_months
from core.models import Case, County, Language
from core.permissions import Actor, Permission, require
from core.services.providers import all_details
from core.settings import suppression_k
from core.suppression import suppress

COLUMNS = ["code", "specialists", "providers", "clients", "clients_shown", "clients_per_specialist"]


def _frame(
    codes: list[str],
    specialists: dict[str, int],
    providers: dict[str, int],
    clients: dict[str, int],
    k: int,
) -> pd.DataFrame:
    rows = []
    for code in codes:
        shown = suppress(clients.get(code, 0), k)
        per = (
            None
            if shown.suppressed or not specialists.get(code)
            else round(clients.get(code, 0) / specialists[code], 1)
        )
        rows.append(
            {
                "code": code,
                "specialists": specialists.get(code, 0),
                "providers": providers.get(code, 0),
                # Hidden counts never leave core as numbers: None, and "<k" for display.
                "clients": shown.value,
                "clients_shown": shown.display(),
                "clients_per_specialist": per,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def coverage(session: Session, actor: Actor, *, on: date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(by county, by language) tables; under-served rows have few specialists per client."""
    require(session, actor, Permission.VIEW_RECORDS, action="coverage.coverage")
    k = suppression_k(session)
    by_county: dict[str, int] = {}
    by_language: dict[str, int] = {}
    providers_by_county: dict[str, int] = {}
    providers_by_language: dict[str, int] = {}
    for detail in all_details(session, actor, on=on):
        if not detail.readiness.ready:
            continue
        people = [p for p in detail.specialists if p.active and p.eligibility.eligible]
        if not people:
            continue
        for county in detail.counties:
            by_county[county] = by_county.get(county, 0) + len(people)
            providers_by_county[county] = providers_by_county.get(county, 0) + 1
        spoken = {language for person in people for language in person.languages}
        for language in spoken:
            by_language[language] = by_language.get(language, 0) + sum(
                1 for person in people if language in person.languages
            )
            providers_by_language[language] = providers_by_language.get(language, 0) + 1
    since = add_months(on, -12)
    recent = (col(Case.referral_date) > since, col(Case.referral_date) <= on)
    clients_by_county = dict(
        session.exec(
            select(Case.county, func.count()).where(*recent).group_by(col(Case.county))
        ).all()
    )
    clients_by_language = dict(
        session.exec(
            select(Case.language, func.count()).where(*recent).group_by(col(Case.language))
        ).all()
    )
    counties = _frame(
        [c.value for c in County], by_county, providers_by_county, clients_by_county, k
    )
    languages = _frame(
        [lang.value for lang in Language],
        by_language,
        providers_by_language,
        clients_by_language,
        k,
    )
    return counties, languages
