"""Import of cases, sessions and outcome measures from the case system's CSV or XLSX export.

Three kinds, one file each: `cases` (upserted by case key), `sessions` (by session key) and
`outcomes` (by case key, instrument and time point). Sessions and outcomes refer to cases
that are already stored, so cases come first. Which file column feeds which field is
detected from the headers (Estonian, English and common aliases) or given explicitly.

The path is built for a million rows: the file is parsed by pandas into compact columns
(categories for repeated values), every distinct cell text is checked once and the result
spread over its rows, stored rows are loaded as key -> values arrays and compared
column-wise, and writes go in batches of plain INSERT / UPDATE statements. Nothing is
written unless every row is good, and nothing at all when nothing changed (so a re-import
leaves the data version alone). Problems name the spreadsheet row (the header is row 1)
and the field.

Semantics of cells: a column the file leaves out keeps the stored value when a row updates
a record; an empty cell in an optional column stores "none" (a case's cap: the cap that
applies on the decision date, from the dated cap table).
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import re
import time
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, Literal, TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import (
    String,
    Table,
    bindparam,
    func,
    insert,
    literal_column,
    select,
    type_coerce,
    update,
)
from sqlmodel import Session, SQLModel, col

from core import audit
from core.errors import ValidationFailed
from core.i18n import t
from core.models import (
    AgeBand,
    ClientCap,
    Gender,
    Instrument,
    InstrumentThreshold,
    Provider,
    ReferralSource,
    TimePoint,
    VictimCategory,
)
from core.permissions import Actor, Permission, require, write_service
from core.services import provider_io
from core.tabular import (
    CONTROL_CHARACTERS,
    FORMULA_PREFIXES,
    OLE_MAGIC,
    XLSX_MAGIC,
    ColumnSpec,
    Format,
    Problem,
    TableRefused,
    double_encoded,
    enum_vocabulary,
    fold,
    formula_like,
    template,
)

Kind = Literal["cases", "sessions", "outcomes"]
KINDS: tuple[Kind, ...] = ("cases", "sessions", "outcomes")
Progress = Callable[[float, str], None]

MAX_BYTES = 200 * 1024 * 1024  # a million sessions is about 70 MB of CSV
MAX_ROWS = 2_000_000
XLSX_MAX_ROWS = 100_000  # openpyxl reads about 40,000 rows a second: larger exports as CSV
XLSX_MAX_UNPACKED = 600 * 1024 * 1024
MAX_LISTED_PROBLEMS = 1000
PREVIEW_ROWS = 50
KEY_LENGTH = 40
MINUTES = (1, 600)
BATCH = 20_000
IN_CHUNK = 2_000  # keys per IN (...) when only some stored rows are needed
FULL_SCAN_FROM = 20_000  # from this many keys on, read the whole table instead
NONE = -1  # "no value" in integer columns (ids, cents, day numbers are never negative)
DELIMITERS = (";", ",", "\t")


def _no_progress(_fraction: float, _message: str) -> None:
    return None


# --- fields ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    """One field of a kind: its column (header names), how a cell is read, and whether a
    cell may be empty. `type` is one of key, case, provider, date, money, int, enum."""

    column: ColumnSpec
    type: str
    enum: str = ""
    blank_ok: bool = False

    @property
    def name(self) -> str:
        return self.column.name

    @property
    def required(self) -> bool:
        return self.column.required


def _spec(
    name: str,
    type_: str,
    aliases: tuple[str, ...],
    *,
    required: bool = True,
    enum: str = "",
    blank_ok: bool = False,
) -> FieldSpec:
    return FieldSpec(ColumnSpec(name, f"cio.col.{name}", aliases, required), type_, enum, blank_ok)


_CASE_KEY_ALIASES = (
    "juhtum",
    "juhtumi nr",
    "juhtumi number",
    "juhtumi id",
    "juhtumi võti",
    "kliendi kood",
    "case",
    "case id",
    "case no",
    "case number",
    "client key",
)
_PROVIDER_ALIASES = (
    "registrikood",
    "teenuseosutaja",
    "teenuseosutaja kood",
    "provider",
    "provider code",
    "registry code",
)

FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    "cases": (
        _spec("case_key", "key", _CASE_KEY_ALIASES),
        _spec(
            "referral_date",
            "date",
            ("suunamise kp", "suunatud", "suunamiskuupäev", "referral", "referred on"),
        ),
        _spec(
            "referral_source",
            "enum",
            ("suunamise allikas", "kust suunati", "allikas", "source", "referred by"),
            enum="ReferralSource",
        ),
        _spec(
            "victim_category",
            "enum",
            ("ohvri kategooria", "kategooria", "ohvri tüüp", "category", "victim type"),
            enum="VictimCategory",
        ),
        _spec("county", "enum", ("elukoha maakond", "region"), enum="County"),
        _spec("language", "enum", ("teenuse keel", "suhtluskeel"), enum="Language"),
        _spec("age_band", "enum", ("vanus", "vanusegrupp", "age", "age group"), enum="AgeBand"),
        _spec("gender", "enum", ("sex",), enum="Gender"),
        _spec(
            "decision_date",
            "date",
            ("otsuse kp", "otsus", "otsustatud", "decision", "decided on"),
            blank_ok=True,
        ),
        _spec(
            "cap",
            "money",
            ("piirmäär", "piirsumma", "limiit", "cap eur", "limit"),
            required=False,
            blank_ok=True,
        ),
        _spec(
            "provider_registry_code", "provider", _PROVIDER_ALIASES, required=False, blank_ok=True
        ),
        _spec(
            "closed_date",
            "date",
            ("lõpetatud", "suletud", "closed", "closed on", "end date"),
            required=False,
            blank_ok=True,
        ),
    ),
    "sessions": (
        _spec("session_key", "key", ("seanss", "seansi nr", "seansi id", "session", "session id")),
        _spec("case_key", "case", _CASE_KEY_ALIASES),
        _spec("provider_registry_code", "provider", _PROVIDER_ALIASES),
        _spec("session_date", "date", ("kuupäev", "seansi kp", "date")),
        _spec("minutes", "int", ("kestus", "minutid", "duration", "pikkus")),
        _spec("form", "enum", ("teenuse vorm", "service form", "mode"), enum="ServiceForm"),
        _spec("cost", "money", ("maksumus", "hind", "summa", "price", "amount")),
    ),
    "outcomes": (
        _spec("case_key", "case", _CASE_KEY_ALIASES),
        _spec(
            "instrument",
            "enum",
            ("mõõdik", "küsimustik", "test", "questionnaire"),
            enum="Instrument",
        ),
        _spec(
            "time_point",
            "enum",
            ("ajahetk", "mõõtmise hetk", "timepoint", "when"),
            enum="TimePoint",
        ),
        _spec("score", "int", ("tulemus", "punktid", "points")),
        _spec("measured_on", "date", ("kuupäev", "mõõdetud", "date", "measured")),
    ),
}
_TABLE_NAME = {"cases": "case", "sessions": "therapy_session", "outcomes": "outcome_measure"}


def fields_of(kind: str) -> tuple[FieldSpec, ...]:
    if kind not in FIELDS:
        raise ValidationFailed([("kind", "import.invalid.kind_of_file", {})])
    return FIELDS[kind]


def columns_of(kind: str) -> tuple[ColumnSpec, ...]:
    return tuple(spec.column for spec in fields_of(kind))


def field_header(kind: str, name: str | None, lang: str) -> str:
    """The header of a field in `lang`, for naming it in a problem or a preview."""
    for spec in FIELDS.get(kind, ()):
        if spec.name == name:
            return spec.column.header(lang)
    return name or ""


def _table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


# --- vocabularies --------------------------------------------------------------------------

_WORDS: dict[str, dict[str, str]] = {
    "ReferralSource": {
        "ohvriabitöötaja": "victim_support_worker",
        "ohvriabi töötaja": "victim_support_worker",
        "ohvriabi": "victim_support_worker",
        "victim support": "victim_support_worker",
        "victim support worker": "victim_support_worker",
        "politsei": "police",
        "ppa": "police",
        "prokuratuur": "prosecutor",
        "prokurör": "prosecutor",
        "kohalik omavalitsus": "local_government",
        "omavalitsus": "local_government",
        "kov": "local_government",
        "local government": "local_government",
        "municipality": "local_government",
        "tervishoid": "healthcare",
        "tervishoiuasutus": "healthcare",
        "arst": "healthcare",
        "perearst": "healthcare",
        "health care": "healthcare",
        "varjupaik": "shelter",
        "turvakodu": "shelter",
        "ise": "self",
        "pöördus ise": "self",
        "self referral": "self",
        "self referred": "self",
        "muu": "other",
    },
    "VictimCategory": {
        "kuritegu": "crime",
        "kuriteoohver": "crime",
        "victim of crime": "crime",
        "lähisuhtevägivald": "domestic_violence",
        "perevägivald": "domestic_violence",
        "domestic violence": "domestic_violence",
        "seksuaalvägivald": "sexual_violence",
        "sexual violence": "sexual_violence",
        "pereliige": "family_member",
        "ohvri pereliige": "family_member",
        "family member": "family_member",
        "tunnistaja": "witness",
    },
    "AgeBand": {
        "alla 18": "0-17",
        "<18": "0-17",
        "under 18": "0-17",
        "65 ja vanem": "65+",
        "65 ja vanemad": "65+",
        "65 and over": "65+",
        "65 or older": "65+",
    },
    "Gender": {
        "naine": "female",
        "n": "female",
        "f": "female",
        "woman": "female",
        "mees": "male",
        "m": "male",
        "man": "male",
        "muu": "other",
        "teadmata": "unknown",
        "määramata": "unknown",
    },
    "Instrument": {
        "pcl5": "PCL-5",
        "core10": "CORE-10",
        "phq9": "PHQ-9",
        "gad7": "GAD-7",
        "eek2": "EEK-2",
    },
    "TimePoint": {
        "algus": "start",
        "alguses": "start",
        "teraapia algus": "start",
        "baseline": "start",
        "enne": "start",
        "pre": "start",
        "lõpp": "end",
        "lõpus": "end",
        "teraapia lõpp": "end",
        "pärast": "end",
        "post": "end",
        "järelkontroll": "follow_up",
        "järelmõõtmine": "follow_up",
        "followup": "follow_up",
    },
}
_ENUMS: dict[str, type[StrEnum]] = {
    "ReferralSource": ReferralSource,
    "VictimCategory": VictimCategory,
    "AgeBand": AgeBand,
    "Gender": Gender,
    "Instrument": Instrument,
    "TimePoint": TimePoint,
}
_SHARED = {"County", "Language", "ServiceForm"}  # read as the provider import reads them


@functools.cache
def vocabulary(enum_name: str) -> dict[str, str]:
    """Folded word -> code: codes, member names, catalogue labels in every language and
    common spellings; a word that could mean two codes is left out."""
    return enum_vocabulary(_ENUMS[enum_name], enum_name, _WORDS.get(enum_name))


def resolve(enum_name: str, text: str) -> str | None:
    """The code a cell means (a code, or an Estonian or English name), or None."""
    if enum_name in _SHARED:
        return provider_io.resolve(enum_name, text)
    folded = fold(text)
    return vocabulary(enum_name).get(folded) or vocabulary(enum_name).get(folded.replace(" ", ""))


# --- reading single cells ------------------------------------------------------------------


class _Bad(Exception):
    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key, self.params = key, params


_DATE_ET = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})\.?$")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T][\d:.]+)?$")
_MONEY = re.compile(r"^(\d+)(?:[.,](\d{1,2}))?$")
_INTEGER = re.compile(r"^(\d+)(?:[.,]0+)?$")
_SPACES = re.compile(r"[\s\u00a0\u202f']")


def unquote(value: str) -> str:
    """Our exports prefix formula-like text with an apostrophe; take back a harmless one."""
    rest = value[1:]
    if value.startswith("'") and rest[:1] in ("+", "-") and not formula_like(rest):
        return rest
    return value


def _cell(text: str) -> str:
    value = unquote(text.strip())
    if formula_like(value):
        raise _Bad("import.cell.formula", char=value[0])
    return value


def parse_date(text: str) -> int:
    """A day number (date.toordinal) from 24.11.2026 or 2026-11-24."""
    try:
        if match := _DATE_ET.match(text):
            day, month, year = (int(part) for part in match.groups())
            return date(year, month, day).toordinal()
        if match := _DATE_ISO.match(text):
            year, month, day = (int(part) for part in match.groups())
            return date(year, month, day).toordinal()
    except ValueError:
        pass
    raise _Bad("import.invalid_date", value=text)


def parse_money(text: str) -> int:
    """Cents from "1 234,50", "1234.50", "1.234,50 €" or "€1,234.50"."""
    value = _SPACES.sub("", text.replace("€", "").replace("EUR", "").replace("eur", ""))
    if "," in value and "." in value:
        decimal = "," if value.rfind(",") > value.rfind(".") else "."
        value = value.replace("." if decimal == "," else ",", "")
    match = _MONEY.match(value)
    if not match:
        raise _Bad("cio.invalid.money", value=text)
    euros, cents = match.groups()
    return int(euros) * 100 + int((cents or "0").ljust(2, "0"))


def parse_integer(text: str) -> int:
    match = _INTEGER.match(_SPACES.sub("", text))
    if not match:
        raise _Bad("cio.invalid.integer", value=text)
    return int(match.group(1))


def _registry_code(text: str) -> str:
    return re.sub(r"\s", "", text)


# --- the file ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileColumns:
    """The header of a file: its columns, which field each was detected for, and headers
    that occur more than once."""

    columns: list[str]
    detected: dict[str, str | None]
    duplicates: list[str]


@dataclass
class _Header:
    cells: list[str]  # stripped header cells, by position
    row: int  # spreadsheet row of the header
    fmt: Format
    encoding: str | None = None
    delimiter: str | None = None
    skip_lines: int = 0  # lines before the header (CSV)
    xlsx_rows: list[tuple[int, list[str]]] | None = None  # the body, when XLSX


def _refuse(key: str, **params: Any) -> TableRefused:
    return TableRefused([Problem(None, None, key, params)])


def _check_size(data: bytes) -> None:
    if not data or not data.strip():
        raise _refuse("import.file.empty")
    if len(data) > MAX_BYTES:
        raise _refuse("import.file.too_large", limit=MAX_BYTES // 2**20)


def _choose_delimiter(line: str, known: set[str]) -> str:
    def score(delimiter: str) -> tuple[int, int]:
        cells = next(csv.reader([line], delimiter=delimiter), [])
        return sum(1 for cell in cells if fold(cell) in known), len(cells)

    return max(DELIMITERS, key=score)


def _known_headers() -> set[str]:
    return {name for specs in FIELDS.values() for spec in specs for name in spec.column.accepted()}


_BLOCK = 4 * 1024 * 1024


def _decode_blocks(data: bytes, encoding: str) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder(encoding)()
    view = memoryview(data)
    for start in range(0, len(data), _BLOCK):
        yield decoder.decode(view[start : start + _BLOCK], final=start + _BLOCK >= len(data))


def _encoding(data: bytes) -> tuple[str, str]:
    """The encoding of a CSV file and its first block of text, checked as core.tabular's
    decode_text checks it, but a block at a time: a 70 MB file is never held as text."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    elif b"\x00" in data:
        raise _refuse("import.file.binary")
    else:
        candidates = ["utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8", "cp1257"]
    for encoding in candidates:
        head = ""
        try:
            for number, text in enumerate(_decode_blocks(data, encoding)):
                if number == 0:
                    head = text
                if CONTROL_CHARACTERS.search(text):
                    raise _refuse("import.file.encoding")
                if encoding.startswith("utf-8") and double_encoded(text):
                    raise _refuse("import.file.double_encoded")
        except UnicodeDecodeError:
            continue
        return encoding, head
    raise _refuse("import.file.encoding")


