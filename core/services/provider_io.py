"""Bulk import of providers, specialists and qualifications, and the provider exports.

Each kind is one file (CSV or XLSX) with a template in Estonian or English. A file is read
by core.tabular, every row is checked with the same input models as the forms in
core.services.providers, and `preview_import` shows what would happen without writing.
`run_import` checks everything again and saves every row in the caller's transaction, or
raises TableRefused naming each row's problem and saves nothing.

Keys: a provider is its registry code (an existing code updates that provider); a
specialist is (provider registry code, name); a qualification is (provider registry
code, specialist name, kind, certificate number). Specialists and qualifications refer to
providers and specialists that are already in the database: import providers first.
Columns a file leaves out keep their stored values when a row updates a record.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ValidationError
from sqlmodel import Session, col, select

from core import audit
from core.dates import local_today
from core.errors import ValidationFailed
from core.i18n import CATALOGUES, enum_label, t
from core.models import (
    County,
    Language,
    LegalForm,
    OnboardingStatus,
    Profession,
    Provider,
    Qualification,
    QualificationKind,
    ServiceForm,
    Specialist,
)
from core.permissions import Actor, Permission, require, write_service
from core.services.providers import (
    STEP_ORDER,
    ProviderDetail,
    ProviderFilter,
    ProviderInput,
    QualificationInput,
    SpecialistInput,
    _provider_values,
    _qualification_values,
    _specialist_values,
    all_details,
    list_providers,
)
from core.tabular import (
    ColumnSpec,
    Format,
    Problem,
    Row,
    Table,
    TableRefused,
    enum_vocabulary,
    fold,
    read_table,
    template,
    write_table,
)

Kind = Literal["providers", "specialists", "qualifications"]
KINDS: tuple[Kind, ...] = ("providers", "specialists", "qualifications")
Progress = Callable[[float, str], None]
LIST_SEPARATORS = re.compile(r"[;,]")
VERIFICATION_FIELDS = {"kind", "certificate_number", "valid_from", "valid_until"}


def _no_progress(_fraction: float, _message: str) -> None:
    return None


# --- columns -----------------------------------------------------------------------------

_CODE_ALIASES = ("registrikood", "reg kood", "registri kood", "registration code", "reg code")
PROVIDER_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("name", "io.col.name", ("nimi", "nimetus", "teenuseosutaja", "provider"), True),
    ColumnSpec("registry_code", "io.col.registry_code", (*_CODE_ALIASES, "code", "kood"), True),
    ColumnSpec("legal_form", "io.col.legal_form", ("oiguslik vorm", "vorm", "legal form")),
    ColumnSpec("contact_person", "io.col.contact_person", ("kontakt", "contact")),
    ColumnSpec("email", "io.col.email", ("e-post", "epost", "e-mail", "email", "meil"), True),
    ColumnSpec("phone", "io.col.phone", ("telefon", "tel", "phone", "telephone")),
    ColumnSpec("address", "io.col.address", ("aadress", "address")),
    ColumnSpec("counties", "io.col.counties", ("maakond", "county", "piirkond"), True),
    ColumnSpec("languages", "io.col.languages", ("keel", "language", "teeninduskeeled"), True),
    ColumnSpec(
        "service_forms",
        "io.col.service_forms",
        ("teenuse vorm", "vormid", "service form", "forms"),
        True,
    ),
    ColumnSpec("notes", "io.col.notes", ("markus", "markused", "note", "comments")),
    # Columns of our own export: accepted on import and not read, so an export re-imports.
    ColumnSpec("onboarding_status", "io.col.onboarding_status", ignored=True),
    ColumnSpec("steps", "io.col.steps", ignored=True),
    ColumnSpec("specialists", "io.col.specialists", ignored=True),
    ColumnSpec("eligible_specialists", "io.col.eligible_specialists", ignored=True),
    ColumnSpec("ready", "io.col.ready", ignored=True),
)
_PROVIDER_CODE = ColumnSpec(
    "provider_registry_code",
    "io.col.provider_registry_code",
    (*_CODE_ALIASES, "teenuseosutaja kood", "provider code"),
    True,
)
SPECIALIST_COLUMNS: tuple[ColumnSpec, ...] = (
    _PROVIDER_CODE,
    ColumnSpec(
        "name", "io.col.specialist_name", ("nimi", "spetsialist", "name", "specialist"), True
    ),
    ColumnSpec("profession", "io.col.profession", ("amet", "ametinimetus", "eriala")),
    ColumnSpec("email", "io.col.email", ("e-post", "epost", "e-mail", "email")),
    ColumnSpec("languages", "io.col.languages", ("keel", "language"), True),
    ColumnSpec("counties", "io.col.counties", ("maakond", "county")),
    ColumnSpec("active", "io.col.active", ("aktiivne", "active")),
)
QUALIFICATION_COLUMNS: tuple[ColumnSpec, ...] = (
    _PROVIDER_CODE,
    ColumnSpec("specialist_name", "io.col.specialist_name", ("spetsialist", "specialist"), True),
    ColumnSpec(
        "kind",
        "io.col.kind",
        ("liik", "kvalifikatsioon", "kind", "qualification", "type"),
        True,
    ),
    ColumnSpec(
        "certificate_number",
        "io.col.certificate_number",
        ("kutsetunnistuse number", "tunnistus", "number", "certificate no", "register number"),
    ),
    ColumnSpec("eqf_level", "io.col.eqf_level", ("ekr", "eqf", "tase", "level", "ekr tase")),
    ColumnSpec("issuer", "io.col.issuer", ("valjaandja", "kutse andja", "awarding body")),
    ColumnSpec("valid_from", "io.col.valid_from", ("alates", "from", "kehtib alates")),
    ColumnSpec("valid_until", "io.col.valid_until", ("kuni", "until", "kehtib kuni", "expires")),
    ColumnSpec("document_ref", "io.col.document_ref", ("dokument", "document", "document ref")),
)
COLUMNS: dict[str, tuple[ColumnSpec, ...]] = {
    "providers": PROVIDER_COLUMNS,
    "specialists": SPECIALIST_COLUMNS,
    "qualifications": QUALIFICATION_COLUMNS,
}
PUBLIC_COLUMNS = ("name", "counties", "languages", "service_forms", "email", "phone")


def columns_of(kind: str) -> tuple[ColumnSpec, ...]:
    if kind not in COLUMNS:
        raise ValidationFailed([("kind", "import.invalid.kind_of_file", {})])
    return COLUMNS[kind]


def column_header(kind: str, column: str | None, lang: str) -> str:
    """The header of a column in `lang`, for naming it in a problem or a preview."""
    for spec in COLUMNS.get(kind, ()):
        if spec.name == column:
            return spec.header(lang)
    return column or ""


# --- vocabularies: codes, catalogue labels in both languages, and common spellings -------

_EXTRA_WORDS: dict[str, dict[str, str]] = {
    "Language": {
        "est": "et",
        "eesti keel": "et",
        "rus": "ru",
        "vene keel": "ru",
        "русский": "ru",
        "eng": "en",
        "inglise keel": "en",
        "ukr": "uk",
        "ukraina keel": "uk",
        "українська": "uk",
        "muu keel": "other",
    },
    "ServiceForm": {
        "silmast silma": "in_person",
        "kontaktne": "in_person",
        "in person": "in_person",
        "face to face": "in_person",
        "videokone": "video",
        "veebis": "video",
        "online": "video",
        "telefoni teel": "phone",
        "telefonitsi": "phone",
        "telephone": "phone",
    },
    "LegalForm": {
        "osauhing": "ou",
        "private limited company": "ou",
        "aktsiaselts": "as",
        "public limited company": "as",
        "fuusilisest isikust ettevotja": "fie",
        "sole proprietor": "fie",
        "mittetulundusuhing": "mtu",
        "non profit association": "mtu",
        "sihtasutus": "sa",
        "foundation": "sa",
        "muu": "other",
    },
    "Profession": {
        "kliiniline psuhholoog": "clinical_psychologist",
        "clinical psychologist": "clinical_psychologist",
        "psuhholoog noustaja": "counselling_psychologist",
        "counselling psychologist": "counselling_psychologist",
        "counseling psychologist": "counselling_psychologist",
        "koolipsuhholoog": "school_psychologist",
        "school psychologist": "school_psychologist",
        "psuhhoterapeut": "psychotherapist",
        "sotsiaaltootaja": "social_worker",
        "social worker": "social_worker",
        "psuhhiaater": "psychiatrist",
        "vaimse tervise ode": "mental_health_nurse",
        "mental health nurse": "mental_health_nurse",
        "muu": "other",
    },
    "QualificationKind": {
        "psuhholoogia magister": "master_psychology",
        "psuhholoogia mag": "master_psychology",
        "sotsiaaltoo magister": "master_social_work",
        "psuhhoteraapia koolitus": "psychotherapy_training",
    },
}
_ENUMS: dict[str, type[StrEnum]] = {
    "County": County,
    "Language": Language,
    "ServiceForm": ServiceForm,
    "LegalForm": LegalForm,
    "Profession": Profession,
    "QualificationKind": QualificationKind,
}


@functools.cache
def vocabulary(enum_name: str) -> dict[str, str]:
    """Folded word -> code; a word that could mean two codes is left out."""
    return enum_vocabulary(_ENUMS[enum_name], enum_name, _EXTRA_WORDS.get(enum_name))


def resolve(enum_name: str, text: str) -> str | None:
    token = text.strip()
    if enum_name == "County" and token.isdigit() and len(token) <= 4:
        token = token.zfill(4)  # a spreadsheet turned 0037 into 37
    return vocabulary(enum_name).get(fold(token))


# --- reading cells -----------------------------------------------------------------------


class _CellError(Exception):
    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key, self.params = key, params


_NOT_GIVEN = object()
_TRUE = {"jah", "ja", "yes", "y", "true", "tõene", "tosi", "1", "x", "aktiivne", "active"}
_FALSE = {"ei", "no", "n", "false", "väär", "0", "mitteaktiivne", "inactive"}
_DATE_ET = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})\.?$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T][\d:.]+)?$")


def _text(value: str) -> Any:
    return value


def _optional(value: str) -> Any:
    return value or None


def _enum(enum_name: str) -> Callable[[str], Any]:
    def parse(value: str) -> Any:
        if not value:
            return _NOT_GIVEN
        code = resolve(enum_name, value)
        if code is None:
            raise _CellError("import.unknown_value", value=value)
        return code

    return parse


def _enum_list(enum_name: str) -> Callable[[str], Any]:
    def parse(value: str) -> Any:
        tokens = [token.strip() for token in LIST_SEPARATORS.split(value) if token.strip()]
        codes, unknown = [], []
        for token in tokens:
            code = resolve(enum_name, token)
            if code is None:
                unknown.append(token)
            elif code not in codes:
                codes.append(code)
        if unknown:
            raise _CellError("import.unknown_value", value=", ".join(unknown))
        return codes

    return parse


def parse_date(value: str) -> date | None:
    if not value:
        return None
    try:
        if match := _DATE_ET.match(value):
            day, month, year = (int(part) for part in match.groups())
            return date(year, month, day)
        if match := _DATE_ISO.match(value):
            year, month, day = (int(part) for part in match.groups())
            return date(year, month, day)
    except ValueError:
        pass
    raise _CellError("import.invalid_date", value=value)


def _boolean(value: str) -> Any:
    if not value:
        return _NOT_GIVEN
    folded = value.strip().casefold()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise _CellError("import.invalid_boolean", value=value)


PARSERS: dict[str, dict[str, Callable[[str], Any]]] = {
    "providers": {
        "legal_form": _enum("LegalForm"),
        "phone": _optional,
        "counties": _enum_list("County"),
        "languages": _enum_list("Language"),
        "service_forms": _enum_list("ServiceForm"),
    },
    "specialists": {
        "profession": _enum("Profession"),
        "email": _optional,
        "languages": _enum_list("Language"),
        "counties": _enum_list("County"),
        "active": _boolean,
    },
    "qualifications": {
        "kind": _enum("QualificationKind"),
        "eqf_level": _optional,
        "valid_from": parse_date,
        "valid_until": parse_date,
    },
}


def _code(value: str | None) -> str:
    return re.sub(r"\s", "", value or "")


def _kind_key(value: str) -> str:
    return resolve("QualificationKind", value) or fold(value)


KEYS: dict[str, Callable[[Row], Hashable | None]] = {
    "providers": lambda row: _code(row.get("registry_code")) or None,
    "specialists": lambda row: (
        (_code(row.get("provider_registry_code")), fold(row.get("name", "")))
        if row.get("provider_registry_code") and row.get("name")
        else None
    ),
    "qualifications": lambda row: (
        (
            _code(row.get("provider_registry_code")),
            fold(row.get("specialist_name", "")),
            _kind_key(row.get("kind", "")),
            fold(row.get("certificate_number", "")),
        )
        if row.get("provider_registry_code") and row.get("specialist_name") and row.get("kind")
        else None
    ),
}
# Columns that say which record a row belongs to, not what it holds.
REFERENCE_COLUMNS = {"provider_registry_code", "specialist_name"}


# --- planning: what each row would do ----------------------------------------------------


@dataclass
class _Planned:
    row: int
    action: str  # create, update, unchanged
    values: dict[str, Any]
    target: Any = None  # the stored record a row updates
    parent_id: int | None = None  # provider or specialist of a new record
    changed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ImportPreview:
    """What an import would do: the rows as read, each row's action, and every problem."""

    kind: str
    frame: pd.DataFrame  # columns: row, action, then the file's columns (names of the spec)
    problems: list[Problem]
    columns: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems and not self.frame.empty

    def count(self, action: str) -> int:
        return int((self.frame["action"] == action).sum()) if not self.frame.empty else 0


