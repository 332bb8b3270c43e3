"""Import of cases, sessions and outcome measures: values read as codes or labels in both
languages, every refusal names the spreadsheet row and the field and saves nothing,
re-importing the same file changes nothing (not even the data version), changed rows
update, first-session dates follow the sessions, and only the coordinator may import."""

from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl
import pytest
from sqlalchemy import func
from sqlmodel import select

from core import audit, db
from core.__main__ import main
from core.errors import PermissionDenied
from core.i18n import CATALOGUES
from core.models import AuditEntry, Case, OutcomeMeasure, Provider, TherapySession
from core.services import case_io
from core.tabular import TableRefused

CASES_ET = [
    "Juhtumi kood",
    "Suunamise kuupäev",
    "Suunaja",
    "Ohvri liik",
    "Maakond",
    "Keel",
    "Vanuserühm",
    "Sugu",
    "Otsuse kuupäev",
    "Piirmäär (€)",
    "Teenuseosutaja registrikood",
    "Lõpetamise kuupäev",
]
CASE_ROWS = [
    [
        "K-1",
        "03.01.2025",
        "politsei",
        "lähisuhtevägivald",
        "Harju maakond",
        "eesti",
        "27-39",
        "naine",
        "2025-01-05",
        "",
        "11111111",
        "",
    ],
    [
        "K-2",
        "2025-02-10",
        "victim_support_worker",
        "Victim of crime",
        "0079",
        "Russian",
        "65 ja vanem",
        "male",
        "12.02.2025",
        "1 234,50",
        "",
        "30.06.2025",
    ],
    ["K-3", "01.03.2025", "ise", "tunnistaja", "Ida-Virumaa", "ru", "18–26", "N", "", "", "", ""],
]
SESSIONS_EN = ["Session key", "Case key", "Provider registry code", "Session date", "Minutes"]
SESSIONS_EN += ["Form", "Cost (€)"]
SESSION_ROWS = [
    ["S-1", "K-1", "11111111", "14.01.2025", "60", "kohapeal", "70,00"],
    ["S-2", "K-1", "11111111", "2025-01-07", "45", "phone", "65.5"],
    ["S-3", "K-2", "22222222", "20.02.2025", "60", "video", "1 070,00"],
]
OUTCOMES_ET = ["Juhtumi kood", "Mõõdik", "Mõõtmise aeg", "Skoor", "Mõõtmise kuupäev"]
OUTCOME_ROWS = [
    ["K-1", "PCL-5", "algus", "44", "07.01.2025"],
    ["K-1", "pcl5", "end", "30", "2025-03-01"],
    ["K-2", "PHQ-9", "start", "27", "20.02.2025"],
]


def _csv(header, rows, *, delimiter=";", encoding="utf-8-sig") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    for row in [header, *rows]:
        writer.writerow(row)
    return buffer.getvalue().encode(encoding)


def _xlsx(header, rows) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in [header, *rows]:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def providers(db_url):
    with db.write_session() as session:
        for code, name in (("11111111", "Esimene OÜ"), ("22222222", "Teine OÜ")):
            session.add(Provider(name=name, registry_code=code, counties=["0037"]))
    return db_url


def _import(actor, kind, data, filename="file.csv", **options):
    with db.write_session() as session:
        return case_io.run_import(
            session, actor, kind=kind, data=data, filename=filename, **options
        )


def _preview(actor, kind, data, filename="file.csv", **options):
    with db.read_session() as session:
        return case_io.preview_import(
            session, actor, kind=kind, data=data, filename=filename, **options
        )


def _refused(actor, kind, data, filename="file.csv", **options) -> list[tuple]:
    with pytest.raises(TableRefused) as refused:
        _import(actor, kind, data, filename, **options)
    return [(p.row, p.column, p.key) for p in refused.value.items]


def _count(model) -> int:
    with db.read_session() as session:
        return session.exec(select(func.count()).select_from(model)).one()


def _cases() -> dict[str, Case]:
    with db.read_session() as session:
        return {case.case_key: case for case in session.exec(select(Case))}


def _facts() -> int:
    with db.read_session() as session:
        return audit.data_version(session, facts=True)