def _csv_header(data: bytes) -> _Header:
    encoding, head = _encoding(data)
    skip = 0
    line = ""
    for candidate in _first_lines(head):
        if candidate.strip():
            line = candidate
            break
        skip += 1
    if not line:
        raise _refuse("import.file.no_header")
    delimiter = _choose_delimiter(line, _known_headers())
    cells = next(csv.reader([line], delimiter=delimiter), [])
    return _Header([cell.strip() for cell in cells], skip + 1, "csv", encoding, delimiter, skip)


def _first_lines(text: str, limit: int = 1000) -> Iterator[str]:
    start = 0
    for _ in range(limit):
        end = text.find("\n", start)
        yield text[start:] if end < 0 else text[start:end].rstrip("\r")
        if end < 0:
            return
        start = end + 1


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _xlsx_header(data: bytes, *, body: bool, report: Progress = _no_progress) -> _Header:
    """The first sheet's header and, with `body`, its rows as text (openpyxl, read-only:
    some 5,000 rows a second, hence XLSX_MAX_ROWS)."""
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
        if unpacked > XLSX_MAX_UNPACKED:
            raise _refuse("import.file.too_large", limit=MAX_BYTES // 2**20)
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except TableRefused:
        raise
    except Exception as error:  # zipfile, XML and openpyxl errors alike
        raise _refuse("import.file.not_xlsx") from error
    try:
        header: list[str] | None = None
        header_row = 0
        rows: list[tuple[int, list[str]]] = []
        sheet = workbook.worksheets[0]
        expected = min(sheet.max_row or XLSX_MAX_ROWS, XLSX_MAX_ROWS) if body else 0
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell_text(value).strip() for value in values]
            if number % 5000 == 0 and expected:
                report(0.1 * min(1.0, number / expected), "read")
            if header is None:
                if any(cells):
                    header, header_row = cells, number
                    if not body:
                        break
                continue
            if any(cells):
                if len(rows) >= XLSX_MAX_ROWS:
                    raise _refuse("cio.file.xlsx_too_many_rows", limit=XLSX_MAX_ROWS)
                rows.append((number, cells))
    except TableRefused:
        raise
    except Exception as error:
        raise _refuse("import.file.not_xlsx") from error
    finally:
        workbook.close()
    if header is None:
        raise _refuse("import.file.no_header")
    while header and not header[-1]:
        header.pop()
    return _Header(header, header_row, "xlsx", xlsx_rows=rows if body else None)


