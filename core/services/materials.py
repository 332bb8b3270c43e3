"""Materials and web content (duties 3.5, 3.9, 3.10): guides, process descriptions, forms,
web pages and social-media posts, their language versions, reviews and review dates.

The next review date is last reviewed + review interval (calendar months, clamped to the
end of a shorter month). It is stored in `Material.next_review_on` so that "overdue" is
one indexed comparison, and this module recomputes it on every change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel, Field, ValidationError, field_validator
from sqlalchemy.orm.attributes import flag_modified
from sqlmodel import Session, col, select

from core import audit
from core.dates import add_months
from core.db import get_for_update
from core.errors import NotFound, ValidationFailed
from core.models import (
    Audience,
    Language,
    Material,
    MaterialKind,
    MaterialLanguage,
    MaterialReview,
    MaterialState,
    User,
)
from core.permissions import Actor, Permission, require, write_service
from core.services.info_common import Problem, problems_from, strip, tallinn_today
from core.settings import get_setting

DUE_SOON_DAYS = 30


class MaterialInput(BaseModel):
    title: str = Field(min_length=2, max_length=200)
    kind: MaterialKind
    audience: Audience
    owner: str = Field(default="", max_length=200)
    version_label: str = Field(default="1.0", min_length=1, max_length=20)
    last_reviewed: date | None = None
    review_interval_months: int = Field(default=12, ge=1, le=60)

    @field_validator("title", "owner", "version_label", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        return strip(value)


class LanguageVersionInput(BaseModel):
    language: Language
    link: str = Field(default="", max_length=500, pattern=r"^(|https?://\S+)$")
    state: MaterialState = MaterialState.DRAFT

    @field_validator("link", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        return strip(value) if value is not None else ""


class ReviewInput(BaseModel):
    reviewed_on: date
    note: str = Field(default="", max_length=2000)
    version_label: str = Field(default="", max_length=20)

    @field_validator("note", "version_label", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        return strip(value) if value is not None else ""


@dataclass(frozen=True)
class LanguageVersionRead:
    id: int
    language: str
    link: str
    state: str
    version: int


@dataclass(frozen=True)
class ReviewRead:
    id: int
    reviewed_on: date
    reviewed_by: str
    version_label: str
    note: str


@dataclass(frozen=True)
class MaterialRead:
    id: int
    title: str
    kind: str
    audience: str
    owner: str
    version_label: str
    last_reviewed: date | None
    review_interval_months: int
    next_review_on: date | None
    version: int
    languages: tuple[LanguageVersionRead, ...]
    review_status: str  # overdue, due_soon, ok, never

    @property
    def published(self) -> bool:
        return any(v.state == MaterialState.PUBLISHED for v in self.languages)

    def language(self, code: str) -> LanguageVersionRead | None:
        return next((v for v in self.languages if v.language == code), None)


@dataclass(frozen=True)
class LanguageGap:
    material_id: int
    title: str
    missing: tuple[str, ...]
    draft: tuple[str, ...]  # of the missing ones: a version exists but is not published


# --- rules -------------------------------------------------------------------------------


def next_review_date(last_reviewed: date | None, interval_months: int) -> date | None:
    """Last reviewed + interval; a material never reviewed has no date (it is due now)."""
    if last_reviewed is None:
        return None
    return add_months(last_reviewed, interval_months)


def review_status(next_review_on: date | None, today: date, soon_days: int = DUE_SOON_DAYS) -> str:
    if next_review_on is None:
        return "never"
    if next_review_on < today:
        return "overdue"
    if next_review_on <= today + timedelta(days=soon_days):
        return "due_soon"
    return "ok"


def find_gaps(materials: list[MaterialRead], required: list[str]) -> list[LanguageGap]:
    """Published client-facing materials that lack a published version in a service language."""
    gaps: list[LanguageGap] = []
    for material in materials:
        if material.audience != Audience.CLIENTS or not material.published:
            continue
        published = {v.language for v in material.languages if v.state == MaterialState.PUBLISHED}
        missing = tuple(code for code in required if code not in published)
        if missing:
            present = {v.language for v in material.languages}
            gaps.append(
                LanguageGap(
                    material_id=material.id,
                    title=material.title,
                    missing=missing,
                    draft=tuple(code for code in missing if code in present),
                )
            )
    return gaps


def service_languages(session: Session) -> list[str]:
    return [str(code) for code in get_setting(session, "service_languages")]


# --- reading -----------------------------------------------------------------------------


def _read(row: Material, versions: list[MaterialLanguage], today: date) -> MaterialRead:
    assert row.id is not None
    order = {code.value: position for position, code in enumerate(Language)}
    return MaterialRead(
        id=row.id,
        title=row.title,
        kind=row.kind,
        audience=row.audience,
        owner=row.owner,
        version_label=row.version_label,
        last_reviewed=row.last_reviewed,
        review_interval_months=row.review_interval_months,
        next_review_on=row.next_review_on,
        version=row.version,
        languages=tuple(
            LanguageVersionRead(
                id=v.id or 0, language=v.language, link=v.link, state=v.state, version=v.version
            )
            for v in sorted(versions, key=lambda v: order.get(v.language, 99))
        ),
        review_status=review_status(row.next_review_on, today),
    )


def _load(session: Session, today: date, material_ids: list[int] | None) -> list[MaterialRead]:
    query = select(Material).order_by(col(Material.title))
    if material_ids is not None:
        query = query.where(col(Material.id).in_(material_ids))
    rows = list(session.exec(query))
    ids = [row.id for row in rows]
    versions: dict[int, list[MaterialLanguage]] = {}
    if ids:
        for version in session.exec(
            select(MaterialLanguage).where(col(MaterialLanguage.material_id).in_(ids))
        ):
            versions.setdefault(version.material_id, []).append(version)
    return [_read(row, versions.get(row.id or 0, []), today) for row in rows]


def list_materials(
    session: Session,
    actor: Actor,
    *,
    today: date,
    text: str = "",
    kind: str | None = None,
    audience: str | None = None,
    status: str | None = None,
) -> list[MaterialRead]:
    require(session, actor, Permission.VIEW_RECORDS, action="materials.list_materials")
    wanted = text.strip().lower()
    return [
        m
        for m in _load(session, today, None)
        if (not wanted or wanted in m.title.lower() or wanted in m.owner.lower())
        and (kind is None or m.kind == kind)
        and (audience is None or m.audience == audience)
        and (status is None or m.review_status == status)
    ]


def get_material(session: Session, actor: Actor, *, material_id: int, today: date) -> MaterialRead:
    require(session, actor, Permission.VIEW_RECORDS, action="materials.get_material")
    found = _load(session, today, [material_id])
    if not found:
        raise NotFound(table="material", id=material_id)
    return found[0]


def due_for_review(
    session: Session, actor: Actor, *, today: date, within_days: int = DUE_SOON_DAYS
) -> list[MaterialRead]:
    """Overdue, never reviewed, or due within `within_days`, the earliest first."""
    require(session, actor, Permission.VIEW_RECORDS, action="materials.due_for_review")
    horizon = today + timedelta(days=within_days)
    ids = list(
        session.exec(
            select(Material.id).where(
                (col(Material.next_review_on) <= horizon) | col(Material.next_review_on).is_(None)
            )
        )
    )
    found = _load(session, today, [i for i in ids if i is not None])
    return sorted(found, key=lambda m: (m.next_review_on or date.min, m.title))


def language_gaps(session: Session, actor: Actor, *, today: date) -> list[LanguageGap]:
    require(session, actor, Permission.VIEW_RECORDS, action="materials.language_gaps")
    return find_gaps(_load(session, today, None), service_languages(session))


def review_history(session: Session, actor: Actor, *, material_id: int) -> list[ReviewRead]:
    require(session, actor, Permission.VIEW_RECORDS, action="materials.review_history")
    rows = session.execute(
        select(MaterialReview, User.name)
        .join(User, col(User.id) == col(MaterialReview.reviewed_by_id), isouter=True)
        .where(MaterialReview.material_id == material_id)
        .order_by(col(MaterialReview.reviewed_on).desc(), col(MaterialReview.id).desc())
    ).all()
    return [
        ReviewRead(
            id=review.id or 0,
            reviewed_on=review.reviewed_on,
            reviewed_by=name or "",
            version_label=review.version_label,
            note=review.note,
        )
        for review, name in rows
    ]


# --- writing -----------------------------------------------------------------------------


def _checked(data: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Validate the material and its language versions together; raise with every problem."""
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    try:
        material = MaterialInput.model_validate({k: v for k, v in data.items() if k != "languages"})
        values = material.model_dump()
        values["kind"], values["audience"] = material.kind.value, material.audience.value
    except ValidationError as error:
        problems += problems_from(error, "material")
    if values.get("last_reviewed") and values["last_reviewed"] > tallinn_today():
        problems.append(("material_last_reviewed", "invalid.future_date", {}))
    versions: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, raw in enumerate(data.get("languages") or [], start=1):
        try:
            version = LanguageVersionInput.model_validate(raw)
        except ValidationError as error:
            problems += [(n, k, {"row": number}) for n, k, _ in problems_from(error, "material")]
            continue
        if version.language.value in seen:
            problems.append(
                ("material_language", "invalid.material_language_twice", {"row": number})
            )
        seen.add(version.language.value)
        versions.append(
            {
                "language": version.language.value,
                "link": version.link,
                "state": version.state.value,
            }
        )
    if problems:
        raise ValidationFailed(problems)
    values["next_review_on"] = next_review_date(
        values["last_reviewed"], values["review_interval_months"]
    )
    return values, versions