@dataclass(frozen=True)
class ImportResult:
    kind: str
    created: int
    updated: int
    unchanged: int

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged


def _given(kind: str, number: int, row: Row, problems: list[Problem]) -> dict[str, Any]:
    """The row's cells as input values; columns outside the file are not in the result."""
    parsers = PARSERS[kind]
    values: dict[str, Any] = {}
    flagged = {problem.column for problem in problems if problem.row == number}
    for name, text in row.items():
        if name in REFERENCE_COLUMNS or name in flagged:
            continue
        try:
            value = parsers.get(name, _text)(text)
        except _CellError as error:
            problems.append(Problem(number, name, error.key, error.params))
            continue
        if value is not _NOT_GIVEN:
            values[name] = value
    return values


def _problem_key(field_name: str, key: str) -> str:
    """Message keys for import problems: `import.invalid.<field>` and friends."""
    for candidate in (f"import.{key}", f"import.invalid.{field_name}"):
        if candidate in CATALOGUES["et"]:
            return candidate
    return "import.invalid.value"


def _validate(
    model: type[BaseModel],
    to_values: Callable[[Any], dict[str, Any]],
    data: dict[str, Any],
    number: int,
    problems: list[Problem],
) -> dict[str, Any] | None:
    # A cell that could not be read is already a problem; do not name its column twice.
    named = {problem.column for problem in problems if problem.row == number and problem.column}
    try:
        return to_values(model.model_validate(data))
    except ValidationError as error:
        for item in error.errors():
            name = str(item["loc"][0]) if item["loc"] else "value"
            if name not in named:
                named.add(name)
                problems.append(Problem(number, name, _problem_key(name, f"invalid.{name}")))
    except ValidationFailed as error:
        for name, key, params in error.problems:
            problems.append(Problem(number, name, _problem_key(name, key), params))
    return None


