"""Provider import and export: malformed files refused with the row and the reason and
nothing saved, good files imported (and re-imported as updates), exports neutralised."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func
from sqlmodel import select

from core import db
from core.dates import local_today
from core.errors import PermissionDenied
from core.i18n import CATALOGUES
from core.models import AuditEntry, Provider, Qualification, Specialist
from core.services import provider_io, providers
from core.tabular import TableRefused, formula_like, read_table, template

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "samples"
TODAY = local_today()

HEADER_ET = [
    "Nimi",
    "Registrikood",
    "Õiguslik vorm",
    "Kontaktisik",
    "E-post",
    "Telefon",
    "Aadress",
    "Maakonnad",
    "Keeled",
    "Teenuse vormid",
    "Märkused",
]
GOOD_ROWS = [
    [
        "Kaasiku Nõustamine OÜ",
        "14835512",
        "OÜ",
        "Liis Tamm",
        "info@kaasiku.example",
        "+372 5123 4567",
        "Rüütli 12, Pärnu",
        "Pärnumaa, Lääne",
        "eesti, vene",
        "kohapeal, video",
        "",
    ],
    [
        "Šiška Teraapia FIE",
        "10987654",
        "FIE",
        "Žanna Šiška",
        "zanna@siska.example",
        "",
        "Tartu",
        "0079",
        "et",
        "video",
        "Töötab õhtuti",
    ],
]


def _csv(rows, *, delimiter=";", encoding="utf-8-sig", header=HEADER_ET) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    for row in [header, *rows]:
        writer.writerow(row)
    return buffer.getvalue().encode(encoding)


def _xlsx(rows, header=HEADER_ET) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in [header, *rows]:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _import(actor, kind, data, filename="file.csv"):
    with db.write_session() as session:
        return provider_io.run_import(session, actor, kind=kind, data=data, filename=filename)


def _refused(actor, kind, data, filename="file.csv") -> list[tuple[int | None, str | None, str]]:
    """Import that must fail; returns (row, column, message key) of every problem."""
    with pytest.raises(TableRefused) as refused:
        _import(actor, kind, data, filename)
    return [(p.row, p.column, p.key) for p in refused.value.items]


def _count(model) -> int:
    with db.read_session() as session:
        return session.exec(select(func.count()).select_from(model)).one()


def _providers() -> dict[str, Provider]:
    with db.read_session() as session:
        return {p.registry_code: p for p in session.exec(select(Provider))}


# --- reading files -----------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["et", "en"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_templates_have_the_header_row_only_in_either_language(lang, fmt):
    content = provider_io.template_file("providers", lang, fmt)
    if fmt == "csv":
        assert content.startswith(b"\xef\xbb\xbf")
        lines = content.decode("utf-8-sig").splitlines()
        assert len(lines) == 1 and lines[0].split(";")[1] in ("Registrikood", "Registry code")
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
        assert sheet.max_row == 1
        assert sheet["B1"].value in ("Registrikood", "Registry code")


def test_a_filled_template_is_imported_and_the_rows_exist(engine, coordinator):
    header = provider_io.template_file("providers", "en", "csv").decode("utf-8-sig").strip()
    filled = header + "\r\n" + "\r\n".join(";".join(f'"{c}"' for c in row) for row in GOOD_ROWS)
    result = _import(coordinator, "providers", filled.encode("utf-8-sig"))
    assert (result.created, result.updated) == (2, 0)
    saved = _providers()
    first = saved["14835512"]
    assert first.name == "Kaasiku Nõustamine OÜ"
    assert first.legal_form == "ou"
    assert first.counties == ["0068", "0056"]
    assert first.languages == ["et", "ru"]
    assert first.service_forms == ["in_person", "video"]
    assert saved["10987654"].phone == "" and saved["10987654"].notes == "Töötab õhtuti"


def test_reimport_updates_instead_of_duplicating_and_keeps_columns_left_out(engine, coordinator):
    _import(coordinator, "providers", _csv(GOOD_ROWS))
    changed = [row[:] for row in GOOD_ROWS]
    changed[0][4] = "uus@kaasiku.example"
    # A file without the notes column: notes stay as they were.
    without_notes = [row[:-1] for row in changed]
    result = _import(coordinator, "providers", _csv(without_notes, header=HEADER_ET[:-1]))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert _count(Provider) == 2
    saved = _providers()
    assert saved["14835512"].email == "uus@kaasiku.example"
    assert saved["14835512"].version == 2
    assert saved["10987654"].notes == "Töötab õhtuti"


def test_each_saved_row_and_the_import_itself_are_audited(engine, coordinator):
    _import(coordinator, "providers", _csv(GOOD_ROWS))
    with db.read_session() as session:
        entries = session.exec(select(AuditEntry).where(AuditEntry.actor == "koordinaator")).all()
    per_row = [e for e in entries if e.action == "import.provider"]
    summary = [e for e in entries if e.action == "import"]
    assert len(per_row) == 2 and all(e.record_id for e in per_row)
    assert len(summary) == 1 and "created=2" in summary[0].fields


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (_csv(GOOD_ROWS, encoding="utf-8-sig"), "bom.csv"),
        (_csv(GOOD_ROWS, encoding="utf-8"), "no-bom.csv"),
        (_csv(GOOD_ROWS, encoding="cp1257"), "baltic.csv"),
        (_csv(GOOD_ROWS, encoding="utf-16"), "unicode.txt"),
        (_csv(GOOD_ROWS, delimiter=","), "commas.csv"),
        (_csv(GOOD_ROWS, delimiter="\t"), "tabs.tsv"),
        (_xlsx(GOOD_ROWS), "excel.xlsx"),
        (_xlsx(GOOD_ROWS), "named-wrongly.csv"),
    ],
    ids=["bom", "no-bom", "cp1257", "utf16", "commas", "tabs", "xlsx", "xlsx-by-content"],
)
def test_encodings_delimiters_and_formats_are_read_correctly(engine, coordinator, data, filename):
    result = _import(coordinator, "providers", data, filename)
    assert result.created == 2
    saved = _providers()
    assert saved["10987654"].name == "Šiška Teraapia FIE"
    assert saved["10987654"].contact_person == "Žanna Šiška"


def _english_headers() -> list[str]:
    return [spec.header("en") for spec in provider_io.PROVIDER_COLUMNS if not spec.ignored]


def test_english_and_oddly_spelled_headers_are_accepted(engine, coordinator):
    header = [h.upper() for h in _english_headers()]
    header[1] = "  registry   CODE "
    result = _import(coordinator, "providers", _csv(GOOD_ROWS, header=header))
    assert result.created == 2


def _bad(row_changes: dict[int, str], row: int = 0) -> list[list[str]]:
    rows = [r[:] for r in GOOD_ROWS]
    for index, value in row_changes.items():
        rows[row][index] = value
    return rows


MALFORMED = {
    # case: (file bytes, filename, expected (row, column, key) problems)
    "wrong encoding (Windows-1252 š ž)": (
        "Nimi;Registrikood\nŠiška;12345678\n".encode("cp1252"),
        "x.csv",
        [(None, None, "import.file.encoding")],
    ),
    "UTF-16 without its BOM": (
        _csv(GOOD_ROWS, encoding="utf-16-le"),
        "x.csv",
        [(None, None, "import.file.binary")],
    ),
    "double-encoded UTF-8": (
        _csv(GOOD_ROWS)
        .decode("utf-8-sig")
        .encode("utf-8")
        .decode("cp1252", "replace")
        .encode("utf-8"),
        "x.csv",
        [(None, None, "import.file.double_encoded")],
    ),
    "control characters": (
        _csv(_bad({0: "Nimi\x07"})),
        "x.csv",
        [(None, None, "import.file.encoding")],
    ),
    "empty file": (b"\xef\xbb\xbf", "x.csv", [(None, None, "import.file.no_header")]),
    "header only": (_csv([]), "x.csv", [(None, None, "import.file.no_rows")]),
    "old .xls": (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,
        "x.xls",
        [(None, None, "import.file.old_excel")],
    ),
    "CSV named .xlsx": (_csv(GOOD_ROWS), "x.xlsx", [(None, None, "import.file.not_xlsx")]),
    "broken zip": (b"PK\x03\x04broken", "x.xlsx", [(None, None, "import.file.not_xlsx")]),
    "missing columns": (
        _csv(
            [r[:1] + r[2:4] + r[5:] for r in GOOD_ROWS],
            header=HEADER_ET[:1] + HEADER_ET[2:4] + HEADER_ET[5:],
        ),
        "x.csv",
        [(1, "registry_code", "import.column.missing"), (1, "email", "import.column.missing")],
    ),
    "extra column": (
        _csv([[*r, "x"] for r in GOOD_ROWS], header=[*HEADER_ET, "Isikukood"]),
        "x.csv",
        [(1, None, "import.column.unknown")],
    ),
    "same column twice": (
        _csv([[*r, r[4]] for r in GOOD_ROWS], header=[*HEADER_ET, "E-mail"]),
        "x.csv",
        [(1, "email", "import.column.duplicate")],
    ),
    "more cells than columns": (
        _csv([GOOD_ROWS[0], [*GOOD_ROWS[1], "", "üleliigne"]]),
        "x.csv",
        [(3, None, "import.row.too_many_cells")],
    ),
    "duplicate registry code": (
        _csv([GOOD_ROWS[0], GOOD_ROWS[1], [*GOOD_ROWS[1][:1], "1098 7654", *GOOD_ROWS[1][2:]]]),
        "x.csv",
        [(4, None, "import.row.duplicate_key")],
    ),
    "formula with =": (
        _csv(_bad({0: '=HYPERLINK("http://evil.example","x")'}, row=1)),
        "x.csv",
        [(3, "name", "import.cell.formula")],
    ),
    "formula with @": (
        _csv(_bad({3: "@SUM(A1:A9)"})),
        "x.csv",
        [(2, "contact_person", "import.cell.formula")],
    ),
    "formula with +": (
        _csv(_bad({6: "+cmd|' /C calc'!A0"})),
        "x.csv",
        [(2, "address", "import.cell.formula")],
    ),
    "formula with -": (
        _csv(_bad({10: "-2+3+cmd|' /C calc'!A0"})),
        "x.csv",
        [(2, "notes", "import.cell.formula")],
    ),
    "formula in xlsx": (_xlsx(_bad({0: "=1+2"})), "x.xlsx", [(2, "name", "import.cell.formula")]),
    "bad registry code": (
        _csv(_bad({1: "1234567"}, row=1)),
        "x.csv",
        [(3, "registry_code", "import.invalid.registry_code")],
    ),
    "letters in the registry code": (
        _csv(_bad({1: "abcdefgh"})),
        "x.csv",
        [(2, "registry_code", "import.invalid.registry_code")],
    ),
    "bad e-mail": (
        _csv(_bad({4: "info[at]kaasiku"})),
        "x.csv",
        [(2, "email", "import.invalid.email")],
    ),
    "bad phone": (_csv(_bad({5: "helista"})), "x.csv", [(2, "phone", "import.invalid.phone")]),
    "unknown county": (
        _csv(_bad({7: "Harju, Narnia"})),
        "x.csv",
        [(2, "counties", "import.unknown_value")],
    ),
    "no county": (_csv(_bad({7: ""})), "x.csv", [(2, "counties", "import.invalid.counties")]),
    "unknown language": (
        _csv(_bad({8: "klingoni"})),
        "x.csv",
        [(2, "languages", "import.unknown_value")],
    ),
    "unknown legal form": (
        _csv(_bad({2: "kolhoos"})),
        "x.csv",
        [(2, "legal_form", "import.unknown_value")],
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_files_are_refused_with_the_row_and_reason_and_nothing_is_saved(
    engine, coordinator, case
):
    data, filename, expected = MALFORMED[case]
    assert _refused(coordinator, "providers", data, filename) == expected
    assert _count(Provider) == 0


def test_one_bad_row_among_good_ones_saves_nothing_and_every_bad_row_is_listed(engine, coordinator):
    rows = [
        *GOOD_ROWS,
        ["Kolmas OÜ", "123", "OÜ", "", "pole-aadress", "", "", "Harju", "et", "video", ""],
    ]
    problems = _refused(coordinator, "providers", _csv(rows))
    assert problems == [
        (4, "email", "import.invalid.email"),
        (4, "registry_code", "import.invalid.registry_code"),
    ]
    assert _count(Provider) == 0


def test_blank_rows_are_skipped_and_rows_keep_their_spreadsheet_numbers(engine, coordinator):
    rows = [GOOD_ROWS[0], [""] * len(HEADER_ET), [], _bad({1: "1"}, row=1)[1]]
    assert _refused(coordinator, "providers", _csv(rows)) == [
        (5, "registry_code", "import.invalid.registry_code")
    ]


@pytest.mark.parametrize(
    ("cell", "formula"),
    [
        ("=1+2", True),
        ("@A1", True),
        ("+A1", True),
        ("-A1", True),
        ("-", True),
        ("+372 5123 4567", False),
        ("+3725123456", False),
        ("-12", False),
        ("+3,5", False),
        ("Tere", False),
        ("", False),
    ],
)
def test_formula_like_cells(cell, formula):
    assert formula_like(cell) is formula


def test_a_phone_number_starting_with_plus_is_imported(engine, coordinator):
    _import(coordinator, "providers", _csv(GOOD_ROWS))
    assert _providers()["14835512"].phone == "+372 5123 4567"


def test_preview_reads_and_checks_without_writing(engine, coordinator):
    rows = [GOOD_ROWS[0], _bad({4: "vale"}, row=1)[1]]
    with db.read_session() as session:
        preview = provider_io.preview_import(
            session, coordinator, kind="providers", data=_csv(rows), filename="x.csv"
        )
    assert list(preview.frame["row"]) == [2, 3]
    assert list(preview.frame["action"]) == ["create", "error"]
    assert preview.frame.loc[0, "name"] == "Kaasiku Nõustamine OÜ"
    assert [(p.row, p.column) for p in preview.problems] == [(3, "email")]
    assert not preview.ok
    assert _count(Provider) == 0


def test_a_refused_file_previews_as_problems_only(engine, coordinator):
    with db.read_session() as session:
        preview = provider_io.preview_import(
            session, coordinator, kind="providers", data=b"\xff\xfe\x00", filename="x.csv"
        )
    assert preview.frame.empty and preview.problems


# --- specialists and qualifications ------------------------------------------------------

SPECIALIST_HEADER = [
    "Teenuseosutaja registrikood",
    "Spetsialisti nimi",
    "Amet",
    "E-post",
    "Keeled",
    "Maakonnad",
    "Aktiivne",
]
SPECIALISTS = [
    [
        "14835512",
        "Liis Tamm",
        "kliiniline psühholoog",
        "liis@kaasiku.example",
        "eesti, vene",
        "Pärnu",
        "jah",
    ],
    ["14835512", "Olga Petrova", "psychotherapist", "", "ru; et", "", ""],
]
QUALIFICATION_HEADER = [
    "Provider registry code",
    "Specialist name",
    "Qualification kind",
    "Certificate number",
    "EQF level",
    "Issuer",
    "Valid from",
    "Valid until",
]
QUALIFICATIONS = [
    [
        "14835512",
        "Liis Tamm",
        "kliiniline psühholoog",
        "123456",
        "7",
        "Eesti Psühholoogide Liit",
        "15.03.2024",
        "2029-03-14",
    ],
    ["14835512", "Olga Petrova", "ECP", "ECP-2211", "", "EAP", "01.09.2022", "31.08.2027"],
    [
        "14835512",
        "Olga Petrova",
        "psühholoogia magistrikraad",
        "",
        "",
        "Tartu Ülikool",
        "2015-06-20",
        "",
    ],
]


def _people(coordinator):
    _import(coordinator, "providers", _csv(GOOD_ROWS))
    return _import(coordinator, "specialists", _csv(SPECIALISTS, header=SPECIALIST_HEADER))


def test_specialists_and_qualifications_are_imported_under_their_provider(engine, coordinator):
    assert _people(coordinator).created == 2
    result = _import(
        coordinator,
        "qualifications",
        _csv(QUALIFICATIONS, header=QUALIFICATION_HEADER, delimiter=","),
    )
    assert result.created == 3
    with db.read_session() as session:
        liis = session.exec(select(Specialist).where(Specialist.name == "Liis Tamm")).one()
        assert (liis.profession, liis.languages, liis.counties, liis.active) == (
            "clinical_psychologist",
            ["et", "ru"],
            ["0068"],
            True,
        )
        kutse = session.exec(
            select(Qualification).where(Qualification.specialist_id == liis.id)
        ).one()
    assert (kutse.kind, kutse.eqf_level, kutse.valid_from, kutse.valid_until) == (
        "kutse_clinical_psychologist",
        7,
        date(2024, 3, 15),
        date(2029, 3, 14),
    )
    assert kutse.verified_at is None  # an import never verifies

    again = _import(
        coordinator, "qualifications", _csv(QUALIFICATIONS, header=QUALIFICATION_HEADER)
    )
    assert (again.created, again.unchanged) == (0, 3)
    assert _count(Qualification) == 3


def test_a_changed_date_of_a_verified_qualification_needs_verifying_again(engine, coordinator):
    _people(coordinator)
    _import(coordinator, "qualifications", _csv(QUALIFICATIONS, header=QUALIFICATION_HEADER))
    with db.write_session() as session:
        row = session.exec(
            select(Qualification).where(Qualification.certificate_number == "123456")
        ).one()
        providers.verify_qualification(
            session,
            coordinator,
            qualification_id=row.id,
            source="kutseregister",
            expected_version=row.version,
        )
    later = [[*QUALIFICATIONS[0][:7], "2030-03-14"]]
    assert (
        _import(coordinator, "qualifications", _csv(later, header=QUALIFICATION_HEADER)).updated
        == 1
    )
    with db.read_session() as session:
        row = session.exec(
            select(Qualification).where(Qualification.certificate_number == "123456")
        ).one()
    assert row.valid_until == date(2030, 3, 14) and row.verified_at is None


def test_specialists_must_belong_to_a_provider_in_the_database(engine, coordinator):
    rows = [["99999999", "Mari Maasikas", "", "", "eesti", "", ""]]
    assert _refused(coordinator, "specialists", _csv(rows, header=SPECIALIST_HEADER)) == [
        (2, "provider_registry_code", "import.provider_not_found")
    ]
    assert _count(Specialist) == 0


def test_a_specialist_file_with_duplicate_names_names_both_rows(engine, coordinator):
    _import(coordinator, "providers", _csv(GOOD_ROWS))
    rows = [SPECIALISTS[0], SPECIALISTS[1], ["14835512", "liis  TAMM", "", "", "eesti", "", ""]]
    with pytest.raises(TableRefused) as refused:
        _import(coordinator, "specialists", _csv(rows, header=SPECIALIST_HEADER))
    (problem,) = refused.value.items
    assert (problem.row, problem.params["first_row"]) == (4, 2)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({3: ""}, (2, "certificate_number", "import.invalid.certificate_number_required")),
        ({7: "01.01.2020"}, (2, "valid_until", "import.invalid.valid_until_before_from")),
        ({7: "31.02.2029"}, (2, "valid_until", "import.invalid_date")),
        ({4: "9"}, (2, "eqf_level", "import.invalid.eqf_level")),
        ({2: "astroloog"}, (2, "kind", "import.unknown_value")),
        ({1: "Keegi Teine"}, (2, "specialist_name", "import.specialist_not_found")),
    ],
)
def test_qualification_rows_follow_the_form_rules(engine, coordinator, change, expected):
    _people(coordinator)
    row = QUALIFICATIONS[0][:]
    for index, value in change.items():
        row[index] = value
    assert _refused(coordinator, "qualifications", _csv([row], header=QUALIFICATION_HEADER)) == [
        expected
    ]
    assert _count(Qualification) == 0


# --- who may --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["viewer", "lead", "admin"])
def test_only_the_coordinator_may_import(engine, who, request):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied), db.write_session() as session:
        provider_io.run_import(
            session, actor, kind="providers", data=_csv(GOOD_ROWS), filename="x.csv"
        )
    with pytest.raises(PermissionDenied), db.read_session() as session:
        provider_io.preview_import(
            session, actor, kind="providers", data=_csv(GOOD_ROWS), filename="x.csv"
        )
    assert _count(Provider) == 0
    with db.read_session() as session:
        refusals = session.exec(select(AuditEntry).where(AuditEntry.outcome == "refused")).all()
    assert {entry.action for entry in refusals} == {
        "provider_io.run_import",
        "provider_io.preview_import",
    }


@pytest.mark.parametrize("who", ["viewer", "lead", "admin"])
def test_only_the_coordinator_may_export(engine, who, request):
    actor = request.getfixturevalue(who)
    for export in (provider_io.export_providers, provider_io.export_public_list):
        with pytest.raises(PermissionDenied), db.write_session() as session:
            export(session, actor, fmt="csv", lang="et")


# --- exports -----------------------------------------------------------------------------

EVIL = '=HYPERLINK("http://evil.example","klõps")'


def _evil_provider(coordinator) -> None:
    with db.write_session() as session:
        providers.create_provider(
            session,
            coordinator,
            data={
                "name": EVIL,
                "registry_code": "12345678",
                "email": "a@b.example",
                "contact_person": "@kontakt",
                "counties": ["0037"],
                "languages": ["et"],
                "service_forms": ["video"],
                "phone": "+372 5555 5555",
            },
        )


def test_the_provider_export_is_utf8_with_a_bom_and_neutralises_formulas(engine, coordinator):
    _evil_provider(coordinator)
    with db.write_session() as session:
        content = provider_io.export_providers(session, coordinator, fmt="csv", lang="et")
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Nimi", "Registrikood", "Õiguslik vorm"]
    assert rows[1][0] == "'" + EVIL and rows[1][3] == "'@kontakt"
    assert rows[1][7] == "Harju maakond"
    with db.read_session() as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "export")).one()
    assert "list=providers" in entry.fields and "rows=1" in entry.fields


def test_the_xlsx_export_holds_text_never_formulas(engine, coordinator):
    _evil_provider(coordinator)
    with db.write_session() as session:
        content = provider_io.export_providers(session, coordinator, fmt="xlsx", lang="en")
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    assert sheet["A1"].value == "Name"
    assert sheet["A2"].value == "'" + EVIL and sheet["A2"].data_type == "s"
    assert sheet["D2"].value == "'@kontakt"
    assert sheet["F2"].value == "+372 5555 5555"  # a text cell: never run, so left as it is
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_an_exported_provider_list_imports_again_unchanged(demo_db, coordinator):
    before = _count(Provider)
    for fmt, lang in (("csv", "et"), ("xlsx", "en")):
        with db.write_session() as session:
            content = provider_io.export_providers(session, coordinator, fmt=fmt, lang=lang)
        result = _import(coordinator, "providers", content, f"export.{fmt}")
        assert (result.created, result.updated, result.unchanged) == (0, 0, before)


@pytest.mark.parametrize("lang", ["et", "en"])
def test_the_public_list_holds_only_active_ready_providers(demo_db, coordinator, lang):
    with db.read_session() as session:
        details = providers.all_details(session, coordinator, on=TODAY)
    ready = {d.name for d in details if d.onboarding_status == "active" and d.readiness.ready}
    assert ready and len(ready) < len(details)
    with db.write_session() as session:
        content = provider_io.export_public_list(session, coordinator, fmt="csv", lang=lang)
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == (
        ["Nimi", "Maakonnad", "Keeled", "Teenuse vormid", "E-post", "Telefon"]
        if lang == "et"
        else ["Name", "Counties", "Languages", "Service forms", "E-mail", "Phone"]
    )
    assert {row[0] for row in rows[1:]} == ready
    language = "eesti" if lang == "et" else "Estonian"
    assert all(language in row[2] for row in rows[1:])
    with db.write_session() as session:
        content = provider_io.export_public_list(session, coordinator, fmt="xlsx", lang=lang)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    assert sheet.max_row == len(ready) + 1


# --- samples, catalogues, specs ----------------------------------------------------------


def test_the_sample_files_import_cleanly_into_the_demo_database(demo_db, coordinator):
    before = _count(Provider)
    results = [
        _import(coordinator, kind, (SAMPLES / name).read_bytes(), name)
        for kind, name in (
            ("providers", "providers.csv"),
            ("specialists", "specialists.xlsx"),
            ("qualifications", "qualifications.csv"),
        )
    ]
    assert all(result.created > 0 and result.updated == 0 for result in results)
    assert _count(Provider) == before + results[0].created


def test_every_message_the_import_can_show_exists_in_both_languages():
    for lang, messages in CATALOGUES.items():
        assert sorted(provider_io.message_keys() - set(messages)) == [], lang


@pytest.mark.parametrize("kind", provider_io.KINDS)
def test_no_header_is_accepted_by_two_columns_of_one_kind(kind):
    seen: dict[str, str] = {}
    for spec in provider_io.COLUMNS[kind]:
        for name in spec.accepted():
            assert seen.setdefault(name, spec.name) == spec.name, (name, spec.name)


def test_list_cells_accept_codes_and_labels_in_both_languages():
    assert [
        provider_io.resolve("County", v)
        for v in ("Harju", "Harju maakond", "harjumaa", "0037", "37", "Harju county")
    ] == ["0037"] * 6
    assert provider_io.resolve("County", "Ida-Virumaa") == "0045"
    assert provider_io.resolve("County", "Voru") == "0087"
    assert [provider_io.resolve("Language", v) for v in ("eesti", "Estonian", "et", "EST")] == [
        "et"
    ] * 4
    assert provider_io.resolve("ServiceForm", "in person") == "in_person"
    assert provider_io.resolve("QualificationKind", "ECP") == "ecp"
    assert provider_io.resolve("QualificationKind", "kutse") is None  # ambiguous


def test_read_table_is_generic(engine):
    from core.tabular import ColumnSpec

    specs = [ColumnSpec("case_key", "io.col.name", ("juhtum", "case"), True)]
    table = read_table(b"case\nA-1\n\nA-2\n", "x.csv", specs)
    assert table.rows == [(2, {"case_key": "A-1"}), (4, {"case_key": "A-2"})]
    assert template(specs, "en", "csv").decode("utf-8-sig").strip() == "Name"


def test_read_table_refuses_row_problems_unless_asked_to_collect_them(engine):
    from core.tabular import ColumnSpec

    specs = [ColumnSpec("case_key", "io.col.name", ("case",), True)]
    data = b"case\n=1+2\nA-1\nA-1\n"
    with pytest.raises(TableRefused) as refused:
        read_table(data, "x.csv", specs, key=lambda row: row["case_key"])
    assert [(p.row, p.key) for p in refused.value.items] == [
        (2, "import.cell.formula"),
        (4, "import.row.duplicate_key"),
    ]
    table = read_table(
        data, "x.csv", specs, key=lambda row: row["case_key"], collect_row_problems=True
    )
    assert len(table.rows) == 3 and len(table.problems) == 2