def _save_versions(
    session: Session, actor: Actor, material_id: int, versions: list[dict[str, Any]]
) -> list[str]:
    existing = {
        row.language: row
        for row in session.exec(
            select(MaterialLanguage).where(MaterialLanguage.material_id == material_id)
        )
    }
    changed: list[str] = []
    wanted = {v["language"] for v in versions}
    for language, row in existing.items():
        if language not in wanted:
            session.delete(row)
            changed.append(f"language:{language}")
    for version in versions:
        current = existing.get(version["language"])
        if current is None:
            session.add(MaterialLanguage(material_id=material_id, **version))
            changed.append(f"language:{version['language']}")
        elif (current.link, current.state) != (version["link"], version["state"]):
            current.link, current.state = version["link"], version["state"]
            changed.append(f"language:{version['language']}")
    session.flush()
    if changed:
        audit.record_write(
            session,
            actor,
            "material.languages",
            table="material_language",
            record_id=material_id,
            fields=changed,
        )
    return changed


@write_service(Permission.EDIT_RECORDS)
def create_material(session: Session, actor: Actor, *, data: dict[str, Any]) -> int:
    """Add a material with its language versions; a first review date starts the history."""
    values, versions = _checked(data)
    material = Material(**values)
    session.add(material)
    session.flush()
    assert material.id is not None
    audit.record_write(
        session, actor, "material.create", table="material", record_id=material.id, fields=values
    )
    _save_versions(session, actor, material.id, versions)
    return material.id