def _changes(target: Any, values: Mapping[str, Any]) -> list[str]:
    return [name for name, value in values.items() if getattr(target, name) != value]


def _plan_providers(session: Session, table: Table) -> tuple[list[_Planned], list[Problem]]:
    problems: list[Problem] = list(table.problems)
    codes = [_code(row.get("registry_code")) for _, row in table.rows]
    stored = {
        provider.registry_code: provider
        for provider in session.exec(select(Provider).where(col(Provider.registry_code).in_(codes)))
    }
    planned = []
    for number, row in table.rows:
        given = _given("providers", number, row, problems)
        target = stored.get(_code(row.get("registry_code")))
        data = _provider_base(target) if target is not None else {}
        data.update(given)
        values = _validate(ProviderInput, _provider_values, data, number, problems)
        if values is None:
            continue
        planned.append(_planned(number, values, target))
    return planned, problems


def _provider_base(provider: Provider) -> dict[str, Any]:
    return {
        "name": provider.name,
        "registry_code": provider.registry_code,
        "legal_form": provider.legal_form,
        "contact_person": provider.contact_person,
        "email": provider.email,
        "phone": provider.phone or None,
        "address": provider.address,
        "counties": list(provider.counties),
        "languages": list(provider.languages),
        "service_forms": list(provider.service_forms),
        "notes": provider.notes,
    }