def _all_three(actor):
    _import(actor, "cases", _csv(CASES_ET, CASE_ROWS))
    _import(actor, "sessions", _csv(SESSIONS_EN, SESSION_ROWS, delimiter=","))
    _import(actor, "outcomes", _csv(OUTCOMES_ET, OUTCOME_ROWS))


# --- definitions -------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["et", "en"])
@pytest.mark.parametrize("kind", case_io.KINDS)
def test_templates_have_the_header_row_of_each_kind_in_either_language(kind, lang):
    expected = [spec.column.header(lang) for spec in case_io.fields_of(kind)]
    text = case_io.template_file(kind, lang, "csv").decode("utf-8-sig")
    assert text.strip().split(";") == expected
    workbook = openpyxl.load_workbook(io.BytesIO(case_io.template_file(kind, lang, "xlsx")))
    assert [cell.value for cell in next(workbook.active.iter_rows())] == expected
    # A template is recognised as it is: every column detected.
    detected, twice = case_io.detect(kind, expected)
    assert detected == dict(zip([s.name for s in case_io.fields_of(kind)], expected, strict=True))
    assert twice == []


def test_codes_and_labels_in_both_languages_and_both_date_formats_are_read(providers, coordinator):
    result = _import(coordinator, "cases", _csv(CASES_ET, CASE_ROWS))
    assert (result.new, result.changed, result.unchanged) == (3, 0, 0)
    cases = _cases()
    first, second, third = cases["K-1"], cases["K-2"], cases["K-3"]
    assert first.referral_date == date(2025, 1, 3) and first.decision_date == date(2025, 1, 5)
    assert (first.referral_source, first.victim_category) == ("police", "domestic_violence")
    assert (first.county, first.language, first.age_band, first.gender) == (
        "0037",
        "et",
        "27-39",
        "female",
    )
    assert first.cap_cents == 886_00  # no cap given: the cap on the decision date
    assert first.provider_id is not None and first.closed_date is None
    assert (second.victim_category, second.county, second.language) == ("crime", "0079", "ru")
    assert (second.age_band, second.gender, second.cap_cents) == ("65+", "male", 1234_50)
    assert second.closed_date == date(2025, 6, 30) and second.provider_id is None
    assert (third.county, third.age_band, third.gender) == ("0045", "18-26", "female")
    assert third.decision_date is None and third.cap_cents is None

    sessions = _import(coordinator, "sessions", _csv(SESSIONS_EN, SESSION_ROWS, delimiter=","))
    assert sessions.new == 3
    with db.read_session() as session:
        stored = {s.session_key: s for s in session.exec(select(TherapySession))}
    assert stored["S-1"].form == "in_person" and stored["S-1"].cost_cents == 70_00
    assert stored["S-2"].cost_cents == 65_50 and stored["S-2"].minutes == 45
    assert stored["S-3"].cost_cents == 1070_00 and stored["S-3"].case_id == second.id

    outcomes = _import(coordinator, "outcomes", _csv(OUTCOMES_ET, OUTCOME_ROWS))
    assert outcomes.new == 3
    with db.read_session() as session:
        scores = {
            (m.case_id, m.instrument, m.time_point): m.score
            for m in session.exec(select(OutcomeMeasure))
        }
    assert scores == {
        (first.id, "PCL-5", "start"): 44,
        (first.id, "PCL-5", "end"): 30,
        (second.id, "PHQ-9", "start"): 27,
    }


def test_an_xlsx_file_imports_like_a_csv_file(providers, coordinator):
    rows = [[*row[:9], 886 if row[0] == "K-1" else "", *row[10:]] for row in CASE_ROWS]
    result = _import(coordinator, "cases", _xlsx(CASES_ET, rows), "juhtumid.xlsx")
    assert result.new == 3
    assert _cases()["K-1"].cap_cents == 886_00


def test_an_xlsx_file_over_its_row_limit_is_refused_with_advice(
    providers, coordinator, monkeypatch
):
    monkeypatch.setattr(case_io, "XLSX_MAX_ROWS", 2)
    problems = _refused(coordinator, "cases", _xlsx(CASES_ET, CASE_ROWS), "juhtumid.xlsx")
    assert problems == [(None, None, "cio.file.xlsx_too_many_rows")]


# --- idempotence and updates ---------------------------------------------------------------