@write_service(Permission.EDIT_RECORDS)
def update_material(
    session: Session,
    actor: Actor,
    *,
    material_id: int,
    data: dict[str, Any],
    expected_version: int,
) -> None:
    values, versions = _checked(data)
    material = get_for_update(session, Material, material_id, expected_version)
    changed = [key for key, value in values.items() if getattr(material, key) != value]
    for key in changed:
        setattr(material, key, values[key])
    languages = _save_versions(session, actor, material_id, versions)
    if languages and not changed:
        # A change of language versions is a change of the material: its version moves on.
        flag_modified(material, "updated_at")
        changed.append("languages")
    if changed:
        session.flush()
        audit.record_write(
            session,
            actor,
            "material.update",
            table="material",
            record_id=material_id,
            fields=changed,
        )


@write_service(Permission.EDIT_RECORDS)
def mark_reviewed(
    session: Session,
    actor: Actor,
    *,
    material_id: int,
    reviewed_on: date,
    note: str = "",
    version_label: str = "",
    expected_version: int,
) -> date | None:
    """Record a review: the history gets a row, the next review date moves on."""
    try:
        review = ReviewInput.model_validate(
            {"reviewed_on": reviewed_on, "note": note, "version_label": version_label}
        )
    except ValidationError as error:
        raise ValidationFailed(problems_from(error, "review")) from error
    if review.reviewed_on > tallinn_today():
        raise ValidationFailed([("review_reviewed_on", "invalid.future_date", {})])
    material = get_for_update(session, Material, material_id, expected_version)
    if material.last_reviewed and review.reviewed_on < material.last_reviewed:
        raise ValidationFailed(
            [
                (
                    "review_reviewed_on",
                    "invalid.review_before_last",
                    {"last": material.last_reviewed},
                )
            ]
        )
    changed = ["last_reviewed", "next_review_on"]
    material.last_reviewed = review.reviewed_on
    if review.version_label and review.version_label != material.version_label:
        material.version_label = review.version_label
        changed.append("version_label")
    material.next_review_on = next_review_date(
        material.last_reviewed, material.review_interval_months
    )
    row = MaterialReview(
        material_id=material_id,
        reviewed_on=review.reviewed_on,
        reviewed_by_id=actor.user_id,
        version_label=material.version_label,
        note=review.note,
    )
    session.add(row)
    session.flush()
    audit.record_write(
        session, actor, "material.reviewed", table="material", record_id=material_id, fields=changed
    )
    audit.record_write(
        session,
        actor,
        "material.review_add",
        table="material_review",
        record_id=row.id,
        fields=["reviewed_on", "version_label", "note"],
    )
    return material.next_review_on


@write_service(Permission.EDIT_RECORDS)
def delete_material(
    session: Session, actor: Actor, *, material_id: int, expected_version: int
) -> None:
    """Remove a material, its language versions and its review history."""
    material = get_for_update(session, Material, material_id, expected_version)
    for version in session.exec(
        select(MaterialLanguage).where(MaterialLanguage.material_id == material_id)
    ):
        session.delete(version)
    for review in session.exec(
        select(MaterialReview).where(MaterialReview.material_id == material_id)
    ):
        session.delete(review)
    session.flush()
    session.delete(material)
    session.flush()
    audit.record_write(
        session, actor, "material.delete", table="material", record_id=material_id, fields=["id"]
    )
