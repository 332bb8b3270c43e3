"""Import of survey exports (CSV or XLSX) into feedback: column mapping, preview with row
errors, and all-or-nothing saving. Files are read by core.tabular.

A survey tool names its columns as it likes, so the user maps the file's columns to our
fields (a mapping is suggested from the header names); columns left unmapped are ignored.
Source and channel may come from the file or be given once for the whole file. Texts are
checked for personal data (core.pii) and saved redacted; the preview shows the redacted
text and marks the rows where something was replaced.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd
from sqlmodel import Session, select

from core import audit, pii
from core.dates import local_today
from core.i18n import LANGUAGES, enum_label
from core.models import (
    Feedback,
    FeedbackChannel,
    FeedbackSource,
    FeedbackStatus,
    FeedbackTheme,
    Language,
    Provider,
)
from core.permissions import Actor, Permission, require, write_service
from core.tabular import ColumnSpec, Problem, Table, TableRefused, fold, read_table

Progress = Callable[[float, str], None]

FIELDS: tuple[str, ...] = (
    "received_on",
    "source",
    "channel",
    "provider",
    "language",
    "satisfaction",
    "recommend",
    "text",
    "themes",
)
REQUIRED = frozenset({"received_on"})
# Header words that suggest a field (folded); the catalogue labels are added to these.
_ALIASES: dict[str, tuple[str, ...]] = {
    "received_on": ("date", "kuupaev", "timestamp", "ajatempel", "submitted", "vastatud"),
    "source": ("source", "allikas", "kes", "respondent"),
    "channel": ("channel", "kanal"),
    "provider": ("provider", "teenuseosutaja", "registrikood", "registry code"),
    "language": ("language", "keel"),
    "satisfaction": ("satisfaction", "rahulolu", "hinnang", "csat", "rating"),
    "recommend": ("recommend", "nps", "soovitaks", "soovitamine", "likelihood to recommend"),
    "text": ("text", "comment", "comments", "kommentaar", "tekst", "tagasiside", "feedback"),
    "themes": ("themes", "teemad", "teema", "tags", "sildid"),
}
_LIST_SEPARATORS = re.compile(r"[;,\n]")
_DATE_ET = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})\.?(?:\s+[\d:.]+)?$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T][\d:.+Z-]+)?$")


class MappedColumn(ColumnSpec):
    """A column matched only by the header the user chose (not by catalogue names)."""

    def accepted(self) -> set[str]:
        return {fold(alias) for alias in self.aliases}


def _label_key(name: str) -> str:
    return f"field.feedback.{name}"


def file_headers(data: bytes, filename: str) -> list[str]:
    """The header row of a file, for the mapping; refuses a file tabular cannot read."""
    try:
        read_table(data, filename, [])
    except TableRefused as refused:
        unreadable = [p for p in refused.items if p.key != "import.column.unknown"]
        unreadable = [p for p in unreadable if p.key != "import.column.unnamed"]
        if unreadable:
            raise TableRefused(unreadable) from refused
        headers = [str(p.params["header"]) for p in refused.items if "header" in p.params]
        return list(dict.fromkeys(headers))
    return []


def suggest_mapping(headers: list[str]) -> dict[str, str | None]:
    """For each field, the first header that names it in Estonian or English."""
    by_fold = {fold(header): header for header in reversed(headers)}
    mapping: dict[str, str | None] = {}
    used: set[str] = set()
    from core.i18n import t

    for name in FIELDS:
        words = {fold(word) for word in _ALIASES[name]}
        words |= {fold(t(_label_key(name), lang)) for lang in LANGUAGES}
        found = next(
            (by_fold[w] for w in sorted(words) if w in by_fold and by_fold[w] not in used), None
        )
        mapping[name] = found
        if found:
            used.add(found)
    return mapping


def _columns(headers: list[str], mapping: Mapping[str, str | None]) -> list[ColumnSpec]:
    chosen = {header: name for name, header in mapping.items() if header}
    specs: list[ColumnSpec] = [
        MappedColumn(name, _label_key(name), aliases=(header,), required=True)
        for header, name in chosen.items()
    ]
    for number, header in enumerate(headers):
        if header not in chosen:
            specs.append(
                MappedColumn(f"_unused_{number}", "feedback.import.unused", (header,), ignored=True)
            )
    return specs


# --- reading cells -----------------------------------------------------------------------


class _CellError(Exception):
    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key, self.params = key, params


def parse_date(value: str) -> date:
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


def _score(value: str, low: int, high: int) -> int | None:
    if not value:
        return None
    text = value.replace(",", ".").strip()
    try:
        number = float(text)
    except ValueError as error:
        raise _CellError(
            "feedback.import.invalid_score", value=value, low=low, high=high
        ) from error
    if not number.is_integer() or not low <= number <= high:
        raise _CellError("feedback.import.invalid_score", value=value, low=low, high=high)
    return int(number)


def _enum_words(enum: Any, enum_name: str) -> dict[str, str]:
    words: dict[str, str] = {}
    for member in enum:
        words[fold(member.value)] = member.value
        for lang in LANGUAGES:
            words.setdefault(fold(enum_label(member, lang, enum_name)), member.value)
    return words


_VOCABULARY: dict[str, dict[str, str]] = {
    "source": _enum_words(FeedbackSource, "FeedbackSource")
    | {"klient": "client", "ohver": "client", "partner": "partner", "personal": "staff"},
    "channel": _enum_words(FeedbackChannel, "FeedbackChannel")
    | {"kusitlus": "survey", "e mail": "email", "telefon": "phone", "uritus": "event"},
    "language": _enum_words(Language, "Language")
    | {"eesti keel": "et", "vene keel": "ru", "inglise keel": "en", "ukraina keel": "uk"},
}


def _code(kind: str, value: str) -> str:
    found = _VOCABULARY[kind].get(fold(value))
    if found is None:
        raise _CellError("import.unknown_value", value=value)
    return found


@dataclass
class FeedbackImportPreview:
    frame: pd.DataFrame
    problems: list[Problem]
    columns: list[str]
    redacted_rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class _Context:
    providers_by_name: dict[str, int]
    providers_by_code: dict[str, int]
    themes: dict[str, str]
    names: list[str]
    defaults: dict[str, str]
    today: date
    values: list[dict[str, Any]] = field(default_factory=list)


def _context(session: Session, defaults: Mapping[str, str], today: date) -> _Context:
    by_name: dict[str, int] = {}
    by_code: dict[str, int] = {}
    for provider_id, name, code in session.exec(
        select(Provider.id, Provider.name, Provider.registry_code)
    ):
        assert provider_id is not None
        by_name[fold(name)] = provider_id
        by_code[code] = provider_id
    themes = {
        fold(name): name
        for name in session.exec(select(FeedbackTheme.name).where(FeedbackTheme.active == True))  # noqa: E712
    }
    return _Context(by_name, by_code, themes, pii.known_names(session), dict(defaults), today)


def _row_values(
    number: int, row: Mapping[str, str], ctx: _Context
) -> tuple[dict[str, Any], list[Problem], bool]:
    problems: list[Problem] = []
    values: dict[str, Any] = {
        "source": ctx.defaults.get("source", FeedbackSource.CLIENT.value),
        "channel": ctx.defaults.get("channel", FeedbackChannel.SURVEY.value),
        "language": ctx.defaults.get("language", Language.ESTONIAN.value),
        "provider_id": None,
        "satisfaction": None,
        "recommend": None,
        "text": "",
        "themes": [],
    }

    def cell(name: str, parse: Callable[[str], Any]) -> None:
        raw = row.get(name, "")
        if name not in row:
            return
        try:
            result = parse(raw)
        except _CellError as error:
            problems.append(Problem(number, name, error.key, error.params))
            return
        if result is not None:
            values[name] = result

    cell("received_on", lambda v: parse_date(v) if v else _missing())
    cell("source", lambda v: _code("source", v) if v else None)
    cell("channel", lambda v: _code("channel", v) if v else None)
    cell("language", lambda v: _code("language", v) if v else None)
    cell("satisfaction", lambda v: _score(v, 1, 5))
    cell("recommend", lambda v: _score(v, 0, 10))

    def provider(value: str) -> int | None:
        if not value:
            return None
        found = ctx.providers_by_code.get(value.strip()) or ctx.providers_by_name.get(fold(value))
        if found is None:
            raise _CellError("feedback.import.unknown_provider", value=value)
        return found

    if "provider" in row:
        try:
            values["provider_id"] = provider(row["provider"])
        except _CellError as error:
            problems.append(Problem(number, "provider", error.key, error.params))

    def themes(value: str) -> list[str]:
        tokens = [token.strip() for token in _LIST_SEPARATORS.split(value) if token.strip()]
        unknown = [token for token in tokens if fold(token) not in ctx.themes]
        if unknown:
            raise _CellError("import.unknown_value", value=", ".join(unknown))
        return list(dict.fromkeys(ctx.themes[fold(token)] for token in tokens))

    cell("themes", themes)
    redacted = False
    if row.get("text"):
        text = row["text"].strip()
        if len(text) > 8000:
            problems.append(Problem(number, "text", "feedback.import.text_too_long", {}))
        report = pii.scan(text, ctx.names)
        values["text"] = report.redacted
        redacted = not report.clean
    if "received_on" in values and values["received_on"] > ctx.today:
        problems.append(Problem(number, "received_on", "invalid.future_date", {}))
    if values["satisfaction"] is None and values["recommend"] is None and not values["text"]:
        problems.append(Problem(number, None, "invalid.feedback.empty", {}))
    return values, problems, redacted


def _missing() -> Any:
    raise _CellError("feedback.import.required")


def _plan(
    session: Session,
    data: bytes,
    filename: str,
    mapping: Mapping[str, str | None],
    defaults: Mapping[str, str],
    today: date,
) -> tuple[list[tuple[int, dict[str, Any], bool]], list[Problem], Table | None]:
    missing = [name for name in REQUIRED if not mapping.get(name)]
    if missing:
        return [], [Problem(None, name, "feedback.import.map_required") for name in missing], None
    chosen = [header for header in mapping.values() if header]
    if len(chosen) != len(set(chosen)):
        return [], [Problem(None, None, "feedback.import.mapped_twice")], None
    headers = file_headers(data, filename)
    absent = [h for h in chosen if h not in headers]
    if absent:
        return (
            [],
            [Problem(None, None, "import.column.unknown", {"header": h}) for h in absent],
            None,
        )
    table = read_table(data, filename, _columns(headers, mapping), collect_row_problems=True)
    ctx = _context(session, defaults, today)
    planned: list[tuple[int, dict[str, Any], bool]] = []
    problems = list(table.problems)
    for number, row in table.rows:
        values, row_problems, redacted = _row_values(number, row, ctx)
        problems += row_problems
        planned.append((number, values, redacted))
    problems.sort(key=lambda p: (p.row or 0, p.column or ""))
    return planned, problems, table


_today = local_today


def preview_import(
    session: Session,
    actor: Actor,
    *,
    data: bytes,
    filename: str,
    mapping: Mapping[str, str | None],
    defaults: Mapping[str, str] | None = None,
    today: date | None = None,
) -> FeedbackImportPreview:
    """What would be saved, row by row, and every problem; writes nothing."""
    require(session, actor, Permission.IMPORT_DATA, action="feedback_io.preview_import")
    planned, problems, _ = _plan(
        session, data, filename, mapping, defaults or {}, today or _today()
    )
    columns = ["row", "received_on", "source", "channel", "provider_id", "language",
               "satisfaction", "recommend", "themes", "text", "redacted"]  # fmt: skip
    frame = pd.DataFrame(
        [
            {
                "row": number,
                **{k: v for k, v in values.items() if k != "themes"},
                "themes": ", ".join(values["themes"]),
                "redacted": redacted,
            }
            for number, values, redacted in planned
        ],
        columns=columns,
    )
    return FeedbackImportPreview(
        frame, problems, columns, redacted_rows=sum(1 for *_, r in planned if r)
    )


@write_service(Permission.IMPORT_DATA)
def run_import(
    session: Session,
    actor: Actor,
    *,
    data: bytes,
    filename: str,
    mapping: Mapping[str, str | None],
    defaults: Mapping[str, str] | None = None,
    today: date | None = None,
    progress: Progress | None = None,
) -> int:
    """Check every row again and save all of them in the caller's transaction, or none."""
    report = progress or (lambda _fraction, _step: None)
    report(0.0, "read")
    planned, problems, _ = _plan(
        session, data, filename, mapping, defaults or {}, today or _today()
    )
    if problems:
        raise TableRefused(problems)
    report(0.1, "save")
    total = max(len(planned), 1)
    for done, (_number, values, _redacted) in enumerate(planned, start=1):
        session.add(Feedback(**values, status=FeedbackStatus.NEW.value))
        if done % 50 == 0 or done == len(planned):
            session.flush()
            report(0.1 + 0.9 * done / total, "save")
    session.flush()
    audit.record(
        session,
        actor,
        "import",
        table="feedback",
        fields=[f"rows={len(planned)}", f"redacted={sum(1 for *_, r in planned if r)}"],
    )
    audit.bump_data_version(session)
    report(1.0, "done")
    return len(planned)