def test_importing_the_same_files_again_changes_nothing_and_keeps_the_data_version(
    providers, coordinator
):
    _all_three(coordinator)
    version, entries = _facts(), _count(AuditEntry)
    with db.read_session() as session:
        versions = {c.case_key: c.version for c in session.exec(select(Case))}
    for kind, data in (
        ("cases", _csv(CASES_ET, CASE_ROWS)),
        ("sessions", _csv(SESSIONS_EN, SESSION_ROWS, delimiter=",")),
        ("outcomes", _csv(OUTCOMES_ET, OUTCOME_ROWS)),
    ):
        preview = _preview(coordinator, kind, data)
        assert (preview.new, preview.changed, preview.unchanged) == (0, 0, 3)
        result = _import(coordinator, kind, data)
        assert (result.new, result.changed, result.unchanged) == (0, 0, 3)
    assert _facts() == version
    assert _count(AuditEntry) == entries
    with db.read_session() as session:
        assert {c.case_key: c.version for c in session.exec(select(Case))} == versions


def test_changed_values_update_the_stored_rows_and_are_audited_once(providers, coordinator):
    _all_three(coordinator)
    version = _facts()
    rows = [list(row) for row in CASE_ROWS]
    rows[0][4] = "Tartu"
    rows[1][11] = ""  # reopened
    rows.append(["K-4", "01.04.2025", "police", "crime", "Harju", "et", "40-54", "mees"])
    rows[-1] += ["", "", "", ""]
    preview = _preview(coordinator, "cases", _csv(CASES_ET, rows))
    assert (preview.new, preview.changed, preview.unchanged) == (1, 2, 1)
    assert list(preview.frame["action"]) == ["changed", "changed", "unchanged", "new"]
    result = _import(coordinator, "cases", _csv(CASES_ET, rows))
    assert (result.new, result.changed, result.unchanged) == (1, 2, 1)
    cases = _cases()
    assert cases["K-1"].county == "0079" and cases["K-1"].version == 3  # 2: first session
    assert cases["K-2"].closed_date is None
    assert cases["K-3"].version == 1
    assert _facts() == version + 1
    with db.read_session() as session:
        entry = session.exec(
            select(AuditEntry)
            .where(AuditEntry.action == "import.cases")
            .order_by(
                AuditEntry.id.desc()  # type: ignore[union-attr]
            )
        ).first()
    assert entry.table_name == "case" and entry.record_id is None
    assert sorted(entry.fields) == ["changed=2", "new=1"]

    outcome_rows = [list(row) for row in OUTCOME_ROWS]
    outcome_rows[1][3] = "25"
    result = _import(coordinator, "outcomes", _csv(OUTCOMES_ET, outcome_rows))
    assert (result.new, result.changed, result.unchanged) == (0, 1, 2)


def test_a_column_left_out_keeps_the_stored_values(providers, coordinator):
    _import(coordinator, "cases", _csv(CASES_ET, CASE_ROWS))
    header = CASES_ET[:9]
    rows = [row[:9] for row in CASE_ROWS]
    result = _import(coordinator, "cases", _csv(header, rows))
    assert (result.new, result.changed, result.unchanged) == (0, 0, 3)
    assert _cases()["K-2"].cap_cents == 1234_50
    assert _cases()["K-2"].closed_date == date(2025, 6, 30)


def test_first_session_dates_follow_the_earliest_session_of_each_case(providers, coordinator):
    _import(coordinator, "cases", _csv(CASES_ET, CASE_ROWS))
    _import(coordinator, "sessions", _csv(SESSIONS_EN, SESSION_ROWS))
    cases = _cases()
    assert cases["K-1"].first_session_date == date(2025, 1, 7)
    assert cases["K-2"].first_session_date == date(2025, 2, 20)
    assert cases["K-3"].first_session_date is None
    # S-2 moves to case K-3: K-1 now starts with S-1, K-3 gets its first session.
    rows = [list(row) for row in SESSION_ROWS]
    rows[1][1] = "K-3"
    result = _import(coordinator, "sessions", _csv(SESSIONS_EN, rows))
    assert (result.new, result.changed, result.unchanged) == (0, 1, 2)
    cases = _cases()
    assert cases["K-1"].first_session_date == date(2025, 1, 14)
    assert cases["K-3"].first_session_date == date(2025, 1, 7)


# --- refusals ------------------------------------------------------------------------------