def _planned(
    number: int, values: dict[str, Any], target: Any, parent_id: int | None = None
) -> _Planned:
    if target is None:
        return _Planned(number, "create", values, parent_id=parent_id, changed=list(values))
    changed = _changes(target, values)
    return _Planned(number, "update" if changed else "unchanged", values, target, changed=changed)


def _providers_by_code(session: Session, table: Table) -> dict[str, int]:
    codes = {_code(row.get("provider_registry_code")) for _, row in table.rows}
    query = select(Provider.registry_code, Provider.id).where(
        col(Provider.registry_code).in_(codes)
    )
    return {code: provider_id for code, provider_id in session.exec(query) if provider_id}


def _specialists_by_name(
    session: Session, provider_ids: Iterable[int]
) -> dict[tuple[int, str], list[Specialist]]:
    found: dict[tuple[int, str], list[Specialist]] = {}
    query = (
        select(Specialist)
        .where(col(Specialist.provider_id).in_(list(provider_ids)))
        .order_by(col(Specialist.id))
    )
    for specialist in session.exec(query):
        found.setdefault((specialist.provider_id, fold(specialist.name)), []).append(specialist)
    return found


def _find_specialist(
    row: Row,
    name_column: str,
    number: int,
    providers: Mapping[str, int],
    people: Mapping[tuple[int, str], list[Specialist]],
    problems: list[Problem],
) -> tuple[int | None, Specialist | None, bool]:
    """(provider id, the stored specialist or None, whether the reference is usable)."""
    code = _code(row.get("provider_registry_code"))
    name = row.get(name_column, "").strip()
    provider_id = providers.get(code)
    if provider_id is None:
        problems.append(
            Problem(number, "provider_registry_code", "import.provider_not_found", {"code": code})
        )
        return None, None, False
    matches = people.get((provider_id, fold(name)), [])
    if len(matches) > 1:
        problems.append(
            Problem(
                number, name_column, "import.specialist_ambiguous", {"code": code, "name": name}
            )
        )
        return provider_id, None, False
    return provider_id, (matches[0] if matches else None), True