def _header(
    data: bytes, filename: str, *, body: bool = False, report: Progress = _no_progress
) -> _Header:
    """The file's header row; with `body`, an XLSX file's rows too (CSV bodies are read by
    pandas later). Raises TableRefused for a file that cannot be read."""
    _check_size(data)
    if data.startswith(XLSX_MAGIC):
        return _xlsx_header(data, body=body, report=report)
    if data.startswith(OLE_MAGIC):
        raise _refuse("import.file.old_excel")
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise _refuse("import.file.not_xlsx")
    return _csv_header(data)


def detect(kind: str, header: Sequence[str]) -> tuple[dict[str, str | None], list[str]]:
    """Which header feeds which field (first match wins), and the later headers that name
    a field already found (columns no field uses may repeat: they are never read)."""
    specs = fields_of(kind)
    by_name: dict[str, str] = {}
    for spec in specs:
        for name in spec.column.accepted():
            by_name.setdefault(name, spec.name)
    detected: dict[str, str | None] = {spec.name: None for spec in specs}
    twice: list[str] = []
    for cell in header:
        found = by_name.get(fold(cell)) if cell else None
        if found is None:
            continue
        if detected[found] is None:
            detected[found] = cell
        else:
            twice.append(cell)
    return detected, twice


def inspect_file(kind: str, data: bytes, filename: str) -> FileColumns:
    """Read only the header: the file's columns and the detected mapping (no permission
    needed: nothing from the database is read). Raises TableRefused for an unreadable file."""
    header = _header(data, filename)
    detected, twice = detect(kind, header.cells)
    return FileColumns([cell for cell in header.cells if cell], detected, twice)


def _positions(
    kind: str, header: _Header, mapping: Mapping[str, str | None] | None
) -> dict[str, int]:
    """Field -> column position in the file; refuses a mapping that cannot work."""
    specs = fields_of(kind)
    problems: list[Problem] = []
    if mapping is None:
        chosen, twice = detect(kind, header.cells)
        for cell in twice:
            found = next(
                (s.name for s in specs if fold(cell) in s.column.accepted()),
                None,
            )
            problems.append(Problem(header.row, found, "import.column.duplicate", {"header": cell}))
    else:
        chosen = {spec.name: (mapping.get(spec.name) or None) for spec in specs}
    positions: dict[str, int] = {}
    used: dict[str, str] = {}
    for spec in specs:
        wanted = chosen.get(spec.name)
        if wanted is None:
            if spec.required:
                problems.append(Problem(header.row, spec.name, "import.column.missing"))
            continue
        places = [index for index, cell in enumerate(header.cells) if cell == wanted]
        if not places:
            problems.append(
                Problem(header.row, spec.name, "cio.mapping.not_in_file", {"header": wanted})
            )
        elif len(places) > 1 and mapping is not None:
            problems.append(
                Problem(header.row, spec.name, "import.column.duplicate", {"header": wanted})
            )
        elif wanted in used:
            problems.append(Problem(header.row, spec.name, "cio.mapping.twice", {"header": wanted}))
        else:
            positions[spec.name] = places[0]
            used[wanted] = spec.name
    if problems:
        raise TableRefused(problems)
    return positions


@dataclass
class _Cells:
    """The body of a file: one text column per mapped field, and each row's number."""

    frame: pd.DataFrame
    rows: np.ndarray  # spreadsheet row numbers
    problems: list[Problem] = field(default_factory=list)  # rows with surplus cells


def _read_body(kind: str, data: bytes, header: _Header, positions: dict[str, int]) -> _Cells:
    key_fields = {spec.name for spec in fields_of(kind) if spec.type == "key"}
    if header.fmt == "xlsx":
        assert header.xlsx_rows is not None
        width = len(header.cells)
        surplus = [
            Problem(number, None, "import.row.too_many_cells")
            for number, cells in header.xlsx_rows
            if any(cells[width:])
        ]
        columns = {
            name: pd.Series(
                [cells[index] if index < len(cells) else "" for _, cells in header.xlsx_rows],
                dtype="str" if name in key_fields else "category",
            )
            for name, index in positions.items()
        }
        frame = pd.DataFrame(columns)
        rows = np.array([number for number, _ in header.xlsx_rows], dtype=np.int64)
        return _Cells(frame, rows, surplus)

    order = sorted(positions.items(), key=lambda item: item[1])
    dtypes = {index: ("str" if name in key_fields else "category") for name, index in order}
    try:
        frame = pd.read_csv(
            io.BytesIO(data),
            sep=header.delimiter,
            header=None,
            skiprows=header.skip_lines,
            usecols=[index for _, index in order],
            dtype=dtypes,
            na_filter=False,
            skip_blank_lines=False,
            encoding=header.encoding,
            engine="c",
            low_memory=True,
        )
    except (pd.errors.ParserError, ValueError, UnicodeDecodeError) as error:
        line = re.search(r"(?:row|line) (\d+)", str(error))
        where = header.row + int(line.group(1)) if line else None
        raise TableRefused([Problem(where, None, "import.file.csv_broken")]) from error
    frame.columns = [name for name, _ in order]
    frame = frame.iloc[1:]  # the header row itself
    for name in frame.columns:
        if isinstance(frame[name].dtype, pd.CategoricalDtype):
            frame[name] = frame[name].cat.remove_unused_categories()
    rows = np.arange(header.row + 1, header.row + 1 + len(frame), dtype=np.int64)
    surplus = _surplus_rows(data, header)
    return _Cells(frame.reset_index(drop=True), rows, surplus)


def _surplus_rows(data: bytes, header: _Header) -> list[Problem]:
    """Rows with more cells than the header has (a value with an unquoted delimiter).

    pandas drops such cells silently, so they are counted here: by NumPy on the bytes, a
    block at a time, when no cell is quoted (one line is one row then), else with the csv
    module, streaming."""
    if header.encoding in ("utf-8", "utf-8-sig", "cp1257") and b'"' not in data:
        return _surplus_lines(data, header)
    assert header.delimiter is not None
    width = len(header.cells)
    found: list[Problem] = []
    stream = io.TextIOWrapper(io.BytesIO(data), encoding=header.encoding, newline="")
    reader = csv.reader(stream, delimiter=header.delimiter)
    try:
        for number, cells in enumerate(reader, start=1):
            if len(cells) > width and number > header.row and any(c.strip() for c in cells[width:]):
                found.append(Problem(number, None, "import.row.too_many_cells"))
                if len(found) >= MAX_LISTED_PROBLEMS:
                    break
    except csv.Error as error:
        raise TableRefused(
            [Problem(reader.line_num or None, None, "import.file.csv_broken")]
        ) from error
    return found