def _case_file(change: dict[int, str], *, row: int = 1) -> bytes:
    rows = [list(r) for r in CASE_ROWS]
    for index, value in change.items():
        rows[row][index] = value
    return _csv(CASES_ET, rows)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (_case_file({1: "31.02.2025"}), [(3, "referral_date", "import.invalid_date")]),
        (_case_file({4: "Narnia"}), [(3, "county", "import.unknown_value")]),
        (_case_file({9: "12,345"}), [(3, "cap", "cio.invalid.money")]),
        (_case_file({7: ""}), [(3, "gender", "cio.value_required")]),
        (_case_file({0: "=HYPERLINK(1)"}), [(3, "case_key", "import.cell.formula")]),
        (_case_file({3: "@SUM(A1)"}), [(3, "victim_category", "import.cell.formula")]),
        (_case_file({0: "K" * 41}), [(3, "case_key", "cio.invalid.key")]),
        (_case_file({0: "K-1"}), [(3, "case_key", "import.row.duplicate_key")]),
        (
            _case_file({10: "99999999"}),
            [(3, "provider_registry_code", "import.provider_not_found")],
        ),
        (
            _case_file({8: "01.01.2025"}),
            [(3, "decision_date", "cio.invalid.decision_before_referral")],
        ),
        (
            _case_file({11: "2024-12-31"}),
            [(3, "closed_date", "cio.invalid.closed_before_referral")],
        ),
    ],
)
def test_a_bad_cell_is_refused_with_its_row_and_field_and_nothing_is_saved(
    providers, coordinator, data, expected
):
    assert _refused(coordinator, "cases", data) == expected
    assert _count(Case) == 0


def test_the_duplicate_row_names_the_first_row_with_that_key(providers, coordinator):
    with pytest.raises(TableRefused) as refused:
        _import(coordinator, "cases", _case_file({0: "K-1"}, row=2))
    (problem,) = refused.value.items
    assert (problem.row, problem.params) == (4, {"first_row": 2})


@pytest.mark.parametrize(
    ("kind", "header", "rows", "expected"),
    [
        (
            "sessions",
            SESSIONS_EN,
            [["S-9", "K-404", "11111111", "14.01.2025", "60", "video", "70"]],
            [(2, "case_key", "cio.case_not_found")],
        ),
        (
            "sessions",
            SESSIONS_EN,
            [["S-9", "K-1", "11111111", "14.01.2025", "0", "video", "70"]],
            [(2, "minutes", "cio.invalid.minutes")],
        ),
        (
            "sessions",
            SESSIONS_EN,
            [
                ["S-9", "K-1", "11111111", "14.01.2025", "60", "video", "70"],
                ["S-9", "K-1", "11111111", "15.01.2025", "60", "video", "70"],
            ],
            [(3, "session_key", "import.row.duplicate_key")],
        ),
        (
            "sessions",
            SESSIONS_EN,
            [["S-9", "K-1", "11111111", "14.01.2025", "60", "telepaatia", "-70"]],
            [(2, "form", "import.unknown_value"), (2, "cost", "cio.invalid.money")],
        ),
        (
            "outcomes",
            OUTCOMES_ET,
            [["K-1", "PHQ-9", "algus", "28", "07.01.2025"]],
            [(2, "score", "cio.invalid.score")],
        ),
        (
            "outcomes",
            OUTCOMES_ET,
            [["K-1", "EEK-2", "start", "5", "07.01.2025"]],
            [(2, "score", "cio.invalid.score")],
        ),
        (
            "outcomes",
            OUTCOMES_ET,
            [["K-1", "PCL-5", "start", "44", "07.01.2025"], ["K-1", "pcl5", "algus", "40", ""]],
            [(3, "measured_on", "cio.value_required"), (3, None, "import.row.duplicate_key")],
        ),
    ],
)
def test_sessions_and_outcomes_are_refused_row_by_row(
    providers, coordinator, kind, header, rows, expected
):
    _import(coordinator, "cases", _csv(CASES_ET, CASE_ROWS))
    assert _refused(coordinator, kind, _csv(header, rows)) == expected
    assert _count(TherapySession) == 0 and _count(OutcomeMeasure) == 0