def _plan_specialists(session: Session, table: Table) -> tuple[list[_Planned], list[Problem]]:
    problems: list[Problem] = list(table.problems)
    providers = _providers_by_code(session, table)
    people = _specialists_by_name(session, providers.values())
    planned = []
    for number, row in table.rows:
        given = _given("specialists", number, row, problems)
        provider_id, target, usable = _find_specialist(
            row, "name", number, providers, people, problems
        )
        data = _specialist_base(target) if target is not None else {}
        data.update(given)
        values = _validate(SpecialistInput, _specialist_values, data, number, problems)
        if values is not None and usable:
            planned.append(_planned(number, values, target, provider_id))
    return planned, problems


def _specialist_base(specialist: Specialist) -> dict[str, Any]:
    return {
        "name": specialist.name,
        "profession": specialist.profession,
        "email": specialist.email or None,
        "languages": list(specialist.languages),
        "counties": list(specialist.counties),
        "active": specialist.active,
    }


def _plan_qualifications(session: Session, table: Table) -> tuple[list[_Planned], list[Problem]]:
    problems: list[Problem] = list(table.problems)
    providers = _providers_by_code(session, table)
    people = _specialists_by_name(session, providers.values())
    specialist_ids = [s.id for group in people.values() for s in group if s.id is not None]
    stored: dict[tuple[int, str, str], Qualification] = {}
    query = (
        select(Qualification)
        .where(col(Qualification.specialist_id).in_(specialist_ids))
        .order_by(col(Qualification.id))
    )
    for qualification in session.exec(query):
        key = (
            qualification.specialist_id,
            qualification.kind,
            fold(qualification.certificate_number),
        )
        stored.setdefault(key, qualification)
    planned = []
    for number, row in table.rows:
        given = _given("qualifications", number, row, problems)
        _provider_id, specialist, usable = _find_specialist(
            row, "specialist_name", number, providers, people, problems
        )
        if usable and specialist is None:
            problems.append(
                Problem(
                    number,
                    "specialist_name",
                    "import.specialist_not_found",
                    {
                        "code": _code(row.get("provider_registry_code")),
                        "name": row.get("specialist_name", "").strip(),
                    },
                )
            )
            usable = False
        target = None
        if specialist is not None and "kind" in given:
            target = stored.get(
                (specialist.id or 0, given["kind"], fold(given.get("certificate_number", "")))
            )
        data = _qualification_base(target) if target is not None else {}
        data.update(given)
        values = _validate(QualificationInput, _qualification_checked, data, number, problems)
        if values is not None and usable and specialist is not None:
            planned.append(_planned(number, values, target, specialist.id))
    return planned, problems