def _surplus_lines(data: bytes, header: _Header) -> list[Problem]:
    assert header.delimiter is not None
    width = len(header.cells)
    raw = np.frombuffer(data, dtype=np.uint8)
    delimiter = ord(header.delimiter)
    found: list[Problem] = []
    lines_before, start = 0, 0
    while start < len(data) and len(found) < MAX_LISTED_PROBLEMS:
        end = min(start + _BLOCK, len(data))
        if end < len(data):
            cut = data.rfind(b"\n", start, end)
            if cut < 0:
                cut = data.find(b"\n", end)
            end = cut + 1 if cut >= 0 else len(data)
        block = raw[start:end]
        ends = np.flatnonzero(block == 10)
        if not len(ends) or ends[-1] != len(block) - 1:
            ends = np.append(ends, len(block))
        cuts = np.flatnonzero(block == delimiter)
        counts = np.diff(np.searchsorted(cuts, ends), prepend=0)
        for index in np.flatnonzero(counts >= width).tolist():
            number = lines_before + index + 1
            first = 0 if index == 0 else int(ends[index - 1]) + 1
            text = bytes(block[first : int(ends[index])]).decode(header.encoding or "utf-8")
            cells = next(csv.reader([text.rstrip("\r")], delimiter=header.delimiter), [])
            if number > header.row and any(cell.strip() for cell in cells[width:]):
                found.append(Problem(number, None, "import.row.too_many_cells"))
        lines_before += len(ends)
        start = end
    return found[:MAX_LISTED_PROBLEMS]


# --- checking: every distinct cell text once -----------------------------------------------


class _Problems:
    """Row problems of a whole file, kept compactly (a million may be wrong at once)."""

    def __init__(self, rows: np.ndarray, order: Sequence[str]) -> None:
        self.rows = rows
        self.bad = np.zeros(len(rows), dtype=bool)
        self._order = {name: index for index, name in enumerate(order)}
        self._parts: list[tuple[np.ndarray, str | None, Callable[[int], tuple[str, dict]]]] = []
        self.fixed: list[Problem] = []

    def add(
        self,
        indices: np.ndarray,
        column: str | None,
        message: Callable[[int], tuple[str, dict[str, Any]]],
    ) -> None:
        if len(indices):
            self.bad[indices] = True
            self._parts.append((indices, column, message))

    def add_same(
        self, indices: np.ndarray, column: str | None, key: str, params: dict[str, Any]
    ) -> None:
        """The same message for every row in `indices`."""

        def message(_index: int) -> tuple[str, dict[str, Any]]:
            return key, params

        self.add(indices, column, message)

    def count(self) -> int:
        return len(self.fixed) + sum(len(indices) for indices, _, _ in self._parts)

    def listed(self, limit: int | None = None) -> list[Problem]:
        """The first `limit` problems in row order, and a last line saying how many more."""
        limit = limit or MAX_LISTED_PROBLEMS
        if not self._parts and not self.fixed:
            return []
        candidates: list[tuple[int, int, int, int]] = []  # row, column order, part, index
        for part, (indices, column, _) in enumerate(self._parts):
            head = indices[np.argsort(self.rows[indices], kind="stable")[:limit]]
            rank = self._order.get(column or "", len(self._order))
            candidates += [(int(self.rows[i]), rank, part, int(i)) for i in head]
        candidates.sort()
        problems = [
            Problem(row, self._parts[part][1], *self._parts[part][2](index))
            for row, _rank, part, index in candidates[:limit]
        ]
        problems = sorted(self.fixed + problems, key=lambda p: p.row or 0)[:limit]
        total = self.count()
        if total > len(problems):
            more = total - len(problems)
            problems.append(Problem(None, None, "cio.more_problems", {"count": more}))
        return problems