def test_one_bad_row_among_many_good_ones_saves_nothing(providers, coordinator):
    _import(coordinator, "cases", _csv(CASES_ET, CASE_ROWS))
    rows = [[f"S-{n}", "K-1", "11111111", "14.01.2025", "60", "video", "70"] for n in range(500)]
    rows[321][3] = "14.13.2025"
    assert _refused(coordinator, "sessions", _csv(SESSIONS_EN, rows)) == [
        (323, "session_date", "import.invalid_date")
    ]
    assert _count(TherapySession) == 0
    assert _cases()["K-1"].first_session_date is None


def test_a_score_score_score_file_lists_the_first_problems_and_counts_the_rest(
    providers, coordinator, monkeypatch
):
    monkeypatch.setattr(case_io, "MAX_LISTED_PROBLEMS", 5)
    _import(coordinator, "cases", _csv(CASES_ET, CASE_ROWS))
    rows = [["K-1", "GAD-7", "start", "99", f"0{n % 9 + 1}.01.2025"] for n in range(20)]
    rows = [
        [*row[:2], point, *row[3:]] for row, point in zip(rows, ["start", "end"] * 10, strict=True)
    ]
    preview = _preview(coordinator, "outcomes", _csv(OUTCOMES_ET, rows))
    assert preview.problem_count > 5
    assert [p.row for p in preview.problems[:5]] == [2, 3, 4, 4, 5]
    assert preview.problems[-1].key == "cio.more_problems"


@pytest.mark.parametrize(
    ("data", "filename", "expected"),
    [
        (b"", "x.csv", [(None, None, "import.file.empty")]),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "x.xls", [(None, None, "import.file.old_excel")]),
        (b"not a zip", "x.xlsx", [(None, None, "import.file.not_xlsx")]),
        (b"PK\x03\x04broken", "x.xlsx", [(None, None, "import.file.not_xlsx")]),
        (b"a\x00b", "x.csv", [(None, None, "import.file.binary")]),
        (";".join(CASES_ET).encode() + b"\n;;\n", "x.csv", [(None, None, "import.file.no_rows")]),
        (
            b"Juhtumi kood;Maakond\nK-1;Harju\n",
            "x.csv",
            [
                (1, "referral_date", "import.column.missing"),
                (1, "referral_source", "import.column.missing"),
                (1, "victim_category", "import.column.missing"),
                (1, "language", "import.column.missing"),
                (1, "age_band", "import.column.missing"),
                (1, "gender", "import.column.missing"),
                (1, "decision_date", "import.column.missing"),
            ],
        ),
        (
            ";".join(CASES_ET).encode() + b'\nK-1;"03.01.2025\n',
            "x.csv",
            [(2, None, "import.file.csv_broken")],
        ),
        (
            ";".join(CASES_ET).encode() + b"\n" + ";".join(CASE_ROWS[0]).encode() + b";extra\n",
            "x.csv",
            [(2, None, "import.row.too_many_cells")],
        ),
        (
            ";".join(CASES_ET).encode() + b'\n"' + '";"'.join(CASE_ROWS[0]).encode() + b'";x\n',
            "x.csv",
            [(2, None, "import.row.too_many_cells")],
        ),
        (
            "Juhtumi kood;Maakond\nK-1;HÃ¤rju\n".encode(),
            "x.csv",
            [(None, None, "import.file.double_encoded")],
        ),
    ],
)
def test_malformed_files_are_refused_and_nothing_is_saved(
    providers, coordinator, data, filename, expected
):
    assert _refused(coordinator, "cases", data, filename) == expected
    assert _count(Case) == 0


def test_blank_rows_are_skipped_and_rows_keep_their_spreadsheet_numbers(providers, coordinator):
    text = _csv(CASES_ET, CASE_ROWS).decode("utf-8-sig").replace("\r\n", "\r\n\r\n", 2)
    data = ("\r\n" + text).encode("utf-8")
    preview = _preview(coordinator, "cases", data)
    assert list(preview.frame["row"]) == [4, 6, 7]
    rows = [list(r) for r in CASE_ROWS]
    rows[2][1] = "kolmapäev"
    text = _csv(CASES_ET, rows).decode("utf-8-sig").replace("\r\n", "\r\n\r\n", 1)
    assert _refused(coordinator, "cases", text.encode("cp1257")) == [
        (5, "referral_date", "import.invalid_date")
    ]