def _qualification_checked(data: QualificationInput) -> dict[str, Any]:
    return _qualification_values(data)


def _qualification_base(qualification: Qualification) -> dict[str, Any]:
    return {
        "kind": qualification.kind,
        "certificate_number": qualification.certificate_number,
        "eqf_level": qualification.eqf_level,
        "issuer": qualification.issuer,
        "valid_from": qualification.valid_from,
        "valid_until": qualification.valid_until,
        "document_ref": qualification.document_ref,
    }


PLANNERS: dict[str, Callable[[Session, Table], tuple[list[_Planned], list[Problem]]]] = {
    "providers": _plan_providers,
    "specialists": _plan_specialists,
    "qualifications": _plan_qualifications,
}


def _read(kind: str, data: bytes, filename: str) -> Table:
    return read_table(data, filename, columns_of(kind), key=KEYS[kind], collect_row_problems=True)


def _sorted(problems: Iterable[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.row or 0, p.column or ""))


def preview_import(
    session: Session, actor: Actor, *, kind: str, data: bytes, filename: str
) -> ImportPreview:
    """Read and check a file without writing anything."""
    require(session, actor, Permission.IMPORT_DATA, action="provider_io.preview_import")
    try:
        table = _read(kind, data, filename)
    except TableRefused as refused:
        frame = pd.DataFrame(columns=["row", "action"])
        return ImportPreview(kind, frame, _sorted(refused.items), [])
    planned, problems = PLANNERS[kind](session, table)
    action = {item.row: item.action for item in planned}
    bad_rows = {problem.row for problem in problems}
    records = [
        {
            "row": number,
            "action": "error" if number in bad_rows else action.get(number, "error"),
            **{name: row.get(name, "") for name in table.columns},
        }
        for number, row in table.rows
    ]
    frame = pd.DataFrame(records, columns=["row", "action", *table.columns])
    return ImportPreview(kind, frame, _sorted(problems), list(table.columns))


