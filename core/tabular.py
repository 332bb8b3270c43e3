"""Reading and writing spreadsheet files (CSV, XLSX) for every import and export.

Reading turns an uploaded file into rows of strings keyed by column name, or refuses it
with problems that name the spreadsheet row (the header is row 1) and the column:

- XLSX is recognised by its content (a zip archive), whatever the file is called;
- CSV may be UTF-8 with or without a byte-order mark, UTF-16 with a BOM (Excel's
  "Unicode text"), or Windows-1257 (Baltic); anything else is refused, not guessed;
- the delimiter (comma, semicolon or tab) is the one that makes the header make sense;
- headers are matched case-, space- and accent-insensitively against each column's
  Estonian and English names and aliases; missing required and unknown columns are
  refused by name;
- empty rows are skipped; two rows with the same key are refused naming both rows;
- a cell that a spreadsheet program would run as a formula is refused.

Writing makes CSV (UTF-8 with a BOM and semicolons, as Estonian Excel expects) and XLSX,
with formula-like text neutralised, and header-only templates in either language.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any, Literal

import pandas as pd

from core.errors import ValidationFailed
from core.i18n import LANGUAGES, t

Format = Literal["csv", "xlsx"]
Row = dict[str, str]

MAX_BYTES = 10 * 1024 * 1024
MAX_UNPACKED_BYTES = 100 * 1024 * 1024  # an XLSX is a zip: refuse zip bombs before opening
MAX_ROWS = 10_000
DELIMITERS = (";", ",", "\t")
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and password-protected .xlsx
CSV_MIME = "text/csv"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# A cell starting with + or - is harmless when it is a phone number or a signed number.
_PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{5,19}$")
_SIGNED_NUMBER = re.compile(r"^[+-]\s?\d[\d\s]*(?:[.,]\d+)?$")
# C0 and C1 control characters other than tab, line feed and carriage return.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


# --- describing columns and problems -----------------------------------------------------


def fold(text: str) -> str:
    """A spelling-insensitive form for matching: no case, accents, or punctuation runs."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(char for char in text if not unicodedata.combining(char))
    text = re.sub(r"\(.*?\)", " ", text)
    return re.sub(r"[\s_\-–—./*:']+", " ", text).strip()


_COUNTY_WORD = re.compile(r"\s+(maakond|county)$", re.IGNORECASE)