# --- column mapping ------------------------------------------------------------------------


def test_the_mapping_is_detected_from_the_headers_and_can_be_given_explicitly(
    providers, coordinator
):
    header = ["Klient", "Seanss", "Registrikood", "Millal", "Kestus", "Vorm", "Hind", "Nimi"]
    rows = [["K-1", "S-1", "11111111", "14.01.2025", "60", "video", "70", "Mari Maasikas"]]
    _import(coordinator, "cases", _csv(CASES_ET, CASE_ROWS))
    data = _csv(header, rows)
    columns = case_io.inspect_file("sessions", data, "s.csv")
    assert columns.columns == header
    assert columns.detected == {
        "session_key": "Seanss",
        "case_key": None,
        "provider_registry_code": "Registrikood",
        "session_date": None,
        "minutes": "Kestus",
        "form": "Vorm",
        "cost": "Hind",
    }
    preview = _preview(coordinator, "sessions", data)
    assert {(p.column, p.key) for p in preview.problems} == {
        ("case_key", "import.column.missing"),
        ("session_date", "import.column.missing"),
    }
    assert preview.file_columns == header and preview.frame.empty
    mapping = {**columns.detected, "case_key": "Klient", "session_date": "Millal"}
    preview = _preview(coordinator, "sessions", data, mapping=mapping)
    assert preview.ok and preview.new == 1
    assert preview.mapping == mapping
    # Unmapped columns are never read: the name is in no preview and nowhere in the database.
    assert "Mari Maasikas" not in preview.frame.to_string()
    assert _import(coordinator, "sessions", data, mapping=mapping).new == 1


def test_a_mapping_that_cannot_work_is_refused(providers, coordinator):
    data = _csv(SESSIONS_EN, SESSION_ROWS)
    base = case_io.inspect_file("sessions", data, "s.csv").detected
    assert _refused(coordinator, "sessions", data, mapping={**base, "cost": "Puudub"}) == [
        (1, "cost", "cio.mapping.not_in_file")
    ]
    assert _refused(coordinator, "sessions", data, mapping={**base, "cost": "Minutes"}) == [
        (1, "cost", "cio.mapping.twice")
    ]


def test_the_preview_shows_the_first_rows_as_they_would_be_saved(providers, coordinator):
    preview = _preview(coordinator, "cases", _csv(CASES_ET, CASE_ROWS))
    assert preview.ok and (preview.rows, preview.new) == (3, 3)
    first = preview.frame.iloc[0]
    assert first["row"] == 2 and first["action"] == "new"
    assert first["county"] == "0037" and first["referral_date"] == date(2025, 1, 3)
    assert first["provider_registry_code"] == "11111111"
    assert preview.frame.iloc[1]["cap"] == 1234_50
    assert _count(Case) == 0


# --- who may import ------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["lead", "viewer", "admin"])
def test_only_the_coordinator_may_preview_or_import_and_a_refusal_changes_nothing(
    providers, who, request
):
    actor = request.getfixturevalue(who)
    data = _csv(CASES_ET, CASE_ROWS)
    version = _facts()
    with pytest.raises(PermissionDenied):
        _import(actor, "cases", data)
    with pytest.raises(PermissionDenied):
        _preview(actor, "cases", data)
    assert _count(Case) == 0 and _facts() == version
    with db.read_session() as session:
        refusals = session.exec(select(AuditEntry).where(AuditEntry.actor == actor.username)).all()
    assert {entry.action for entry in refusals} == {
        "case_io.run_import",
        "case_io.preview_import",
    }
    assert {entry.outcome for entry in refusals} == {"refused"}


# --- command line and messages -------------------------------------------------------------


def test_the_command_line_imports_cases_and_sessions_and_reports_the_time(
    providers, tmp_path, capsys
):
    cases, sessions = tmp_path / "cases.csv", tmp_path / "sessions.xlsx"
    cases.write_bytes(_csv(CASES_ET, CASE_ROWS))
    sessions.write_bytes(_xlsx(SESSIONS_EN, SESSION_ROWS))
    assert main(["import", "cases", str(cases)]) == 0
    out = capsys.readouterr()
    assert "3 new, 0 changed, 0 unchanged in" in out.out and " s " in out.out
    assert "100%" in out.err
    assert main(["import", "sessions", str(sessions)]) == 0
    assert "3 new" in capsys.readouterr().out
    assert main(["import", "cases", str(cases)]) == 0
    assert "0 new, 0 changed, 3 unchanged" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_bytes(_case_file({4: "Narnia"}))
    assert main(["import", "cases", str(bad)]) == 2
    assert 'row 3 / county: Unknown value: "Narnia".' in capsys.readouterr().err