@write_service(Permission.IMPORT_DATA)
def run_import(
    session: Session,
    actor: Actor,
    *,
    kind: str,
    data: bytes,
    filename: str,
    progress: Progress | None = None,
) -> ImportResult:
    """Check every row again and save all of them in the caller's transaction, or none."""
    report = progress or _no_progress
    report(0.0, "read")
    table = _read(kind, data, filename)
    report(0.1, "check")
    planned, problems = PLANNERS[kind](session, table)
    if problems:
        raise TableRefused(_sorted(problems))
    total = max(len(planned), 1)
    for done, item in enumerate(planned, start=1):
        _save(session, actor, kind, item)
        if done % 25 == 0 or done == len(planned):
            report(0.1 + 0.9 * done / total, "save")
    result = ImportResult(
        kind,
        created=sum(1 for item in planned if item.action == "create"),
        updated=sum(1 for item in planned if item.action == "update"),
        unchanged=sum(1 for item in planned if item.action == "unchanged"),
    )
    audit.record(
        session,
        actor,
        "import",
        table=_TABLE[kind],
        fields=[
            f"kind={kind}",
            f"rows={result.rows}",
            f"created={result.created}",
            f"updated={result.updated}",
            f"unchanged={result.unchanged}",
        ],
    )
    report(1.0, "done")
    return result


_TABLE = {"providers": "provider", "specialists": "specialist", "qualifications": "qualification"}
_MODEL: dict[str, type[Any]] = {
    "providers": Provider,
    "specialists": Specialist,
    "qualifications": Qualification,
}
_PARENT = {"specialists": "provider_id", "qualifications": "specialist_id"}


def _save(session: Session, actor: Actor, kind: str, item: _Planned) -> None:
    if item.action == "unchanged":
        return
    changed = list(item.changed)
    if item.action == "create":
        extra = {_PARENT[kind]: item.parent_id} if kind in _PARENT else {}
        record = _MODEL[kind](**item.values, **extra)
        session.add(record)
    else:
        record = item.target
        for name in changed:
            setattr(record, name, item.values[name])
        if (
            kind == "qualifications"
            and set(changed) & VERIFICATION_FIELDS
            and record.verified_at is not None
        ):
            # As in the form: a changed qualification needs verifying again.
            record.verified_at, record.verified_by_id = None, None
            changed += ["verified_at", "verified_by_id"]
    session.flush()
    audit.record_write(
        session,
        actor,
        f"import.{_TABLE[kind]}",
        table=_TABLE[kind],
        record_id=record.id,
        fields=changed,
    )


# --- templates and exports ---------------------------------------------------------------


def template_file(kind: str, lang: str, fmt: Format) -> bytes:
    """The header row of `kind` in `lang` (Estonian or English), as CSV or XLSX."""
    return template(columns_of(kind), lang, fmt, sheet_title=t(f"io.kind.{kind}", lang))


def _label(value: str, enum_name: str, lang: str) -> str:
    text = enum_label(value, lang, enum_name)
    return value if text.startswith("enum.") else text


def _labels(values: Sequence[str], enum_name: str, lang: str) -> str:
    return ", ".join(_label(value, enum_name, lang) for value in values)


_today = local_today


def _header(names: Sequence[str], lang: str) -> list[str]:
    specs = {spec.name: spec for spec in PROVIDER_COLUMNS}
    return [specs[name].header(lang) for name in names]


def _provider_row(detail: ProviderDetail, lang: str) -> list[object]:
    active = [person for person in detail.specialists if person.active]
    return [
        detail.name,
        detail.registry_code,
        _label(detail.legal_form, "LegalForm", lang),
        detail.contact_person,
        detail.email,
        detail.phone,
        detail.address,
        _labels(detail.counties, "County", lang),
        _labels(detail.languages, "Language", lang),
        _labels(detail.service_forms, "ServiceForm", lang),
        detail.notes,
        _label(detail.onboarding_status, "OnboardingStatus", lang),
        f"{detail.steps_done}/{len(STEP_ORDER)}",
        len(active),
        sum(1 for person in active if person.eligibility.eligible),
        t("io.yes" if detail.readiness.ready else "io.no", lang),
    ]