def _distinct(series: pd.Series) -> tuple[np.ndarray, list[str]]:
    """(code of each row, distinct texts); categories are used as they are."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy(dtype=np.int64)
        return codes, [str(value) for value in series.cat.categories]
    codes, uniques = pd.factorize(series, sort=False)
    return codes.astype(np.int64), [str(value) for value in uniques]


@dataclass
class _Column:
    values: list[Any]  # per distinct text
    errors: list[tuple[str, dict[str, Any]] | None]


def _read_distinct(
    texts: list[str], spec: FieldSpec, parse: Callable[[str], Any], blank: Any
) -> _Column:
    values: list[Any] = []
    errors: list[tuple[str, dict[str, Any]] | None] = []
    for text in texts:
        try:
            value = _cell(text)
            if not value:
                if not spec.blank_ok:
                    raise _Bad("cio.value_required")
                values.append(blank)
            else:
                values.append(parse(value))
            errors.append(None)
        except _Bad as bad:
            values.append(blank)
            errors.append((bad.key, bad.params))
    return _Column(values, errors)


def _spread(
    column: _Column,
    codes: np.ndarray,
    name: str,
    problems: _Problems,
    dtype: Any,
) -> np.ndarray:
    distinct = np.array(column.values, dtype=dtype) if column.values else np.array([], dtype)
    wrong = np.array([error is not None for error in column.errors], dtype=bool)
    if wrong.any():
        errors = column.errors
        indices = np.flatnonzero(wrong[codes])

        def message(index: int) -> tuple[str, dict[str, Any]]:
            found = errors[codes[index]]
            assert found is not None
            return found

        problems.add(indices, name, message)
    if not len(codes):
        return np.array([], dtype=dtype)
    return distinct[codes]


Keys: TypeAlias = pd.Series | np.ndarray  # key texts (Arrow strings), or integer keys


def _keys(series: pd.Series, name: str, problems: _Problems) -> pd.Series:
    """Key texts, checked column-wise and kept as Arrow strings: a million keys as Python
    strings would cost some 70 MB more, twice (the file's and the stored ones)."""
    text = series.astype("str").str.strip().reset_index(drop=True)
    blank = (text == "").to_numpy(dtype=bool)
    problems.add_same(np.flatnonzero(blank), name, "cio.value_required", {})
    long = (text.str.len() > KEY_LENGTH).to_numpy(dtype=bool)
    problems.add_same(np.flatnonzero(long), name, "cio.invalid.key", {"limit": KEY_LENGTH})
    maybe = np.flatnonzero(text.str[:1].isin([*FORMULA_PREFIXES, "'"]).to_numpy(dtype=bool))
    if len(maybe):
        unquoted = [unquote(value) for value in text.iloc[maybe].tolist()]
        text.iloc[maybe] = unquoted
        formulas = maybe[np.array([formula_like(value) for value in unquoted], dtype=bool)]
        chars = dict(zip(maybe.tolist(), (value[:1] for value in unquoted), strict=True))
        problems.add(
            formulas, name, lambda i: ("import.cell.formula", {"char": chars.get(int(i), "=")})
        )
    return text


def _take(values: Keys, indices: np.ndarray | slice) -> list[Any]:
    if isinstance(values, pd.Series):
        return list(values.iloc[indices].tolist())
    return list(values[indices].tolist())


def _duplicates(keys: Keys, usable: np.ndarray, name: str | None, problems: _Problems) -> None:
    """Refuse the second and later rows of a key, naming the first row."""
    positions = np.flatnonzero(usable)
    if not len(positions):
        return
    if isinstance(keys, pd.Series):
        encoded = _arrow_strings(keys.iloc[positions]).dictionary_encode()
        codes = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    else:
        codes, _uniques = pd.factorize(keys[positions])
    # Codes are numbered in order of first appearance: a row repeats a key when its code is
    # not above every code before it; the k-th first appearance is where code k starts.
    before = np.maximum.accumulate(np.concatenate(([-1], codes[:-1])))
    repeated = codes <= before
    if not repeated.any():
        return
    first_of_row = np.flatnonzero(~repeated)[codes]
    first_of = dict(
        zip(positions[repeated].tolist(), positions[first_of_row[repeated]].tolist(), strict=True)
    )
    rows = problems.rows
    problems.add(
        positions[repeated],
        name,
        lambda i: ("import.row.duplicate_key", {"first_row": int(rows[first_of[int(i)]])}),
    )


def _arrow_strings(values: pd.Series | pa.Array | pa.ChunkedArray) -> pa.Array:
    """One Arrow string array (pandas may hold a column as several chunks)."""
    found = pa.array(values.array) if isinstance(values, pd.Series) else values
    if isinstance(found, pa.ChunkedArray):
        found = found.combine_chunks()
    return found.cast(pa.large_string())


def _positions_of(keys: Keys, stored: pa.Array | np.ndarray) -> np.ndarray:
    """For each key, its position among the stored keys (-1: not stored)."""
    if not len(stored) or not len(keys):
        return np.full(len(keys), -1, dtype=np.int64)
    if isinstance(keys, pd.Series):
        found = pc.index_in(_arrow_strings(keys), value_set=_arrow_strings(stored))
        return np.asarray(found.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
    return np.asarray(pd.Index(stored).get_indexer(keys), dtype=np.int64)


# --- loading stored rows -----------------------------------------------------------------


_EPOCH = date(1970, 1, 1).toordinal()
_DATE_COLUMNS = {
    "referral_date",
    "decision_date",
    "closed_date",
    "session_date",
    "measured_on",
    "first_session_date",
}
_TEXT_COLUMNS = {
    "session_key",
    "case_key",
    "referral_source",
    "victim_category",
    "county",
    "language",
    "age_band",
    "gender",
    "form",
    "instrument",
    "time_point",
}


def _ordinals(values: Sequence[date | str | None] | np.ndarray) -> np.ndarray:
    """Day numbers (date.toordinal) of dates as a driver returns them (SQLite: ISO text)."""
    texts = [None if v is None else str(v)[:10] for v in values]
    days = np.array(texts, dtype="datetime64[D]")
    return np.where(np.isnat(days), NONE, days.astype(np.int64) + _EPOCH)


def _column(name: str, values: np.ndarray, arrow: bool, shared: dict[str, str]) -> Any:
    """One column of a batch of stored rows (an object array) in the plan's representation."""
    if arrow:
        return pa.array(values, type=pa.large_string())
    if name in _DATE_COLUMNS:
        return _ordinals(values)
    if name in _TEXT_COLUMNS:
        # One string object per distinct code, not one per row.
        return np.array([shared.setdefault(value, value) for value in values], dtype=object)
    missing = values == None  # noqa: E711 - element-wise on an object array
    if missing.any():
        values = np.where(missing, NONE, values)
    return values.astype(np.int64)


def _select(
    session: Session,
    table: Table,
    columns: Sequence[str],
    *,
    where_column: str | None = None,
    among: Sequence[Any] | None = None,
    arrow: Sequence[str] = (),
) -> dict[str, Any]:
    """Columns of the stored rows (those whose `where_column` is among `among`; all rows
    when `among` is None), as NumPy arrays in the plan's representation (day numbers, NONE
    for no value) or, for the columns named in `arrow`, as Arrow string arrays."""
    # Dates are read as text: SQLite keeps ISO text, and parsing a million of them into
    # date objects one by one costs seconds; PostgreSQL's driver returns dates anyway.
    query = select(
        *(
            type_coerce(table.c[name], String) if name in _DATE_COLUMNS else table.c[name]
            for name in columns
        )
    )
    batches: list[Any]
    if among is None or where_column is None:
        batches = [query]
    else:
        wanted = list(among)
        batches = [
            query.where(table.c[where_column].in_(wanted[start : start + IN_CHUNK]))
            for start in range(0, len(wanted), IN_CHUNK)
        ]
    parts: dict[str, list[Any]] = {name: [] for name in columns}
    shared: dict[str, str] = {}
    for statement in batches:
        for partition in _raw_rows(session, statement):
            grid = np.empty((len(partition), len(columns)), dtype=object)
            grid[:] = partition
            for number, name in enumerate(columns):
                parts[name].append(_column(name, grid[:, number], name in arrow, shared))
    found: dict[str, Any] = {}
    for name, arrays in parts.items():
        if name in arrow:
            found[name] = pa.concat_arrays(arrays) if arrays else pa.array([], pa.large_string())
        elif arrays:
            found[name] = np.concatenate(arrays)
        else:
            found[name] = np.array([], dtype=object if name in _TEXT_COLUMNS else np.int64)
    return found


def _raw_rows(session: Session, statement: Any, size: int = 100_000) -> Iterator[Sequence[Any]]:
    """Rows of a SELECT as the driver returns them (tuples, no per-value processing), a
    batch at a time: for a million rows this halves the time SQLAlchemy's rows take."""
    connection = session.connection()
    dialect = connection.dialect
    compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    params: Any = compiled.params
    if compiled.positional:
        params = tuple(compiled.params[name] for name in compiled.positiontup or ())
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(str(compiled), params)
        while batch := cursor.fetchmany(size):
            yield batch
    finally:
        cursor.close()


def _whole_table(session: Session, table: Table, keys: int) -> bool:
    """Read the whole table rather than look `keys` keys up with IN (...)? Faster when they
    are a good part of it (measured on SQLite: a million keys by IN 9 s, whole table 4 s;
    100,000 of a million by IN 0.7 s)."""
    if keys < FULL_SCAN_FROM:
        return False
    stored = session.execute(select(func.count()).select_from(table)).scalar_one()
    return keys * 3 >= int(stored)


def _among(session: Session, table: Table, values: Keys, usable: np.ndarray) -> list[Any] | None:
    """The keys to look up with IN (...), or None: read the whole table."""
    if _whole_table(session, table, int(usable.sum())):
        return None
    return list(dict.fromkeys(_take(values, np.flatnonzero(usable))))


def _providers(session: Session, codes: list[str]) -> dict[str, int]:
    query = select(col(Provider.registry_code), col(Provider.id)).where(
        col(Provider.registry_code).in_(codes)
    )
    return {code: int(provider_id) for code, provider_id in session.execute(query) if provider_id}


def _case_ids(session: Session, keys: list[str]) -> dict[str, int]:
    table = _table("case")
    among = None if _whole_table(session, table, len(keys)) else keys
    stored = _select(session, table, ["case_key", "id"], where_column="case_key", among=among)
    return dict(zip(stored["case_key"].tolist(), stored["id"].tolist(), strict=True))


def _caps(session: Session) -> tuple[np.ndarray, np.ndarray]:
    rows = session.execute(
        select(col(ClientCap.valid_from), col(ClientCap.amount_cents)).order_by(
            col(ClientCap.valid_from)
        )
    ).all()
    return (
        np.array([row[0].toordinal() for row in rows], dtype=np.int64),
        np.array([row[1] for row in rows], dtype=np.int64),
    )


def _cap_for(decisions: np.ndarray, caps: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    starts, amounts = caps
    if not len(starts):
        return np.full(len(decisions), NONE, dtype=np.int64)
    place = np.searchsorted(starts, decisions, side="right") - 1
    result = np.where(place >= 0, amounts[np.clip(place, 0, None)], NONE)
    return np.where(decisions == NONE, NONE, result).astype(np.int64)


# --- the plan: each row checked, and compared with what is stored ---------------------------


@dataclass
class _Plan:
    kind: str
    rows: np.ndarray  # spreadsheet row numbers
    values: dict[str, np.ndarray]  # database column -> value per row (NONE: no value)
    compared: list[str]  # database columns the file sets on an update
    problems: _Problems
    action: np.ndarray  # per row: "new", "changed", "unchanged", "error"
    ids: np.ndarray  # stored id per row, NONE when new or bad
    old_case: np.ndarray | None = None  # sessions: the stored case id of a changed row
    parsed: dict[str, np.ndarray] = field(default_factory=dict)  # field -> value per row
    head: dict[str, list[str]] = field(default_factory=dict)  # first rows' keys and codes

    def count(self, action: str) -> int:
        return int((self.action == action).sum())


_DTYPE = {
    "date": np.int64,
    "money": np.int64,
    "int": np.int64,
    "enum": object,
    "provider": object,
    "case": object,
}
_BLANK = {"date": NONE, "money": NONE, "int": NONE, "enum": "", "provider": "", "case": ""}
_PARSE: dict[str, Callable[[FieldSpec], Callable[[str], Any]]] = {
    "date": lambda _spec: parse_date,
    "money": lambda _spec: parse_money,
    "int": lambda _spec: parse_integer,
    "provider": lambda _spec: _registry_code,
    "case": lambda _spec: lambda text: _check_key_length(text),
    "enum": lambda spec: _enum_parser(spec.enum),
}


def _check_key_length(text: str) -> str:
    if len(text) > KEY_LENGTH:
        raise _Bad("cio.invalid.key", limit=KEY_LENGTH)
    return text


def _enum_parser(enum_name: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        code = resolve(enum_name, text)
        if code is None:
            raise _Bad("import.unknown_value", value=text)
        return code

    return parse


def _check_cells(
    session: Session, kind: str, cells: _Cells, report: Progress
) -> tuple[dict[str, np.ndarray], _Problems, dict[str, list[str]]]:
    """Each mapped field read into one array (database representation), the problems,
    and the first rows' case keys and registry codes as written (for the preview)."""
    specs = [spec for spec in fields_of(kind) if spec.name in cells.frame.columns]
    problems = _Problems(cells.rows, [spec.name for spec in fields_of(kind)])
    problems.fixed.extend(cells.problems)
    parsed: dict[str, np.ndarray] = {}
    head: dict[str, list[str]] = {}
    for number, spec in enumerate(specs):
        series = cells.frame[spec.name]
        if spec.type == "key":
            parsed[spec.name] = _keys(series, spec.name, problems)
        else:
            codes, texts = _distinct(series)
            column = _read_distinct(texts, spec, _PARSE[spec.type](spec), _BLANK[spec.type])
            if spec.type in ("provider", "case"):
                head[spec.name] = [str(column.values[code]) for code in codes[:PREVIEW_ROWS]]
            if spec.type == "provider":
                column = _look_up(
                    column,
                    _providers(session, [v for v in column.values if v]),
                    lambda code: ("import.provider_not_found", {"code": code}),
                )
            elif spec.type == "case":
                column = _look_up(
                    column,
                    _case_ids(session, [v for v in column.values if v]),
                    lambda key: ("cio.case_not_found", {"case_key": key}),
                )
            dtype = np.int64 if spec.type in ("provider", "case") else _DTYPE[spec.type]
            parsed[spec.name] = _spread(column, codes, spec.name, problems, dtype)
        report(0.15 + 0.25 * (number + 1) / len(specs), "check")
    return parsed, problems, head


def _look_up(
    column: _Column, ids: Mapping[str, int], missing: Callable[[str], tuple[str, dict]]
) -> _Column:
    values: list[Any] = []
    errors: list[tuple[str, dict[str, Any]] | None] = []
    for value, error in zip(column.values, column.errors, strict=True):
        if error is not None or not value:
            values.append(NONE)
            errors.append(error)
        elif value in ids:
            values.append(ids[value])
            errors.append(None)
        else:
            values.append(NONE)
            errors.append(missing(value))
    return _Column(values, errors)


def _compare(
    kind: str,
    keys: Keys,
    values: dict[str, Any],
    compared: Sequence[str],
    stored: dict[str, Any],
    stored_keys: pa.Array | np.ndarray,
    problems: _Problems,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(action per row, stored id per row, stored position per row)."""
    count = len(keys)
    good = ~problems.bad
    position = _positions_of(keys, stored_keys)
    position[~good] = -1
    ids = np.full(count, NONE, dtype=np.int64)
    hit = position >= 0
    stored_ids = stored["id"]
    ids[hit] = stored_ids[position[hit]]
    changed = np.zeros(count, dtype=bool)
    for name in compared:
        if not hit.any():
            break
        before = stored[name]
        changed[hit] |= np.asarray(values[name][hit] != before[position[hit]], dtype=bool)
    action = np.full(count, "error", dtype=object)
    action[good & ~hit] = "new"
    action[hit & changed] = "changed"
    action[hit & ~changed] = "unchanged"
    return action, ids, position


def _blank(series: pd.Series) -> np.ndarray:
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes, texts = _distinct(series)
        if not texts:
            return np.ones(len(series), dtype=bool)
        return np.array([not text.strip() for text in texts], dtype=bool)[codes]
    return (series.astype("str").str.strip() == "").to_numpy()


def _plan(
    session: Session,
    kind: str,
    data: bytes,
    header: _Header,
    mapping: Mapping[str, str | None] | None,
    report: Progress,
) -> _Plan:
    positions = _positions(kind, header, mapping)
    cells = _read_body(kind, data, header, positions)
    report(0.1, "read")
    blank = np.ones(len(cells.frame), dtype=bool)
    for name in cells.frame.columns:
        blank &= _blank(cells.frame[name])
    if blank.any():
        keep = ~blank
        cells = _Cells(cells.frame[keep].reset_index(drop=True), cells.rows[keep], cells.problems)
    if not len(cells.frame):
        raise _refuse("import.file.no_rows")
    if len(cells.frame) > MAX_ROWS:
        raise _refuse("import.file.too_many_rows", limit=MAX_ROWS)
    parsed, problems, head = _check_cells(session, kind, cells, report)
    report(0.4, "compare")
    plan = {"cases": _plan_cases, "sessions": _plan_sessions, "outcomes": _plan_outcomes}[kind]
    result = plan(session, parsed, problems, cells.rows)
    result.parsed, result.head = parsed, head
    report(0.5, "compare")
    return result


def _plan_cases(
    session: Session, parsed: dict[str, np.ndarray], problems: _Problems, rows: np.ndarray
) -> _Plan:
    keys = parsed["case_key"]
    referral = parsed["referral_date"]
    for name, key in (
        ("decision_date", "cio.invalid.decision_before_referral"),
        ("closed_date", "cio.invalid.closed_before_referral"),
    ):
        if name in parsed:
            other = parsed[name]
            wrong = (other != NONE) & (referral != NONE) & (other < referral)
            problems.add_same(np.flatnonzero(wrong), name, key, {})
    _duplicates(keys, (keys != "").to_numpy(dtype=bool), "case_key", problems)
    values: dict[str, Any] = {
        "case_key": keys,
        "referral_date": referral,
        **{
            name: parsed[name]
            for name in (
                "referral_source",
                "victim_category",
                "county",
                "language",
                "age_band",
                "gender",
                "decision_date",
            )
        },
    }
    compared = [name for name in values if name != "case_key"]
    caps = _caps(session)
    derived = _cap_for(values["decision_date"], caps)
    if "cap" in parsed:
        given = parsed["cap"]
        values["cap_cents"] = np.where(given == NONE, derived, given)
        compared.append("cap_cents")
    else:
        values["cap_cents"] = derived  # new cases only; stored cases keep theirs
    for name, column in (("provider_registry_code", "provider_id"), ("closed_date", "closed_date")):
        if name in parsed:
            values[column] = parsed[name]
            compared.append(column)
    stored = _select(
        session,
        _table("case"),
        ["id", "case_key", *compared],
        where_column="case_key",
        among=_among(session, _table("case"), keys, ~problems.bad),
        arrow=["case_key"],
    )
    action, ids, _ = _compare("cases", keys, values, compared, stored, stored["case_key"], problems)
    return _Plan("cases", rows, values, compared, problems, action, ids)


def _plan_sessions(
    session: Session, parsed: dict[str, np.ndarray], problems: _Problems, rows: np.ndarray
) -> _Plan:
    keys = parsed["session_key"]
    minutes = parsed["minutes"]
    low, high = MINUTES
    wrong = (minutes != NONE) & ((minutes < low) | (minutes > high))
    problems.add_same(
        np.flatnonzero(wrong), "minutes", "cio.invalid.minutes", {"min": low, "max": high}
    )
    _duplicates(keys, (keys != "").to_numpy(dtype=bool), "session_key", problems)
    values: dict[str, Any] = {
        "session_key": keys,
        "case_id": parsed["case_key"],
        "provider_id": parsed["provider_registry_code"],
        "session_date": parsed["session_date"],
        "minutes": minutes,
        "form": parsed["form"],
        "cost_cents": parsed["cost"],
    }
    compared = ["case_id", "provider_id", "session_date", "minutes", "form", "cost_cents"]
    stored = _select(
        session,
        _table("therapy_session"),
        ["id", "session_key", *compared],
        where_column="session_key",
        among=_among(session, _table("therapy_session"), keys, ~problems.bad),
        arrow=["session_key"],
    )
    action, ids, position = _compare(
        "sessions", keys, values, compared, stored, stored["session_key"], problems
    )
    old_case = np.full(len(keys), NONE, dtype=np.int64)
    hit = position >= 0
    if hit.any():
        old_case[hit] = stored["case_id"][position[hit]]
    plan = _Plan("sessions", rows, values, compared, problems, action, ids)
    plan.old_case = old_case
    return plan


def _plan_outcomes(
    session: Session, parsed: dict[str, np.ndarray], problems: _Problems, rows: np.ndarray
) -> _Plan:
    case_ids = parsed["case_key"]
    instruments = parsed["instrument"]
    scores = parsed["score"]
    limits = {
        row.instrument: (row.score_min, row.score_max)
        for row in session.execute(select(InstrumentThreshold)).scalars()
    }
    for instrument, (low, high) in limits.items():
        wrong = (instruments == instrument) & (scores != NONE) & ((scores < low) | (scores > high))
        params = {"instrument": instrument, "min": low, "max": high}
        problems.add_same(np.flatnonzero(wrong), "score", "cio.invalid.score", params)
    keys = _outcome_keys(case_ids, instruments, parsed["time_point"])
    usable = (case_ids != NONE) & (instruments != "") & (parsed["time_point"] != "")
    _duplicates(keys, usable, None, problems)
    values: dict[str, Any] = {
        "case_id": case_ids,
        "instrument": instruments,
        "time_point": parsed["time_point"],
        "score": scores,
        "measured_on": parsed["measured_on"],
    }
    compared = ["score", "measured_on"]
    stored = _select(
        session,
        _table("outcome_measure"),
        ["id", "case_id", "instrument", "time_point", *compared],
        where_column="case_id",
        among=_among(session, _table("outcome_measure"), case_ids, ~problems.bad),
    )
    stored_keys = _outcome_keys(stored["case_id"], stored["instrument"], stored["time_point"])
    action, ids, _ = _compare("outcomes", keys, values, compared, stored, stored_keys, problems)
    return _Plan("outcomes", rows, values, compared, problems, action, ids)


_INSTRUMENTS = {member.value: number for number, member in enumerate(Instrument, start=1)}
_TIME_POINTS = {member.value: number for number, member in enumerate(TimePoint, start=1)}


def _outcome_keys(case_ids: np.ndarray, instruments: np.ndarray, points: np.ndarray) -> np.ndarray:
    """One integer per (case, instrument, time point)."""
    instrument = np.array([_INSTRUMENTS.get(v, 0) for v in instruments.tolist()], dtype=np.int64)
    point = np.array([_TIME_POINTS.get(v, 0) for v in points.tolist()], dtype=np.int64)
    return np.asarray(case_ids, dtype=np.int64) * 64 + instrument * 8 + point


# --- results -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseImportPreview:
    """What an import would do. `mapping` is the field -> file column used (detected when no
    mapping was given); `frame` holds the first rows as they would be saved (row, action and
    one column per mapped field: dates as date, money in cents, codes as codes); `problems`
    lists at most MAX_LISTED_PROBLEMS row problems, `problem_count` all of them."""

    kind: str
    file_columns: list[str]
    mapping: dict[str, str | None]
    detected: dict[str, str | None]
    frame: pd.DataFrame
    rows: int
    new: int
    changed: int
    unchanged: int
    errors: int
    problems: list[Problem]
    problem_count: int

    @property
    def ok(self) -> bool:
        return not self.problems and self.rows > 0

    @property
    def fields(self) -> list[str]:
        return [name for name in self.frame.columns if name not in ("row", "action")]


@dataclass(frozen=True)
class CaseImportResult:
    kind: str
    new: int
    changed: int
    unchanged: int
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return self.new + self.changed + self.unchanged


def _preview_frame(plan: _Plan, limit: int) -> pd.DataFrame:
    """The first rows as they would be saved: dates as dates, money in cents, codes."""
    specs = [spec for spec in fields_of(plan.kind) if spec.name in plan.parsed]
    head = slice(0, limit)
    columns: dict[str, list[Any]] = {
        "row": plan.rows[head].tolist(),
        "action": plan.action[head].tolist(),
    }
    for spec in specs:
        if spec.name in plan.head:  # case keys and registry codes as the file says them
            columns[spec.name] = [text or None for text in plan.head[spec.name][:limit]]
            continue
        values = _take(plan.parsed[spec.name], head)
        if spec.type == "date":
            columns[spec.name] = [None if v == NONE else date.fromordinal(v) for v in values]
        elif spec.type in ("money", "int"):
            columns[spec.name] = [None if v == NONE else v for v in values]
        else:
            columns[spec.name] = [v or None for v in values]
    return pd.DataFrame(columns)


def preview_import(
    session: Session,
    actor: Actor,
    *,
    kind: str,
    data: bytes,
    filename: str,
    mapping: Mapping[str, str | None] | None = None,
    progress: Progress | None = None,
) -> CaseImportPreview:
    """Read, check and compare a file without writing anything."""
    require(session, actor, Permission.IMPORT_DATA, action="case_io.preview_import")
    specs = fields_of(kind)
    report = progress or _no_progress
    empty = pd.DataFrame(columns=["row", "action"])
    try:
        report(0.0, "read")
        header = _header(data, filename, body=True, report=report)
    except TableRefused as refused:
        return CaseImportPreview(
            kind, [], {}, {}, empty, 0, 0, 0, 0, 0, refused.items, len(refused.items)
        )
    detected, _twice = detect(kind, header.cells)
    used = dict(detected) if mapping is None else {s.name: mapping.get(s.name) for s in specs}
    file_columns = [cell for cell in header.cells if cell]
    try:
        plan = _plan(session, kind, data, header, mapping, report)
    except TableRefused as refused:
        return CaseImportPreview(
            kind,
            file_columns,
            used,
            detected,
            empty,
            0,
            0,
            0,
            0,
            0,
            refused.items,
            len(refused.items),
        )
    frame = _preview_frame(plan, PREVIEW_ROWS)
    return CaseImportPreview(
        kind,
        file_columns,
        used,
        detected,
        frame,
        len(plan.rows),
        plan.count("new"),
        plan.count("changed"),
        plan.count("unchanged"),
        int(plan.problems.bad.sum()),
        plan.problems.listed(),
        plan.problems.count(),
    )


# --- writing -------------------------------------------------------------------------------


class _Writer:
    """Batched INSERT and UPDATE by id in the caller's transaction.

    On SQLite the statements go to the driver's executemany with values already in the
    form SQLAlchemy stores (ISO dates, naive UTC timestamps): a million rows save in about
    half the time of SQLAlchemy's per-value processing. Elsewhere SQLAlchemy Core does it.
    """

    def __init__(self, session: Session, table: Table) -> None:
        self.connection = session.connection()
        self.table = table
        self.sqlite = self.connection.dialect.name == "sqlite"
        self.now = datetime.now(UTC)
        self.stamp: Any = (
            self.now.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
            if self.sqlite
            else self.now
        )

    def values(self, name: str, values: Keys, part: np.ndarray) -> list[Any]:
        """One column's values for the rows `part`, as the database takes them."""
        taken = _take(values, part)
        if name in _DATE_COLUMNS:
            day = _iso_day if self.sqlite else _day
            return [None if v == NONE else day(v) for v in taken]
        if name in ("cap_cents", "provider_id"):
            return [None if v == NONE else v for v in taken]
        return taken

    def _driver(self, statement: Any, names: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        """Run a statement compiled once with positional parameters over many rows."""
        compiled = statement.compile(dialect=self.connection.dialect)
        order = [names.index(name) for name in compiled.positiontup]
        params = [tuple(row[i] for i in order) for row in rows]
        self.connection.exec_driver_sql(str(compiled), params)

    def insert(self, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        names = [*columns, "created_at", "updated_at", "version"]
        full = [(*row, self.stamp, self.stamp, 1) for row in rows]
        if self.sqlite:
            statement = insert(self.table).values({name: bindparam(name) for name in names})
            self._driver(statement, names, full)
        else:
            batch = [dict(zip(names, row, strict=True)) for row in full]
            self.connection.execute(insert(self.table), batch)

    def update(self, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        """`rows` are (id, *values of columns); the version advances, as in a form save."""
        names = ["_id", *(f"_{name}" for name in columns), "_updated_at"]
        statement = (
            update(self.table)
            .where(self.table.c.id == bindparam("_id"))
            .values(
                {name: bindparam(f"_{name}") for name in columns}
                | {
                    "version": self.table.c.version + literal_column("1"),
                    "updated_at": bindparam("_updated_at"),
                }
            )
        )
        full = [(*row, self.stamp) for row in rows]
        if self.sqlite:
            self._driver(statement, names, full)
        else:
            self.connection.execute(statement, [dict(zip(names, row, strict=True)) for row in full])


@functools.lru_cache(maxsize=100_000)
def _day(ordinal: int) -> date:
    return date.fromordinal(ordinal)


@functools.lru_cache(maxsize=100_000)
def _iso_day(ordinal: int) -> str:
    return date.fromordinal(ordinal).isoformat()


class _BiggerCache:
    """SQLite: a 64 MB page cache while a large import updates the indexes (inserting a
    million sessions takes a third less time); the connection's own size comes back."""

    PAGES_KIB = 65_536

    def __init__(self, session: Session, rows: int) -> None:
        self.connection = session.connection()
        self.active = self.connection.dialect.name == "sqlite" and rows >= FULL_SCAN_FROM
        self.before: Any = None

    def __enter__(self) -> None:
        if self.active:
            self.before = self.connection.exec_driver_sql("PRAGMA cache_size").scalar()
            self.connection.exec_driver_sql(f"PRAGMA cache_size = -{self.PAGES_KIB}")

    def __exit__(self, *_exc: object) -> None:
        if self.active and self.before is not None:
            self.connection.exec_driver_sql(f"PRAGMA cache_size = {int(self.before)}")


def _insert_new(
    session: Session,
    plan: _Plan,
    columns: Sequence[str],
    extra: Mapping[str, Any],
    report: Progress,
) -> int:
    writer = _Writer(session, _table(_TABLE_NAME[plan.kind]))
    chosen = np.flatnonzero(plan.action == "new")
    names = [*columns, *extra]
    constants = [[value] * BATCH for value in extra.values()]
    for start in range(0, len(chosen), BATCH):
        part = chosen[start : start + BATCH]
        lists = [writer.values(name, plan.values[name], part) for name in columns]
        lists += [values[: len(part)] for values in constants]
        writer.insert(names, list(zip(*lists, strict=True)))
        report(0.5 + 0.4 * min(1.0, (start + len(part)) / max(len(chosen), 1)), "save")
    return len(chosen)


def _update_changed(session: Session, plan: _Plan, columns: Sequence[str], report: Progress) -> int:
    writer = _Writer(session, _table(_TABLE_NAME[plan.kind]))
    chosen = np.flatnonzero(plan.action == "changed")
    for start in range(0, len(chosen), BATCH):
        part = chosen[start : start + BATCH]
        lists = [writer.values(name, plan.values[name], part) for name in columns]
        writer.update(columns, list(zip(plan.ids[part].tolist(), *lists, strict=True)))
        report(0.5 + 0.4 * min(1.0, (start + len(part)) / len(chosen)), "save")
    return len(chosen)


def _first_sessions(session: Session, case_ids: np.ndarray, report: Progress) -> int:
    """Set each affected case's first-session date to its earliest stored session."""
    report(0.95, "first_sessions")
    wanted = sorted({int(i) for i in case_ids if i != NONE})
    if not wanted:
        return 0
    sessions = _table("therapy_session")
    cases = _table("case")
    query = select(
        sessions.c.case_id, type_coerce(func.min(sessions.c.session_date), String)
    ).group_by(sessions.c.case_id)
    chunks = (
        [query]
        if len(wanted) >= FULL_SCAN_FROM
        else [
            query.where(sessions.c.case_id.in_(wanted[start : start + IN_CHUNK]))
            for start in range(0, len(wanted), IN_CHUNK)
        ]
    )
    found: list[tuple[int, str]] = []
    for statement in chunks:
        found.extend((int(case_id), first) for case_id, first in session.execute(statement))
    days = _ordinals([first for _, first in found]).tolist()
    earliest = dict(zip([case_id for case_id, _ in found], days, strict=True))
    among = None if len(wanted) >= FULL_SCAN_FROM else wanted
    stored = _select(session, cases, ["id", "first_session_date"], where_column="id", among=among)
    selected = set(wanted)
    ids, firsts = [], []
    for case_id, current in zip(
        stored["id"].tolist(), stored["first_session_date"].tolist(), strict=True
    ):
        if case_id in selected and earliest.get(case_id, NONE) != current:
            ids.append(case_id)
            firsts.append(earliest.get(case_id, NONE))
    writer = _Writer(session, cases)
    values = np.array(firsts, dtype=np.int64)
    for start in range(0, len(ids), BATCH):
        part = np.arange(start, min(start + BATCH, len(ids)))
        column = writer.values("first_session_date", values, part)
        writer.update(
            ["first_session_date"], list(zip(ids[start : start + BATCH], column, strict=True))
        )
    return len(ids)


_NEW_COLUMNS = {
    "cases": [
        "case_key",
        "referral_date",
        "referral_source",
        "victim_category",
        "county",
        "language",
        "age_band",
        "gender",
        "decision_date",
        "cap_cents",
    ],
    "sessions": [
        "session_key",
        "case_id",
        "provider_id",
        "session_date",
        "minutes",
        "form",
        "cost_cents",
    ],
    "outcomes": ["case_id", "instrument", "time_point", "score", "measured_on"],
}


@write_service(Permission.IMPORT_DATA)
def run_import(
    session: Session,
    actor: Actor,
    *,
    kind: str,
    data: bytes,
    filename: str,
    mapping: Mapping[str, str | None] | None = None,
    progress: Progress | None = None,
) -> CaseImportResult:
    """Check every row and save all of them in the caller's transaction, or raise
    TableRefused naming the problems and save nothing. When nothing is new or changed,
    nothing is written at all (no audit entry, no data version change)."""
    started = time.perf_counter()
    report = progress or _no_progress
    report(0.0, "read")
    header = _header(data, filename, body=True, report=report)
    plan = _plan(session, kind, data, header, mapping, report)
    if plan.problems.count():
        raise TableRefused(plan.problems.listed())
    new, changed = plan.count("new"), plan.count("changed")
    unchanged = plan.count("unchanged")
    if new or changed:
        columns = list(_NEW_COLUMNS[kind])
        extra: dict[str, Any] = {}
        if kind == "cases":
            for name in ("provider_id", "closed_date"):
                if name in plan.values:
                    columns.append(name)
                else:
                    extra[name] = None
            extra["first_session_date"] = None
        elif kind == "sessions":
            extra["specialist_id"] = None
        with _BiggerCache(session, new + changed):
            _insert_new(session, plan, columns, extra, report)
            _update_changed(session, plan, plan.compared, report)
            if kind == "sessions":
                touched = np.isin(plan.action, ["new", "changed"])
                affected = plan.values["case_id"][touched]
                if plan.old_case is not None:
                    affected = np.concatenate([affected, plan.old_case[touched]])
                _first_sessions(session, affected, report)
        audit.record_write(
            session,
            actor,
            f"import.{kind}",
            table=_TABLE_NAME[kind],
            record_id=None,
            fields=[f"new={new}", f"changed={changed}"],
        )
    report(1.0, "done")
    return CaseImportResult(kind, new, changed, unchanged, time.perf_counter() - started)


# --- templates -----------------------------------------------------------------------------


def template_file(kind: str, lang: str, fmt: Format) -> bytes:
    """The header row of `kind` in `lang` (Estonian or English), as CSV or XLSX."""
    return template(columns_of(kind), lang, fmt, sheet_title=t(f"cio.kind.{kind}", lang))


def message_keys() -> set[str]:
    """Every message key this module can produce (checked by the tests)."""
    keys = {spec.column.label_key for specs in FIELDS.values() for spec in specs}
    keys |= {f"cio.kind.{kind}" for kind in KINDS}
    keys |= {
        "cio.value_required",
        "cio.invalid.key",
        "cio.invalid.money",
        "cio.invalid.integer",
        "cio.invalid.minutes",
        "cio.invalid.score",
        "cio.invalid.decision_before_referral",
        "cio.invalid.closed_before_referral",
        "cio.case_not_found",
        "cio.mapping.not_in_file",
        "cio.mapping.twice",
        "cio.more_problems",
        "cio.file.xlsx_too_many_rows",
        "import.invalid.kind_of_file",
        "import.invalid_date",
        "import.unknown_value",
        "import.provider_not_found",
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
        "import.column.duplicate",
        "import.row.too_many_cells",
        "import.cell.formula",
        "import.row.duplicate_key",
    }
    return keys