def test_every_message_the_import_can_show_exists_in_both_languages():
    for lang in ("et", "en"):
        missing = sorted(key for key in case_io.message_keys() if key not in CATALOGUES[lang])
        assert missing == [], lang


@pytest.mark.parametrize("kind", case_io.KINDS)
def test_no_header_is_accepted_by_two_fields_of_one_kind(kind):
    seen: dict[str, str] = {}
    for spec in case_io.fields_of(kind):
        for name in spec.column.accepted():
            assert seen.setdefault(name, spec.name) == spec.name, name


@pytest.mark.parametrize(
    ("enum", "text", "code"),
    [
        ("ReferralSource", "Ohvriabitöötaja", "victim_support_worker"),
        ("ReferralSource", "KOV", "local_government"),
        ("VictimCategory", "seksuaalvägivalla ohver", "sexual_violence"),
        ("AgeBand", "alla 18", "0-17"),
        ("AgeBand", "55–64", "55-64"),
        ("Gender", "Teadmata", "unknown"),
        ("Instrument", "core 10", "CORE-10"),
        ("Instrument", "EEK2", "EEK-2"),
        ("TimePoint", "järelkontroll", "follow_up"),
        ("TimePoint", "follow-up", "follow_up"),
        ("County", "Harjumaa", "0037"),
        ("County", "37", "0037"),
        ("ServiceForm", "telefon", "phone"),
    ],
)
def test_values_are_read_from_codes_and_names(enum, text, code):
    assert case_io.resolve(enum, text) == code


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("1 234,50", 123450),
        ("1234.50", 123450),
        ("1.234,5", 123450),
        ("€1,234.50", 123450),
        ("70", 7000),
        ("0,99", 99),
        ("886 €", 88600),
        ("1\u00a0070,00", 107000),
    ],
)
def test_money_is_read_in_estonian_and_english_notation(text, cents):
    assert case_io.parse_money(text) == cents


def test_a_large_file_goes_the_column_wise_way_and_a_late_duplicate_names_both_rows(
    providers, coordinator
):
    _import(coordinator, "cases", _csv(CASES_ET, CASE_ROWS))
    count = 300_000  # more rows than pandas parses in one chunk, more keys than IN (...) takes
    lines = [",".join(SESSIONS_EN)]
    lines += [
        f"S-{n},K-{n % 3 + 1},11111111,2025-03-{n % 28 + 1:02d},60,video,70" for n in range(count)
    ]
    lines.append("S-17,K-1,11111111,2025-03-01,60,video,70")
    data = ("\n".join(lines) + "\n").encode()
    preview = _preview(coordinator, "sessions", data)
    assert (preview.rows, preview.errors) == (count + 1, 1)
    assert [(p.row, p.column, p.key, dict(p.params)) for p in preview.problems] == [
        (count + 2, "session_key", "import.row.duplicate_key", {"first_row": 19})
    ]
    result = _import(coordinator, "sessions", "\n".join(lines[:-1]).encode())
    assert (result.new, result.changed) == (count, 0)
    again = _preview(coordinator, "sessions", "\n".join(lines[:-1]).encode())
    assert (again.new, again.changed, again.unchanged) == (0, 0, count)
    assert _cases()["K-1"].first_session_date == date(2025, 3, 1)


def test_a_field_named_twice_is_refused_but_repeated_unused_columns_are_not(providers, coordinator):
    header = [*CASES_ET, "Märkus", "Märkus"]
    rows = [[*row, "", "vaba tekst"] for row in CASE_ROWS]
    assert _import(coordinator, "cases", _csv(header, rows)).new == 3
    header = [*CASES_ET, "County"]
    rows = [[*row, "Tartu"] for row in CASE_ROWS]
    assert _refused(coordinator, "cases", _csv(header, rows)) == [
        (1, "county", "import.column.duplicate")
    ]
