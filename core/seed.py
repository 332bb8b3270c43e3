"""Deterministic, realistic demo data for every table (`python -m core seed-demo`).

Shaped by DOMAIN.md: about 40 providers over all 15 counties (fewer where SKA has named a
shortage), about 120 specialists with qualifications (some expiring, expired, unverified),
contracts with amendments and monthly invoices (a few not matching their sessions), three
years of pseudonymous cases and their sessions within the dated per-client cap, outcome
measures, feedback in Estonian, Russian and English, events with attendance, materials,
partners and tasks. The same seed and the same `today` give the same data.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, update
from sqlmodel import Session, SQLModel, col, select

from core import audit
from core.config import DEMO_PASSWORD
from core.dates import add_months, local_today
from core.formatting import TALLINN
from core.models import (
    Case,
    ClientCap,
    ContactLog,
    Contract,
    ContractAmendment,
    Event,
    Feedback,
    FeedbackTheme,
    Invoice,
    Material,
    MaterialLanguage,
    MaterialReview,
    OnboardingStep,
    OnboardingStepKind,
    OutcomeMeasure,
    Partner,
    PartnerPerson,
    Proposal,
    Provider,
    Qualification,
    Registration,
    Role,
    Specialist,
    Task,
    TaskComment,
    TherapySession,
    User,
    utc_now,
)
from core.permissions import Actor, system_actor
from core.security import hash_password

Progress = Callable[[float, str], None]
CHUNK = 20_000

# County code, share of cases (population-like), providers based there.
COUNTIES: list[tuple[str, float, int]] = [
    ("0037", 0.44, 14),
    ("0039", 0.007, 1),
    ("0045", 0.10, 4),
    ("0050", 0.022, 1),
    ("0052", 0.022, 2),
    ("0056", 0.016, 1),
    ("0060", 0.045, 1),
    ("0064", 0.019, 1),
    ("0068", 0.065, 2),
    ("0071", 0.026, 2),
    ("0074", 0.024, 2),
    ("0079", 0.12, 5),
    ("0081", 0.021, 1),
    ("0084", 0.035, 2),
    ("0087", 0.025, 1),
]
DEMO_USERS = [
    ("koordinaator", "Kadri Koordinaator", [Role.COORDINATOR]),
    ("tiimijuht", "Tiina Tiimijuht", [Role.LEAD]),
    ("vaatleja", "Villem Vaatleja", [Role.VIEWER]),
    ("admin", "Aivar Admin", [Role.ADMIN]),
]
STEMS = [
    "Hingerahu",
    "Tasakaalu",
    "Meelerahu",
    "Vaikse Sadama",
    "Lootuse",
    "Selge Meele",
    "Hooliva Käe",
    "Päikesekiire",
    "Rahuliku Raja",
    "Sisemise Jõu",
    "Tugipunkti",
    "Kaljukindla",
    "Õnnelaine",
    "Südamevärvi",
    "Tähelepanu",
    "Jõeäärse",
    "Kuldse Kesktee",
    "Männisalu",
    "Põhjanaela",
    "Ööbiku",
    "Läänetuule",
    "Kadaka",
    "Rannarahu",
    "Kõrgema Vaate",
]
KINDS = [
    "Psühholoogiakeskus",
    "Nõustamiskabinet",
    "Teraapiakeskus",
    "Pereteraapia Keskus",
    "Psühhoteraapia Kabinet",
]
FIRST = [
    "Mari",
    "Kadri",
    "Liis",
    "Kristi",
    "Triin",
    "Anu",
    "Piret",
    "Maarja",
    "Kätlin",
    "Helen",
    "Jaan",
    "Tõnu",
    "Andres",
    "Margus",
    "Olga",
    "Natalja",
    "Irina",
    "Svetlana",
    "Jelena",
    "Aleksei",
    "Sergei",
    "Tatjana",
    "Ülle",
    "Siiri",
    "Õie",
    "Merike",
    "Žanna",
    "Rein",
    "Peeter",
    "Kärt",
    "Oksana",
    "Mykola",
]
LAST = [
    "Tamm",
    "Saar",
    "Sepp",
    "Mägi",
    "Kask",
    "Kukk",
    "Rebane",
    "Ilves",
    "Pärn",
    "Koppel",
    "Lepik",
    "Kallas",
    "Ivanova",
    "Petrova",
    "Smirnova",
    "Kuznetsova",
    "Vassiljev",
    "Õunapuu",
    "Jõgi",
    "Kõiv",
    "Laur",
    "Põder",
    "Mets",
    "Rand",
    "Šmidt",
    "Kivi",
    "Luik",
    "Raud",
    "Koval",
    "Žukov",
]
THEMES = [
    "ooteaeg",
    "kättesaadavus",
    "spetsialisti sobivus",
    "info selgus",
    "asjaajamine",
    "keel",
    "kaugteenus",
    "arveldus",
    "turvatunne",
]
FEEDBACK_TEXTS = {
    "et": [
        "Sain kiiresti aja ja psühholoog oli väga toetav.",
        "Ootamine esimese ajani oli liiga pikk, peaaegu kuu.",
        "Info teenuse kohta oli segane, ei teadnud, kelle poole pöörduda.",
        "Videokonsultatsioon sobis mulle hästi, ei pidanud sõitma.",
        "Tänan, tunnen end palju turvalisemalt.",
        "Arve esitamise kord võiks olla lihtsam.",
    ],
    "ru": [
        "Спасибо, психолог очень помог мне после случившегося.",
        "Было трудно найти специалиста, говорящего по-русски.",
        "Долго ждала первой встречи.",
        "Информация о услуге была понятной.",
    ],
    "en": [
        "The therapist was kind and professional.",
        "It took too long to get the first appointment.",
        "I would like more information in English.",
    ],
}


@dataclass
class SeedReport:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _no_progress(_fraction: float, _message: str) -> None:
    return None


def _stamp(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    row.setdefault("created_at", now)
    row.setdefault("updated_at", now)
    row.setdefault("version", 1)
    return row


def _insert_returning_ids(
    session: Session, model: type[SQLModel], rows: list[dict[str, Any]], now: datetime
) -> list[int]:
    if not rows:
        return []
    table = model.__table__  # type: ignore[attr-defined]
    ids: list[int] = []
    for start in range(0, len(rows), CHUNK):
        chunk = [_stamp(dict(row), now) for row in rows[start : start + CHUNK]]
        result = session.execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True), chunk
        )
        ids.extend(int(row_id) for row_id in result.scalars())
    return ids


def _insert(
    session: Session,
    model: type[SQLModel],
    rows: Iterator[dict[str, Any]] | list[dict[str, Any]],
    now: datetime,
) -> int:
    table = model.__table__  # type: ignore[attr-defined]
    count, chunk = 0, []
    for row in rows:
        chunk.append(_stamp(row, now))
        if len(chunk) >= CHUNK:
            session.execute(insert(table), chunk)
            count, chunk = count + len(chunk), []
    if chunk:
        session.execute(insert(table), chunk)
        count += len(chunk)
    return count


DOMAIN_TABLES: list[type[SQLModel]] = [
    TaskComment,
    Task,
    ContactLog,
    PartnerPerson,
    Partner,
    MaterialReview,
    MaterialLanguage,
    Material,
    Registration,
    Feedback,
    Event,
    Proposal,
    FeedbackTheme,
    OutcomeMeasure,
    TherapySession,
    Case,
    Invoice,
    ContractAmendment,
    Contract,
    Qualification,
    OnboardingStep,
    Specialist,
    Provider,
]


def has_domain_data(session: Session) -> bool:
    return any(
        session.execute(select(model.id).limit(1)).first() is not None
        for model in (Provider, Case, Partner, Material)
    )


def clear_domain_data(session: Session) -> None:
    for model in DOMAIN_TABLES:
        session.execute(delete(model))
    session.execute(delete(User).where(col(User.is_demo).is_(True)))
    audit.bump_data_version(session, facts=True)


def seed_demo(
    session: Session,
    *,
    seed: int = 2026,
    sessions: int = 20_000,
    today: date | None = None,
    progress: Progress = _no_progress,
    actor: Actor | None = None,
) -> SeedReport:
    """Fill an empty domain with demo data. The caller commits (one transaction)."""
    import time as clock

    started = clock.perf_counter()
    actor = actor or system_actor(Role.ADMIN)
    today = today or local_today()
    rng = random.Random(seed)
    now = utc_now()
    report = SeedReport()
    counts = report.counts

    progress(0.01, "users")
    user_ids = _seed_users(session, now)
    coordinator_id = user_ids["koordinaator"]
    counts["user"] = len(user_ids)

    progress(0.03, "providers")
    providers = _seed_providers(session, rng, today, now, coordinator_id)
    counts["provider"] = len(providers)
    specialists = _seed_specialists(session, rng, providers, today, now, coordinator_id)
    counts["specialist"] = len(specialists)
    counts["contract"] = _seed_contracts(session, rng, providers, today, now)

    progress(0.08, "cases")
    caps = [
        (row.valid_from, row.amount_cents)
        for row in session.execute(select(ClientCap).order_by(col(ClientCap.valid_from))).scalars()
    ]
    case_count, session_count, monthly = _seed_cases_and_sessions(
        session, rng, providers, specialists, caps, today, now, sessions, progress
    )
    counts["case"], counts["therapy_session"] = case_count, session_count

    progress(0.90, "invoices")
    counts["invoice"] = _seed_invoices(session, rng, providers, monthly, today, now, coordinator_id)
    progress(0.93, "feedback")
    counts["feedback"] = _seed_feedback_and_proposals(
        session, rng, providers, today, now, case_count, user_ids
    )
    progress(0.96, "events")
    counts["event"] = _seed_events(session, rng, providers, specialists, today, now)
    counts["material"] = _seed_materials(session, rng, today, now, coordinator_id)
    counts["partner"] = _seed_partners(session, rng, today, now)
    counts["task"] = _seed_tasks(session, rng, today, now, user_ids)
    _fit_ceilings(session, rng)
    audit.record_write(
        session,
        actor,
        "seed_demo",
        table="*",
        record_id=None,
        fields=[f"{name}={count}" for name, count in sorted(counts.items())],
    )
    progress(1.0, "done")
    report.seconds = clock.perf_counter() - started
    return report


def _seed_users(session: Session, now: datetime) -> dict[str, int]:
    demo_hash = hash_password(DEMO_PASSWORD)
    ids: dict[str, int] = {}
    for username, name, roles in DEMO_USERS:
        existing = session.execute(select(User).where(User.username == username)).scalar()
        if existing is not None:
            ids[username] = int(existing.id)
            continue
        user = User(
            username=username,
            name=name,
            email=f"{username}@example.invalid",
            password_hash=demo_hash,
            roles=[r.value for r in roles],
            is_demo=True,
        )
        session.add(user)
        session.flush()
        ids[username] = int(user.id)  # type: ignore[arg-type]
    return ids


@dataclass
class _Provider:
    id: int
    counties: list[str]
    languages: list[str]
    forms: list[str]
    status: str
    prices: dict[str, int]
    contract_start: date | None = None
    contract_id: int | None = None
    specialist_ids: list[int] = field(default_factory=list)


def _phone(rng: random.Random) -> str:
    return f"+372 5{rng.randint(100, 999)} {rng.randint(1000, 9999)}"


def _seed_providers(
    session: Session, rng: random.Random, today: date, now: datetime, coordinator_id: int
) -> list[_Provider]:
    statuses = ["active"] * 30 + [
        "contract_signed",
        "qualifications_verified",
        "documents_checked",
        "applied",
        "applied",
        "info_session_attended",
        "suspended",
        "ended",
        "active",
        "active",
    ]
    # Spread the onboarding states over the counties instead of filling them in order.
    rng.shuffle(statuses)
    rows: list[dict[str, Any]] = []
    meta: list[tuple[dict[str, Any], dict[str, int]]] = []
    names = rng.sample([f"{stem} {kind}" for stem in STEMS for kind in KINDS], 40)
    index = 0
    for code, _share, based in COUNTIES:
        for _ in range(based):
            extra = rng.sample([c for c, _, _ in COUNTIES if c != code], rng.choice([0, 0, 1, 2]))
            languages = ["et"] + (["ru"] if code == "0045" or rng.random() < 0.3 else [])
            languages += ["en"] if rng.random() < 0.35 else []
            languages += ["uk"] if rng.random() < 0.08 else []
            forms = ["in_person"] + (["video"] if rng.random() < 0.75 else [])
            forms += ["phone"] if rng.random() < 0.3 else []
            legal = rng.choice(["ou", "ou", "ou", "fie", "mtu"])
            name = names[index] + (" OÜ" if legal == "ou" else " MTÜ" if legal == "mtu" else "")
            first, last = rng.choice(FIRST), rng.choice(LAST)
            rows.append(
                {
                    "name": name,
                    "registry_code": f"{8 if legal == 'mtu' else 1}{rng.randrange(10**7):07d}",
                    "legal_form": legal,
                    "contact_person": f"{first} {last}",
                    "email": f"info{index + 1}@teenus{index + 1}.example",
                    "phone": _phone(rng),
                    "address": f"Keskväljak {rng.randint(1, 40)}",
                    "counties": [code, *extra],
                    "languages": languages,
                    "service_forms": forms,
                    "onboarding_status": statuses[index],
                    "notes": "",
                }
            )
            prices = {
                "in_person": rng.choice([6500, 7000, 7500, 8000, 9000]),
                "video": rng.choice([6000, 6500, 7000]),
                "phone": 5000,
            }
            meta.append((rows[-1], prices))
            index += 1
    # Registry codes must be unique; resolve the rare clash deterministically.
    seen: set[str] = set()
    for row in rows:
        while row["registry_code"] in seen:
            row["registry_code"] = f"{int(row['registry_code']) + 1:08d}"
        seen.add(row["registry_code"])
    ids = _insert_returning_ids(session, Provider, rows, now)
    providers = [
        _Provider(
            id=pid,
            counties=row["counties"],
            languages=row["languages"],
            forms=row["service_forms"],
            status=row["onboarding_status"],
            prices=prices,
        )
        for pid, (row, prices) in zip(ids, meta, strict=True)
    ]
    order = list(OnboardingStepKind)
    reached = {
        "applied": 1,
        "documents_checked": 3,
        "qualifications_verified": 5,
        "contract_signed": 6,
        "info_session_attended": 7,
        "active": 8,
        "suspended": 8,
        "ended": 8,
    }
    steps = []
    for provider in providers:
        done = reached[provider.status]
        start = today - timedelta(days=rng.randint(120, 1000))
        if provider.status in ("applied", "documents_checked"):
            start = today - timedelta(days=rng.randint(3, 40))
        for position, step in enumerate(order[:done]):
            steps.append(
                {
                    "provider_id": provider.id,
                    "step": step.value,
                    "done_on": start + timedelta(days=position * rng.randint(2, 9)),
                    "done_by_id": coordinator_id,
                    "document_ref": f"7.2-1/{start.year}/{rng.randint(100, 9999)}",
                }
            )
        provider.contract_start = start + timedelta(days=5 * 6) if done >= 6 else None
    _insert(session, OnboardingStep, steps, now)
    return providers


PROFESSIONS: list[tuple[str, list[tuple[str, int | None, str]]]] = [
    ("clinical_psychologist", [("kutse_clinical_psychologist", 7, "Eesti Psühholoogide Liit")]),
    (
        "counselling_psychologist",
        [("kutse_counselling_psychologist", 7, "Eesti Psühholoogide Liit")],
    ),
    (
        "psychotherapist",
        [
            ("master_psychology", 7, "Tartu Ülikool"),
            ("psychotherapy_training", None, "Eesti Psühhoteraapia Instituut"),
        ],
    ),
    (
        "psychotherapist",
        [
            ("kutse_social_worker", 6, "Eesti Sotsiaaltöö Assotsiatsioon"),
            ("psychotherapy_training", None, "Eesti Pereteraapia Ühing"),
            ("ecp", None, "EAP"),
        ],
    ),
    (
        "psychiatrist",
        [
            ("healthcare_psychiatry", None, "Terviseamet"),
            (
                "psychotherapy_training",
                None,
                "Eesti Kognitiivse ja Käitumisteraapia Assotsiatsioon",
            ),
        ],
    ),
    ("school_psychologist", [("kutse_school_psychologist", 7, "Eesti Koolipsühholoogide Ühing")]),
]
SOURCE_OF = {
    "kutse": "kutseregister",
    "healthcare": "medre",
    "ecp": "epta",
    "master": "diploma",
    "psychotherapy": "document",
}


def _seed_specialists(
    session: Session,
    rng: random.Random,
    providers: list[_Provider],
    today: date,
    now: datetime,
    coordinator_id: int,
) -> list[int]:
    rows, profiles = [], []
    for provider in providers:
        for _ in range(rng.choice([1, 2, 3, 3, 4, 4, 5])):
            profession, quals = rng.choice(PROFESSIONS)
            languages = [lang for lang in provider.languages if lang == "et" or rng.random() < 0.7]
            rows.append(
                {
                    "provider_id": provider.id,
                    "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                    "profession": profession,
                    "email": "",
                    "languages": languages or ["et"],
                    "counties": provider.counties[:1],
                    "active": provider.status not in ("ended",),
                }
            )
            profiles.append((provider, quals))
    ids = _insert_returning_ids(session, Specialist, rows, now)
    qualification_rows = []
    for specialist_id, (provider, quals) in zip(ids, profiles, strict=True):
        provider.specialist_ids.append(specialist_id)
        roll = rng.random()
        for kind, eqf, issuer in quals:
            valid_from = today - timedelta(days=rng.randint(200, 1500))
            expires = kind.startswith(("kutse", "ecp"))
            valid_until = None
            if expires:
                if roll < 0.05:
                    valid_until = today - timedelta(days=rng.randint(1, 120))
                elif roll < 0.14:
                    valid_until = today + timedelta(days=rng.randint(0, 180))
                else:
                    valid_until = add_months(valid_from, 60)
                    if valid_until < today + timedelta(days=181):
                        valid_until = today + timedelta(days=rng.randint(200, 1400))
            unverified = 0.14 <= roll < 0.20 or provider.status == "applied"
            created = now - timedelta(
                days=rng.randint(20, 60) if unverified else rng.randint(100, 900)
            )
            source = next(v for k, v in SOURCE_OF.items() if kind.startswith(k))
            qualification_rows.append(
                {
                    "specialist_id": specialist_id,
                    "kind": kind,
                    "certificate_number": f"{rng.randint(100000, 999999)}"
                    if source == "kutseregister"
                    else f"D{rng.randint(10000, 99999)}",
                    "eqf_level": eqf,
                    "issuer": issuer,
                    "valid_from": valid_from,
                    "valid_until": valid_until,
                    "verified_by_id": None if unverified else coordinator_id,
                    "verified_at": None
                    if unverified
                    else created + timedelta(days=rng.randint(1, 10)),
                    "source": source,
                    "document_ref": "",
                    "created_at": created,
                    "updated_at": created,
                }
            )
    _insert(session, Qualification, qualification_rows, now)
    return ids


def _seed_contracts(
    session: Session, rng: random.Random, providers: list[_Provider], today: date, now: datetime
) -> int:
    rows: list[dict[str, Any]] = []
    owners: list[_Provider] = []
    for number, provider in enumerate(providers, start=1):
        if provider.contract_start is None:
            continue
        start = provider.contract_start
        end = add_months(start, rng.choice([24, 36]))
        # A provider that still takes clients has a contract in force (renewed by years):
        # its sessions and invoices then fall within the contract's term.
        while provider.status not in ("ended", "applied") and end < today:
            end = add_months(end, 12)
        if number % 9 == 0:
            end = today + timedelta(days=rng.choice([12, 25, 45, 58, 80]))
        status = (
            "ended"
            if provider.status == "ended" or end < today
            else "signed"
            if provider.status in ("contract_signed", "info_session_attended")
            else "expiring"
            if end <= today + timedelta(days=90)
            else "active"
        )
        if provider.status == "suspended":
            status = "active"
        prices = [
            {
                "form": form,
                "minutes": 60 if form != "phone" else 45,
                "price_cents": provider.prices[form],
            }
            for form in provider.forms
        ]
        rows.append(
            {
                "provider_id": provider.id,
                "number": f"TTTVT-{start.year}/{number:03d}",
                "kind": "tttvt",
                "status": status,
                "start_date": start,
                "end_date": end,
                "ceiling_cents": rng.choice([20_000, 30_000, 45_000, 60_000, 80_000]) * 100,
                "unit_prices": prices,
                "document_ref": f"7.2-3/{start.year}/{rng.randint(100, 9999)}",
                "notes": "",
                "termination_reason": "",
            }
        )
        owners.append(provider)
    ids = _insert_returning_ids(session, Contract, rows, now)
    amendments = []
    for contract_id, provider, row in zip(ids, owners, rows, strict=True):
        provider.contract_id = contract_id
        if rng.random() < 0.3:
            amendments.append(
                {
                    "contract_id": contract_id,
                    "amended_on": row["start_date"] + timedelta(days=rng.randint(90, 400)),
                    "what_changed": "Lepingu maksimaalse summa suurendamine",
                    "new_ceiling_cents": row["ceiling_cents"] + 15_000_00,
                    "new_end_date": None,
                    "document_ref": "",
                }
            )
    _insert(session, ContractAmendment, amendments, now)
    # An amendment's new ceiling is the contract's ceiling from then on.
    for amendment in amendments:
        session.execute(
            update(Contract)
            .where(col(Contract.id) == amendment["contract_id"])
            .values(ceiling_cents=amendment["new_ceiling_cents"])
        )
    return len(ids)


def _cap_for(caps: list[tuple[date, int]], day: date) -> int:
    amount = caps[0][1]
    for valid_from, cents in caps:
        if valid_from <= day:
            amount = cents
    return amount


def _pick(rng: random.Random, weighted: list[tuple[str, float]]) -> str:
    return rng.choices([value for value, _ in weighted], [weight for _, weight in weighted])[0]


def _seed_cases_and_sessions(
    session: Session,
    rng: random.Random,
    providers: list[_Provider],
    specialists: list[int],
    caps: list[tuple[date, int]],
    today: date,
    now: datetime,
    target_sessions: int,
    progress: Progress,
) -> tuple[int, int, dict[tuple[int, date], list[int]]]:
    start = today - timedelta(days=3 * 365)
    serving: dict[str, list[_Provider]] = defaultdict(list)
    working = [p for p in providers if p.contract_id and p.specialist_ids and p.status == "active"]
    for provider in working:
        for county in provider.counties:
            serving[county].append(provider)
    remote = [p for p in working if "video" in p.forms]
    county_weights = [(code, share) for code, share, _ in COUNTIES]
    categories = [
        ("domestic_violence", 0.4),
        ("crime", 0.25),
        ("sexual_violence", 0.2),
        ("family_member", 0.1),
        ("witness", 0.05),
    ]
    sources = [
        ("victim_support_worker", 0.7),
        ("police", 0.1),
        ("prosecutor", 0.04),
        ("local_government", 0.06),
        ("shelter", 0.05),
        ("healthcare", 0.03),
        ("self", 0.02),
    ]
    ages = [
        ("0-17", 0.1),
        ("18-26", 0.2),
        ("27-39", 0.32),
        ("40-54", 0.25),
        ("55-64", 0.08),
        ("65+", 0.05),
    ]
    genders = [("female", 0.76), ("male", 0.21), ("other", 0.01), ("unknown", 0.02)]
    mean_sessions = 6.0
    span = (today - start).days
    expected_cases = max(1, round(target_sessions / 5))

    case_rows: list[dict[str, Any]] = []
    session_rows: list[dict[str, Any]] = []
    measure_rows: list[dict[str, Any]] = []
    monthly: dict[tuple[int, date], list[int]] = defaultdict(lambda: [0, 0])
    # Cases are drawn until the sessions reach the target, so the volume is what was asked.
    while len(session_rows) < target_sessions:
        index = len(case_rows)
        # Referrals grow over the three years, as the service became known.
        referral = start + timedelta(days=int(span * rng.random() ** 0.8))
        county = _pick(rng, county_weights)
        language = _pick(
            rng,
            [("et", 0.68), ("ru", 0.27 if county != "0045" else 0.8), ("en", 0.03), ("uk", 0.02)],
        )
        decision = referral + timedelta(days=rng.randint(0, 6))
        candidates = serving.get(county) or remote
        matching = [p for p in candidates if language in p.languages] or candidates
        provider = rng.choice(matching) if rng.random() > 0.12 else rng.choice(remote or working)
        cap = _cap_for(caps, decision)
        first: date | None = decision + timedelta(days=int(rng.lognormvariate(2.1, 0.6)))
        if first is not None and (
            first > today or ((today - decision).days < 40 and rng.random() < 0.08)
        ):
            first = None
        row = {
            "case_key": f"K-{referral.year}-{index + 1:07d}",
            "referral_date": referral,
            "referral_source": _pick(rng, sources),
            "victim_category": _pick(rng, categories),
            "county": county,
            "language": language,
            "age_band": _pick(rng, ages),
            "gender": _pick(rng, genders),
            "decision_date": decision,
            "cap_cents": cap,
            "provider_id": provider.id,
            "first_session_date": first,
            "closed_date": None,
        }
        case_rows.append(row)
        if index % 5000 == 0:
            progress(0.08 + 0.12 * min(1.0, index / expected_cases), "cases")
        if first is None:
            continue
        specialist = rng.choice(provider.specialist_ids)
        form = rng.choice(provider.forms)
        price = provider.prices[form]
        planned = max(1, min(30, int(rng.expovariate(1 / mean_sessions)) + 1))
        # Most clients stay within the cap; a few go over it.
        allow_over = rng.random() < 0.03
        spent, day, held = 0, first, 0
        while held < planned and day <= today and len(session_rows) < target_sessions:
            if spent + price > cap and not allow_over:
                break
            session_rows.append(
                {
                    "case_index": index,
                    "provider_id": provider.id,
                    "specialist_id": specialist,
                    "session_date": day,
                    "minutes": 60 if form != "phone" else 45,
                    "form": form,
                    "cost_cents": price,
                }
            )
            spent += price
            held += 1
            bucket = monthly[(provider.id, day.replace(day=1))]
            bucket[0] += 1
            bucket[1] += price
            day += timedelta(days=rng.choice([7, 7, 7, 14, 10, 21]))
        if held == 0:
            row["first_session_date"] = None
            continue
        if day <= today - timedelta(days=30):
            row["closed_date"] = day
        if held >= 2:
            measure_rows.extend(_measures(rng, index, first, day, row["closed_date"] is not None))

    progress(0.2, "cases: saving")
    # Plain inserts and one key lookup beat INSERT ... RETURNING in row order by far
    # (measured in bench/: 187k cases, PostgreSQL 21.9 s -> 3.8 s, SQLite 4.8 s -> 2.7 s).
    _insert(session, Case, case_rows, now)
    id_of = {
        key: case_id for key, case_id in session.execute(select(col(Case.case_key), col(Case.id)))
    }
    case_ids = [id_of[row["case_key"]] for row in case_rows]
    progress(0.3, "sessions: saving")
    total = len(session_rows)

    def session_stream() -> Iterator[dict[str, Any]]:
        for number, item in enumerate(session_rows):
            case_id = case_ids[item.pop("case_index")]
            item["case_id"] = case_id
            item["session_key"] = f"S-{number + 1:08d}"
            if number % 50_000 == 0:
                progress(0.3 + 0.55 * number / max(total, 1), "sessions: saving")
            yield item

    made = _insert(session, TherapySession, session_stream(), now)
    for measure in measure_rows:
        measure["case_id"] = case_ids[measure.pop("case_index")]
    _insert(session, OutcomeMeasure, measure_rows, now)
    return len(case_ids), made, monthly


def _measures(
    rng: random.Random, case_index: int, first: date, last: date, closed: bool
) -> list[dict[str, Any]]:
    rows = []
    for instrument, top, mean, change in (
        ("PCL-5", 80, 44, 14),
        ("CORE-10", 40, 19, 7),
        ("PHQ-9", 27, 14, 5),
        ("GAD-7", 21, 12, 4),
    ):
        if instrument != "PCL-5" and rng.random() < 0.5:
            continue
        start_score = max(0, min(top, int(rng.gauss(mean, top * 0.15))))
        rows.append(
            {
                "case_index": case_index,
                "instrument": instrument,
                "time_point": "start",
                "score": start_score,
                "measured_on": first,
            }
        )
        if closed and rng.random() < 0.8:
            end_score = max(0, min(top, start_score - int(rng.gauss(change, change * 0.8))))
            rows.append(
                {
                    "case_index": case_index,
                    "instrument": instrument,
                    "time_point": "end",
                    "score": end_score,
                    "measured_on": last,
                }
            )
    return rows


def _seed_invoices(
    session: Session,
    rng: random.Random,
    providers: list[_Provider],
    monthly: dict[tuple[int, date], list[int]],
    today: date,
    now: datetime,
    coordinator_id: int,
) -> int:
    rows = []
    first_month = add_months(today.replace(day=1), -12)
    for provider in providers:
        if provider.contract_id is None:
            continue
        month = first_month
        number = 1
        while month < today.replace(day=1):
            count, amount = monthly.get((provider.id, month), [0, 0])
            if count:
                claimed, claimed_amount = count, amount
                if rng.random() < 0.05:
                    claimed += 1
                    claimed_amount += provider.prices["in_person"]
                elif rng.random() < 0.03:
                    claimed_amount += 500
                age = (today - month).days
                status = (
                    "paid"
                    if age > 75
                    else "approved"
                    if age > 50
                    else "checked"
                    if age > 40
                    else "received"
                )
                period_end = add_months(month, 1) - timedelta(days=1)
                received = period_end + timedelta(days=rng.randint(3, 12))
                checked_at = (
                    datetime.combine(received + timedelta(days=3), time(10), tzinfo=UTC)
                    if status != "received"
                    else None
                )
                rows.append(
                    {
                        "contract_id": provider.contract_id,
                        "number": f"{month:%Y%m}-{number:02d}",
                        "period_start": month,
                        "period_end": period_end,
                        "sessions_claimed": claimed,
                        "amount_cents": claimed_amount,
                        "status": status,
                        "received_on": received,
                        "checked_by_id": coordinator_id if checked_at else None,
                        "checked_at": checked_at,
                        "decided_by_id": coordinator_id if status in ("approved", "paid") else None,
                        "decided_at": checked_at if status in ("approved", "paid") else None,
                        "rejection_reason": "",
                        "paid_on": received + timedelta(days=20) if status == "paid" else None,
                    }
                )
                number += 1
            month = add_months(month, 1)
    return _insert(session, Invoice, rows, now)


def _seed_feedback_and_proposals(
    session: Session,
    rng: random.Random,
    providers: list[_Provider],
    today: date,
    now: datetime,
    case_count: int,
    user_ids: dict[str, int],
) -> int:
    _insert(session, FeedbackTheme, [{"name": theme, "active": True} for theme in THEMES], now)
    proposals = [
        ("Ooteaja lühendamine Pärnumaal", "submitted", "feedback"),
        ("Venekeelsete spetsialistide värbamine Ida-Virumaal", "accepted", "statistics"),
        ("Kliendi tagasisideküsitluse lühendamine", "done", "feedback"),
        ("Videonõustamise pakkumine Läänemaal", "draft", "monitoring"),
        ("Teenuseosutajate infopäev kaks korda aastas", "rejected", "monitoring"),
    ]
    proposal_ids = _insert_returning_ids(
        session,
        Proposal,
        [
            {
                "title": title,
                "rationale": "Põhjendus: seire ja tagasiside andmed.",
                "origin": origin,
                "expected_effect": "Parem kättesaadavus",
                "status": status,
                "decision_text": ""
                if status in ("draft", "submitted")
                else "Otsus tiimikoosolekul.",
                "decided_on": None
                if status in ("draft", "submitted")
                else today - timedelta(days=40),
                "decided_by_id": None
                if status in ("draft", "submitted")
                else user_ids["tiimijuht"],
            }
            for title, status, origin in proposals
        ],
        now,
    )
    total = max(200, min(3000, case_count // 5))
    rows = []
    for number in range(total):
        source = _pick(
            rng, [("client", 0.6), ("provider", 0.15), ("partner", 0.15), ("staff", 0.1)]
        )
        language = _pick(rng, [("et", 0.7), ("ru", 0.22), ("en", 0.08)])
        received = today - timedelta(days=int(3 * 365 * rng.random() ** 0.9))
        satisfaction = min(5, max(1, round(rng.gauss(4.1, 0.9))))
        status = (
            "acted_on"
            if received < today - timedelta(days=120)
            else rng.choice(["new", "reviewed", "acted_on"])
        )
        follow_up = rng.random() < 0.15
        rows.append(
            {
                "source": source,
                "received_on": received,
                "channel": rng.choice(["survey", "survey", "email", "phone", "in_person"]),
                "provider_id": rng.choice(providers).id
                if source == "client" and rng.random() < 0.8
                else None,
                "event_id": None,
                "language": language,
                "satisfaction": satisfaction,
                "recommend": min(10, max(0, satisfaction * 2 + rng.randint(-2, 1))),
                "text": rng.choice(FEEDBACK_TEXTS[language]),
                "themes": rng.sample(THEMES, rng.choice([1, 1, 2])),
                "status": status,
                "follow_up_needed": follow_up,
                "follow_up_action": "Võtta ühendust teenuseosutajaga" if follow_up else "",
                "follow_up_owner": "Kadri Koordinaator" if follow_up else "",
                "follow_up_due": received + timedelta(days=21) if follow_up else None,
                "proposal_id": proposal_ids[0] if number % 97 == 0 else None,
            }
        )
    return _insert(session, Feedback, rows, now)


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=TALLINN).astimezone(UTC)


def _seed_events(
    session: Session,
    rng: random.Random,
    providers: list[_Provider],
    specialists: list[int],
    today: date,
    now: datetime,
) -> int:
    events: list[dict[str, Any]] = []
    first = add_months(today.replace(day=1), -36)
    month = first
    while month <= add_months(today, 3):
        held = month < today.replace(day=1)
        status = "held" if held else "confirmed" if month < add_months(today, 1) else "planned"
        day = month + timedelta(days=(1 - month.weekday()) % 7 + 7)  # second Tuesday-ish
        events.append(
            {
                "title": "Kovisioon koordinaatoritele",
                "kind": "covision",
                "start_at": _at(day, 14),
                "end_at": _at(day, 16),
                "place": "Tallinn, Endla 8",
                "audience": "internal",
                "capacity": 8,
                "language": "et",
                "trainer": "",
                "status": status,
                "description": "",
            }
        )
        if month.month % 2 == 0:
            events.append(
                {
                    "title": "Supervisioon",
                    "kind": "supervision",
                    "start_at": _at(day + timedelta(days=7), 10),
                    "end_at": _at(day + timedelta(days=7), 12),
                    "place": "Teams",
                    "audience": "internal",
                    "capacity": 1,
                    "language": "et",
                    "trainer": "Supervisor",
                    "status": status,
                    "description": "",
                }
            )
        if month.month in (3, 9):
            events.append(
                {
                    "title": f"TTTVT infopäev teenuseosutajatele {month.year}",
                    "kind": "info_day",
                    "start_at": _at(day + timedelta(days=2), 10),
                    "end_at": _at(day + timedelta(days=2), 13),
                    "place": "Tartu, Riia 6",
                    "link": "",
                    "audience": "providers",
                    "capacity": 60,
                    "language": "et",
                    "trainer": "Kadri Koordinaator",
                    "status": status,
                    "description": "",
                }
            )
        if month.month in (5, 11):
            events.append(
                {
                    "title": "Traumateadlik töö ohvritega: koolitus",
                    "kind": "training",
                    "start_at": _at(day + timedelta(days=3), 9),
                    "end_at": _at(day + timedelta(days=3), 16),
                    "place": "Tallinn",
                    "audience": "providers",
                    "capacity": 25,
                    "language": "et",
                    "trainer": "Dr Mari Tamm",
                    "status": status,
                    "description": "",
                }
            )
        month = add_months(month, 1)
    ids = _insert_returning_ids(session, Event, events, now)
    registrations = []
    for event_id, event in zip(ids, events, strict=True):
        if event["audience"] == "internal":
            # The coordinator's own covision/supervision log; every seventh one missed.
            # (No rng here: the demo data drawn after this stays as it was.)
            registrations.append(
                {
                    "event_id": event_id,
                    "participant_kind": "staff",
                    "specialist_id": None,
                    "provider_id": None,
                    "participant_name": "Kadri Koordinaator",
                    "status": "registered",
                    "attended": (event_id % 7 != 0) if event["status"] == "held" else None,
                }
            )
        if event["audience"] != "providers":
            continue
        capacity = event["capacity"]
        chosen = rng.sample(
            specialists, min(len(specialists), rng.randint(capacity // 2, capacity + 3))
        )
        for position, specialist_id in enumerate(chosen):
            waitlisted = position >= capacity
            registrations.append(
                {
                    "event_id": event_id,
                    "participant_kind": "specialist",
                    "specialist_id": specialist_id,
                    "provider_id": None,
                    "participant_name": "",
                    "status": "waitlisted" if waitlisted else "registered",
                    "attended": (rng.random() < 0.88)
                    if event["status"] == "held" and not waitlisted
                    else None,
                }
            )
    _insert(session, Registration, registrations, now)
    return len(ids)


def _seed_materials(
    session: Session, rng: random.Random, today: date, now: datetime, coordinator_id: int
) -> int:
    items = [
        ("Juhend teenuseosutajale: TTTVT arveldamine", "guide", "providers"),
        ("Kliendi teekond: suunamisest esimese kohtumiseni", "process", "internal"),
        ("Taotluse vorm (lisa 1)", "form", "providers"),
        ("Teenuseosutaja küsimustik (lisa 2)", "form", "providers"),
        ("Spetsialisti küsimustik (lisa 3)", "form", "providers"),
        ("Psühholoogiline abi kuriteoohvritele (palunabi.ee)", "web_page", "clients"),
        ("Kuidas saada traumateadlikku abi", "guide", "clients"),
        ("Infoleht partneritele: kuidas suunata", "guide", "partners"),
        ("Sotsiaalmeedia postitus: abi on olemas", "social_post", "clients"),
        ("Tagasiside küsimustik kliendile", "form", "clients"),
        ("Andmekaitse juhend koordinaatorile", "process", "internal"),
        ("Kovisiooni kord", "process", "internal"),
    ]
    rows, languages_of = [], []
    for title, kind, audience in items:
        interval = rng.choice([6, 12, 12, 24])
        # About a quarter are overdue, as in any register kept by one busy person.
        late = rng.random() < 0.25
        last = (
            add_months(today, -interval) - timedelta(days=rng.randint(1, 60))
            if late
            else today - timedelta(days=rng.randint(10, interval * 28))
        )
        rows.append(
            {
                "title": title,
                "kind": kind,
                "audience": audience,
                "owner": "Kadri Koordinaator",
                "version_label": f"{rng.randint(1, 4)}.{rng.randint(0, 9)}",
                "last_reviewed": last,
                "review_interval_months": interval,
                "next_review_on": add_months(last, interval),
            }
        )
        languages_of.append(
            ["et", "ru", "en"]
            if audience == "clients" and rng.random() < 0.6
            else ["et", "ru"]
            if audience == "clients"
            else ["et"]
        )
    ids = _insert_returning_ids(session, Material, rows, now)
    versions, reviews = [], []
    for material_id, languages, row in zip(ids, languages_of, rows, strict=True):
        for language in languages:
            versions.append(
                {
                    "material_id": material_id,
                    "language": language,
                    "link": f"https://www.sotsiaalkindlustusamet.ee/tttvt/{material_id}/{language}",
                    "state": "published",
                }
            )
        reviews.append(
            {
                "material_id": material_id,
                "reviewed_on": row["last_reviewed"],
                "reviewed_by_id": coordinator_id,
                "version_label": row["version_label"],
                "note": "Üle vaadatud",
            }
        )
    _insert(session, MaterialLanguage, versions, now)
    _insert(session, MaterialReview, reviews, now)
    return len(ids)


def _seed_partners(session: Session, rng: random.Random, today: date, now: datetime) -> int:
    kinds = [
        "police",
        "prosecutor",
        "local_government",
        "shelter",
        "womens_support_centre",
        "ngo",
        "hospital",
        "school",
        "ministry",
    ]
    rows: list[dict[str, Any]] = []
    for number, (code, _, _) in enumerate(COUNTIES * 2):
        kind = kinds[number % len(kinds)]
        rows.append(
            {
                "name": f"{kind.replace('_', ' ').title()} ({code})",
                "partner_type": kind,
                "county": code if kind != "ministry" else None,
                "notes": "",
            }
        )
    names = {
        "police": "Politsei- ja Piirivalveameti piirkond",
        "prosecutor": "Prokuratuur",
        "local_government": "Vallavalitsus",
        "shelter": "Turvakodu",
        "womens_support_centre": "Naiste tugikeskus",
        "ngo": "Ohvriabi MTÜ",
        "hospital": "Haigla psühhiaatriakliinik",
        "school": "Gümnaasium",
        "ministry": "Sotsiaalministeerium",
    }
    county_names = {
        "0037": "Harju",
        "0039": "Hiiu",
        "0045": "Ida-Viru",
        "0050": "Jõgeva",
        "0052": "Järva",
        "0056": "Lääne",
        "0060": "Lääne-Viru",
        "0064": "Põlva",
        "0068": "Pärnu",
        "0071": "Rapla",
        "0074": "Saare",
        "0079": "Tartu",
        "0081": "Valga",
        "0084": "Viljandi",
        "0087": "Võru",
    }
    for row in rows:
        row["name"] = (
            names[row["partner_type"]]
            if row["county"] is None
            else f"{county_names[row['county']]} {names[row['partner_type']].lower()}"
        )
    ids = _insert_returning_ids(session, Partner, rows, now)
    people, contacts = [], []
    for partner_id in ids:
        people.append(
            {
                "partner_id": partner_id,
                "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                "role": "kontaktisik",
                "email": f"kontakt{partner_id}@partner.example",
                "phone": _phone(rng),
            }
        )
        for _ in range(rng.randint(0, 4)):
            day = today - timedelta(days=rng.randint(1, 700))
            upcoming = rng.random() < 0.3
            contacts.append(
                {
                    "partner_id": partner_id,
                    "contacted_on": day,
                    "topic": rng.choice(
                        [
                            "Suunamise kord",
                            "Koostöökohtumine",
                            "Infomaterjalid",
                            "Juhtumi arutelu (anonüümne)",
                        ]
                    ),
                    "outcome": "Kokkulepped tehtud",
                    "next_step": "Järelkohtumine" if upcoming else "",
                    "next_step_on": today + timedelta(days=rng.randint(-5, 40))
                    if upcoming
                    else None,
                }
            )
    _insert(session, PartnerPerson, people, now)
    _insert(session, ContactLog, contacts, now)
    return len(ids)


def _seed_tasks(
    session: Session, rng: random.Random, today: date, now: datetime, user_ids: dict[str, int]
) -> int:
    titles = [
        "Koostada kvartali tegevus- ja kuluaruanne",
        "Uuendada palunabi.ee TTTVT lehte",
        "Kaardistada Põlvamaa teenuseosutajad",
        "Ette valmistada infopäeva programm",
        "Vaadata üle lepingu lisa 2 vorm",
        "Analüüsida ooteaegade kasvu Tartumaal",
        "Vastata ministeeriumi päringule",
        "Korraldada venekeelne infotund",
        "Uuendada andmekaitse juhendit",
        "Kokku võtta kliendiküsitluse tulemused",
    ]
    rows = []
    for number, title in enumerate(titles):
        due = today + timedelta(days=rng.randint(-20, 45))
        status = "done" if number < 3 else "in_progress" if number < 6 else "open"
        rows.append(
            {
                "title": title,
                "description": "",
                "assigned_by_id": user_ids["tiimijuht"],
                "due_on": due,
                "status": status,
                "priority": rng.choice(["low", "normal", "high"]),
                "closing_note": "Tehtud" if status == "done" else "",
            }
        )
    ids = _insert_returning_ids(session, Task, rows, now)
    _insert(
        session,
        TaskComment,
        [
            {
                "task_id": ids[4],
                "author_id": user_ids["tiimijuht"],
                "text": "Palun arvesta ka uue määraga.",
            }
        ],
        now,
    )
    return len(ids)


def _fit_ceilings(session: Session, rng: random.Random) -> None:
    """Raise ceilings that the demo sessions outgrew, leaving most contracts 55-92 % used.

    Contracts are drawn before the sessions, so a busy provider's ceiling could be a
    fraction of what its clients used; a real ceiling is sized to the expected volume.
    Drawn last, so the rest of the demo data does not change.
    """
    used = (
        select(col(Contract.id), col(Contract.ceiling_cents), func.sum(TherapySession.cost_cents))
        .join(TherapySession, col(TherapySession.provider_id) == col(Contract.provider_id))
        .where(
            col(TherapySession.session_date) >= col(Contract.start_date),
            col(TherapySession.session_date) <= col(Contract.end_date),
        )
        .group_by(col(Contract.id), col(Contract.ceiling_cents))
        .order_by(col(Contract.id))
    )
    for contract_id, ceiling, spent in session.execute(used).all():
        share = rng.choice([0.55, 0.65, 0.75, 0.82, 0.92])
        fitted = -(-int(spent / share) // 500_000) * 500_000  # up to whole 5 000 €
        if fitted > ceiling:
            session.execute(
                update(Contract).where(col(Contract.id) == contract_id).values(ceiling_cents=fitted)
            )