def enum_vocabulary(
    enum: type[StrEnum], enum_name: str, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Folded word -> code for a coded column: the codes, member names, catalogue labels in
    every language (and what they say in brackets, and "Harjumaa" for "Harju maakond"),
    then `extra` spellings. A word that could mean two codes is left out."""
    words: dict[str, set[str]] = {}

    def add(word: str, code: str) -> None:
        if fold(word):
            words.setdefault(fold(word), set()).add(code)

    for member in enum:
        add(member.value, member.value)
        add(member.name, member.value)
        for lang in LANGUAGES:
            text = t(f"enum.{enum_name}.{member.value}", lang)
            if text.startswith("enum."):
                continue
            add(text, member.value)
            for inner in re.findall(r"\((.*?)\)", text):
                add(inner, member.value)
            base = _COUNTY_WORD.sub("", text)
            if base != text:
                add(base, member.value)
                add(base + "maa", member.value)  # Harjumaa, Ida-Virumaa
    for word, code in (extra or {}).items():
        add(word, code)
    return {word: next(iter(codes)) for word, codes in words.items() if len(codes) == 1}


@dataclass(frozen=True)
class ColumnSpec:
    """One column of an import: its name, the header `label_key` names in each language,
    further accepted headers, and whether a file must have it.

    An `ignored` column is accepted and dropped (a column our own export adds for reading,
    so that an exported file can be imported again).
    """

    name: str
    label_key: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    ignored: bool = False

    def header(self, lang: str) -> str:
        return t(self.label_key, lang)

    def accepted(self) -> set[str]:
        names = {self.name, *self.aliases, *(self.header(lang) for lang in LANGUAGES)}
        return {fold(name) for name in names}


@dataclass(frozen=True)
class Problem:
    """What is wrong, where: `row` is the spreadsheet row (header = 1; None: the whole
    file) and `column` a column name of the spec (None: no one column)."""

    row: int | None
    column: str | None
    key: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def as_tuple(self) -> tuple[str, str, dict[str, Any]]:
        where = "file" if self.row is None else f"row {self.row}"
        if self.column:
            where += f" / {self.column}"
        return where, self.key, {**self.params, "row": self.row, "column": self.column}


class TableRefused(ValidationFailed):
    """The file, or some of its rows, cannot be imported; nothing was written."""

    def __init__(self, items: Sequence[Problem]) -> None:
        self.items = list(items)
        super().__init__([item.as_tuple() for item in self.items])


@dataclass
class Table:
    """The rows of a file that passed the structural checks."""

    rows: list[tuple[int, Row]]  # (spreadsheet row, {column name: text})
    columns: list[str]  # the spec's columns present in the file, in the spec's order
    format: Format
    delimiter: str | None = None
    encoding: str | None = None
    problems: list[Problem] = field(default_factory=list)  # of single rows, when collected


# --- reading -----------------------------------------------------------------------------


def read_table(
    data: bytes,
    filename: str,
    columns: Sequence[ColumnSpec],
    *,
    key: Callable[[Row], Hashable | None] | None = None,
    collect_row_problems: bool = False,
) -> Table:
    """Read an uploaded file against `columns`; raise TableRefused naming every problem.

    With `collect_row_problems`, problems of single rows (formula-like cells, duplicate
    keys, surplus cells) are returned in `Table.problems` instead, so that the caller can
    list them together with its own checks of the same rows; the file as a whole (its
    encoding, format, columns) is still refused at once.
    """
    if not data or not data.strip():
        raise TableRefused([Problem(None, None, "import.file.empty")])
    if len(data) > MAX_BYTES:
        raise TableRefused(
            [Problem(None, None, "import.file.too_large", {"limit": MAX_BYTES // 2**20})]
        )
    fmt: Format = "csv"
    delimiter: str | None = None
    encoding: str | None = None
    if data.startswith(XLSX_MAGIC):
        raw_rows, fmt = _xlsx_rows(data), "xlsx"
    elif data.startswith(OLE_MAGIC):
        raise TableRefused([Problem(None, None, "import.file.old_excel")])
    elif filename.lower().endswith((".xlsx", ".xlsm")):
        raise TableRefused([Problem(None, None, "import.file.not_xlsx")])
    else:
        text, encoding = decode_text(data)
        delimiter = _choose_delimiter(text, columns)
        raw_rows = _csv_rows(text, delimiter)
    table = _match(raw_rows, columns, key=key, fmt=fmt, delimiter=delimiter, encoding=encoding)
    if table.problems and not collect_row_problems:
        raise TableRefused(table.problems)
    return table


def decode_text(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was read in; refuses what it cannot read."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text, encoding = data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as error:
            raise TableRefused([Problem(None, None, "import.file.encoding")]) from error
    elif b"\x00" in data:
        raise TableRefused([Problem(None, None, "import.file.binary")])
    else:
        try:
            text = data.decode("utf-8-sig")
            encoding = "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
        except UnicodeDecodeError:
            try:
                text, encoding = data.decode("cp1257"), "cp1257"
            except UnicodeDecodeError as error:
                raise TableRefused([Problem(None, None, "import.file.encoding")]) from error
        else:
            if double_encoded(text):
                raise TableRefused([Problem(None, None, "import.file.double_encoded")])
    if CONTROL_CHARACTERS.search(text):
        raise TableRefused([Problem(None, None, "import.file.encoding")])
    return text, encoding


def double_encoded(text: str) -> bool:
    """UTF-8 that was read as Windows-1252 and saved again ("Ã¤" for "ä")."""
    if text.isascii():
        return False
    try:
        return text.encode("cp1252").decode("utf-8") != text
    except UnicodeError:
        return False


def _header_line(text: str) -> str:
    return next((line for line in text.splitlines() if line.strip()), "")


def _choose_delimiter(text: str, columns: Sequence[ColumnSpec]) -> str:
    """The delimiter that splits the header into the most known columns (then the most cells)."""
    line = _header_line(text)
    known = set().union(*(spec.accepted() for spec in columns)) if columns else set()

    def score(delimiter: str) -> tuple[int, int]:
        cells = next(csv.reader([line], delimiter=delimiter), [])
        return sum(1 for cell in cells if fold(cell) in known), len(cells)

    return max(DELIMITERS, key=score)


def _csv_rows(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return [(number, row) for number, row in enumerate(reader, start=1)]
    except csv.Error as error:
        raise TableRefused(
            [Problem(reader.line_num or None, None, "import.file.csv_broken")]
        ) from error


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _xlsx_rows(data: bytes) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
        if unpacked > MAX_UNPACKED_BYTES:
            raise TableRefused(
                [Problem(None, None, "import.file.too_large", {"limit": MAX_BYTES // 2**20})]
            )
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except TableRefused:
        raise
    except Exception as error:  # zipfile, XML and openpyxl errors alike
        raise TableRefused([Problem(None, None, "import.file.not_xlsx")]) from error
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > MAX_ROWS * 5:  # blank rows count here too
                raise TableRefused(
                    [Problem(None, None, "import.file.too_many_rows", {"limit": MAX_ROWS})]
                )
            rows.append((number, [_cell_text(value) for value in values]))
        return rows
    except TableRefused:
        raise
    except Exception as error:
        raise TableRefused([Problem(None, None, "import.file.not_xlsx")]) from error
    finally:
        workbook.close()


def formula_like(value: str) -> bool:
    """Would a spreadsheet program run this cell? Phone numbers and signed numbers are fine."""
    if not value or value[0] not in FORMULA_PREFIXES:
        return False
    harmless = value[0] in "+-" and (_PHONE.match(value) or _SIGNED_NUMBER.match(value))
    return not harmless


def _unquote(value: str) -> str:
    """Our exports prefix formula-like text with an apostrophe; take back a harmless one."""
    rest = value[1:]
    if value.startswith("'") and rest[:1] in ("+", "-") and not formula_like(rest):
        return rest
    return value


def _match(
    raw_rows: list[tuple[int, list[str]]],
    columns: Sequence[ColumnSpec],
    *,
    key: Callable[[Row], Hashable | None] | None,
    fmt: Format,
    delimiter: str | None,
    encoding: str | None,
) -> Table:
    rows = [(number, [cell.strip() for cell in cells]) for number, cells in raw_rows]
    rows = [(number, cells) for number, cells in rows if any(cells)]
    if not rows:
        raise TableRefused([Problem(None, None, "import.file.no_header")])
    header_row, header = rows[0]
    body = rows[1:]
    if len(body) > MAX_ROWS:
        raise TableRefused([Problem(None, None, "import.file.too_many_rows", {"limit": MAX_ROWS})])

    by_header: dict[str, ColumnSpec] = {}
    for spec in columns:
        for name in spec.accepted():
            by_header.setdefault(name, spec)
    problems: list[Problem] = []
    positions: dict[int, ColumnSpec] = {}
    seen: dict[str, int] = {}
    for index, cell in enumerate(header):
        if not cell:
            if any(index < len(cells) and cells[index] for _, cells in body):
                problems.append(
                    Problem(header_row, None, "import.column.unnamed", {"number": index + 1})
                )
            continue
        found = by_header.get(fold(cell))
        if found is None:
            problems.append(Problem(header_row, None, "import.column.unknown", {"header": cell}))
        elif found.name in seen:
            problems.append(
                Problem(header_row, found.name, "import.column.duplicate", {"header": cell})
            )
        else:
            seen[found.name] = index
            if not found.ignored:
                positions[index] = found
    for spec in columns:
        if spec.required and spec.name not in seen:
            problems.append(Problem(header_row, spec.name, "import.column.missing"))
    if problems:
        raise TableRefused(problems)

    table_rows: list[tuple[int, Row]] = []
    first_of: dict[Hashable, int] = {}
    for number, cells in body:
        if any(cell for cell in cells[len(header) :]):
            problems.append(Problem(number, None, "import.row.too_many_cells"))
            continue
        row: Row = {}
        for index, spec in positions.items():
            value = _unquote(cells[index]) if index < len(cells) else ""
            if formula_like(value):
                problems.append(
                    Problem(number, spec.name, "import.cell.formula", {"char": value[0]})
                )
            row[spec.name] = value
        if key is not None:
            identity = key(row)
            if identity is not None and identity in first_of:
                problems.append(
                    Problem(
                        number, None, "import.row.duplicate_key", {"first_row": first_of[identity]}
                    )
                )
            elif identity is not None:
                first_of[identity] = number
        table_rows.append((number, row))
    if not table_rows and not problems:
        raise TableRefused([Problem(None, None, "import.file.no_rows")])
    present = [spec.name for spec in columns if spec.name in seen and not spec.ignored]
    return Table(table_rows, present, fmt, delimiter, encoding, problems)


# --- writing -----------------------------------------------------------------------------


def neutralise_cell(value: object) -> object:
    """Spreadsheet programs run text that starts like a formula; prefix it with a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return value


def write_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """CSV for Estonian Excel: UTF-8 with a BOM, semicolons, formula-like text neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([neutralise_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([neutralise_cell(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx_value(value: object) -> object:
    """A text cell of an XLSX file is never run, so only text that would become a formula
    when someone edits the cell is prefixed; phone numbers keep their plus sign."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, str):
        text = _ILLEGAL_XLSX.sub("", value)
        return "'" + text if formula_like(text) else text
    return value


def write_xlsx(
    header: Sequence[str], rows: Iterable[Sequence[object]], *, sheet_title: str = "Sheet1"
) -> bytes:
    """An XLSX workbook of one sheet; text is always text (never a formula), columns as text."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = re.sub(r"[\[\]:*?/\\]", " ", sheet_title)[:31] or "Sheet1"
    widths = [len(str(name)) for name in header]
    for row_number, values in enumerate([header, *rows], start=1):
        for column_number, value in enumerate(values, start=1):
            shown = _xlsx_value(value)
            cell = sheet.cell(row=row_number, column=column_number, value=shown)
            if isinstance(shown, str):
                cell.data_type = "s"  # never let openpyxl take text for a formula
            if row_number == 1:
                cell.font = Font(bold=True)
            if column_number <= len(widths):
                widths[column_number - 1] = max(widths[column_number - 1], len(str(shown)))
    for number, width in enumerate(widths, start=1):
        letter = get_column_letter(number)
        sheet.column_dimensions[letter].width = min(max(width + 2, 10), 60)
        # Text format: Excel keeps leading zeros (county 0037) and runs nothing typed in.
        sheet.column_dimensions[letter].number_format = "@"
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_table(
    fmt: Format, header: Sequence[str], rows: Iterable[Sequence[object]], *, sheet_title: str = ""
) -> bytes:
    if fmt == "csv":
        return write_csv(header, rows)
    if fmt == "xlsx":
        return write_xlsx(header, rows, sheet_title=sheet_title or "Sheet1")
    raise ValueError(f"unknown format {fmt!r}")


def template(
    columns: Sequence[ColumnSpec], lang: str, fmt: Format, *, sheet_title: str = ""
) -> bytes:
    """A file with the header row only, in `lang`: what the user fills in."""
    header = [spec.header(lang) for spec in columns if not spec.ignored]
    return write_table(fmt, header, [], sheet_title=sheet_title)


def mime_type(fmt: Format) -> str:
    return CSV_MIME if fmt == "csv" else XLSX_MIME