def export_providers(
    session: Session, actor: Actor, *, fmt: Format, lang: str, on: date | None = None
) -> bytes:
    """The coordinator's whole provider list with readable labels; audited, caller commits.

    Its columns are the import columns and a few read-only ones, so a corrected export can
    be imported again.
    """
    require(session, actor, Permission.EXPORT_RECORDS, action="provider_io.export_providers")
    details = all_details(session, actor, on=on or _today())
    header = _header([spec.name for spec in PROVIDER_COLUMNS], lang)
    content = write_table(
        fmt,
        header,
        (_provider_row(d, lang) for d in details),
        sheet_title=t("io.kind.providers", lang),
    )
    audit.record(
        session,
        actor,
        "export",
        table="provider",
        fields=["list=providers", f"format={fmt}", f"rows={len(details)}"],
    )
    return content


def public_list(session: Session, actor: Actor, *, on: date | None = None) -> list[ProviderDetail]:
    """Active providers that may receive referrals now: the ones the public may be shown."""
    filters = ProviderFilter(status=OnboardingStatus.ACTIVE.value, compliance="ready")
    details = list_providers(session, actor, filters=filters, on=on or _today())
    return [
        d for d in details if d.onboarding_status == OnboardingStatus.ACTIVE and d.readiness.ready
    ]


def export_public_list(
    session: Session, actor: Actor, *, fmt: Format, lang: str, on: date | None = None
) -> bytes:
    """Name, counties, languages, service forms and contact of the active, ready providers."""
    require(session, actor, Permission.EXPORT_RECORDS, action="provider_io.export_public_list")
    details = public_list(session, actor, on=on)
    rows = [
        [
            d.name,
            _labels(d.counties, "County", lang),
            _labels(d.languages, "Language", lang),
            _labels(d.service_forms, "ServiceForm", lang),
            d.email,
            d.phone,
        ]
        for d in details
    ]
    content = write_table(
        fmt, _header(PUBLIC_COLUMNS, lang), rows, sheet_title=t("io.sheet.public_list", lang)
    )
    audit.record(
        session,
        actor,
        "export",
        table="provider",
        fields=["list=public", f"format={fmt}", f"lang={lang}", f"rows={len(rows)}"],
    )
    return content


def message_keys() -> set[str]:
    """Every message key this module and core.tabular can produce (checked by the tests)."""
    keys = {spec.label_key for specs in COLUMNS.values() for spec in specs}
    keys |= {f"io.kind.{kind}" for kind in KINDS}
    models: tuple[type[BaseModel], ...] = (ProviderInput, SpecialistInput, QualificationInput)
    keys |= {f"import.invalid.{name}" for model in models for name in model.model_fields}
    keys |= {
        "import.invalid.value",
        "import.invalid.kind_of_file",
        "import.invalid_date",
        "import.invalid_boolean",
        "import.unknown_value",
        "import.provider_not_found",
        "import.specialist_not_found",
        "import.specialist_ambiguous",
        "import.invalid.valid_until_before_from",
        "import.invalid.certificate_number_required",
        "import.file.empty",
        "import.file.too_large",
        "import.file.too_many_rows",
        "import.file.old_excel",
        "import.file.not_xlsx",
        "import.file.binary",
        "import.file.encoding",
        "import.file.double_encoded",
        "import.file.csv_broken",
        "import.file.no_header",
        "import.file.no_rows",
        "import.column.missing",
        "import.column.unknown",
        "import.column.duplicate",
        "import.column.unnamed",
        "import.row.too_many_cells",
        "import.cell.formula",
        "import.row.duplicate_key",
        "io.yes",
        "io.no",
        "io.sheet.public_list",
    }
    return keys
