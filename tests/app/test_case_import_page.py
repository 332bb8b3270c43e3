"""The data import page: templates, upload, column mapping, preview with counts, row
problems in the reader's language, confirm with progress; the lead and the viewer are
refused; it works on the demo data and on an empty database."""

from __future__ import annotations

from sqlmodel import func, select

from core import audit, db
from core.models import Case, Provider, TherapySession
from tests.app.conftest import all_text, new_app, sign_in
from tests.app.test_pages import _empty_database_with_users

PAGE = "pages/15_Import.py"
CASES = (
    "\ufeffJuhtumi kood;Suunamise kuupäev;Suunaja;Ohvri liik;Maakond;Keel;Vanuserühm;Sugu;"
    "Otsuse kuupäev\r\n"
    "T-1;03.01.2025;politsei;lähisuhtevägivald;Harju;eesti;27-39;naine;05.01.2025\r\n"
    "T-2;2025-02-10;ise;witness;0079;vene;65+;mees;\r\n"
).encode()
BAD = (
    b"Case key;Referral date;Referral source;Victim category;County;Language;Age band;Gender;"
    b"Decision date\n"
    b"T-1;03.01.2025;police;crime;Narnia;et;27-39;female;\n"
    b"T-2;31.02.2025;police;crime;Harju;et;27-39;female;\n"
)


def _open(username: str, lang: str = "et"):
    app = sign_in(new_app(lang), username)
    app.switch_page(PAGE).run()
    assert not app.exception, app.exception
    return app


def _count(model) -> int:
    with db.read_session() as session:
        return session.exec(select(func.count()).select_from(model)).one()


def _upload(app, name: str, data: bytes):
    app.file_uploader[0].set_value((name, data, "text/csv")).run()
    assert not app.exception, app.exception
    return app


def test_the_coordinator_sees_kinds_templates_and_the_uploader_on_an_empty_database(db_url):
    _empty_database_with_users(db_url)
    app = _open("koordinaator")
    assert [t.value for t in app.title] == ["Andmete import"]
    assert app.radio[0].options == ["Juhtumid", "Seansid", "Tulemusmõõdikud"]
    assert [b.label for b in app.download_button] == ["Mall (CSV)", "Mall (XLSX)"]
    assert len(app.file_uploader) == 1
    app.radio[0].set_value("sessions").run()
    assert not app.exception, app.exception
    assert "Tulemusmõõdikud" in all_text(app) or app.radio[0].value == "sessions"


def test_uploading_shows_mapping_preview_and_counts_then_imports_with_a_success_message(demo_db):
    before, version = _count(Case), None
    with db.read_session() as session:
        version = audit.data_version(session, facts=True)
    app = _upload(_open("koordinaator"), "juhtumid.csv", CASES)
    labels = [box.label for box in app.selectbox]
    assert "Juhtumi kood (kohustuslik)" in labels and "Piirmäär (€)" in labels
    mapped = {box.label: box.value for box in app.selectbox}
    assert mapped["Maakond (kohustuslik)"] == "Maakond"
    assert mapped["Lõpetamise kuupäev"] is None
    metrics = {m.label: m.value for m in app.metric}
    assert metrics == {"Uusi": "2", "Muudetud": "0", "Muutmata": "0", "Vigaseid ridu": "0"}
    preview = app.dataframe[0].value
    assert list(preview["county"]) == ["Harju maakond", "Tartu maakond"]
    assert list(preview["referral_date"]) == ["03.01.2025", "10.02.2025"]
    assert list(preview["action"]) == ["uus", "uus"]
    assert _count(Case) == before  # the preview writes nothing

    next(b for b in app.button if b.label == "Impordi (uusi 2, muudetud 0)").click().run()
    assert not app.exception, app.exception
    assert any("Import on tehtud: uusi 2, muudetud 0, muutmata 0" in s.value for s in app.success)
    assert _count(Case) == before + 2
    with db.read_session() as session:
        assert audit.data_version(session, facts=True) == version + 1
    assert not app.file_uploader[0].value  # a fresh uploader: the file is not offered again


def test_the_same_file_again_has_nothing_to_import(demo_db):
    app = _upload(_open("koordinaator"), "juhtumid.csv", CASES)
    next(b for b in app.button if b.label.startswith("Impordi")).click().run()
    app = _upload(app, "juhtumid.csv", CASES)
    assert {m.label: m.value for m in app.metric}["Muutmata"] == "2"
    assert "Failis pole midagi uut" in all_text(app)
    assert not [b for b in app.button if b.label.startswith("Impordi")]


def test_row_problems_are_listed_in_the_readers_language_and_nothing_can_be_imported(demo_db):
    before = _count(Case)
    app = _upload(_open("koordinaator", "en"), "bad.csv", BAD)
    assert app.error and "Nothing was saved" in app.error[0].value
    problems = app.dataframe[0].value
    assert list(problems["row"]) == ["2", "3"]
    assert list(problems["column"]) == ["County", "Referral date"]
    assert 'Unknown value: "Narnia".' in problems["message"][0]
    assert not [b for b in app.button if b.label.startswith("Import (")]
    assert _count(Case) == before


def test_a_changed_mapping_is_used_for_the_preview(demo_db):
    header = "Klient;Seanss;Registrikood;Millal;Kestus;Vorm;Hind\n"
    with db.read_session() as session:
        code = session.exec(select(Provider.registry_code)).first()
        key = session.exec(select(Case.case_key)).first()
    data = (header + f"{key};X-1;{code};14.01.2025;60;video;70\n").encode()
    app = _open("koordinaator")
    app.radio[0].set_value("sessions").run()
    app = _upload(app, "seansid.csv", data)
    assert "Kohustuslik veerg puudub." in all_text(app)
    boxes = {box.label: box for box in app.selectbox}
    boxes["Juhtumi kood (kohustuslik)"].set_value("Klient").run()
    boxes = {box.label: box for box in app.selectbox}
    boxes["Seansi kuupäev (kohustuslik)"].set_value("Millal").run()
    assert not app.exception, app.exception
    assert {m.label: m.value for m in app.metric}["Uusi"] == "1"
    before = _count(TherapySession)
    next(b for b in app.button if b.label.startswith("Impordi")).click().run()
    assert _count(TherapySession) == before + 1


def test_a_file_that_cannot_be_read_says_so(db_url):
    _empty_database_with_users(db_url)
    app = _upload(_open("koordinaator", "en"), "old.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1x")
    assert app.error
    assert "old Excel format" in app.dataframe[0].value["message"][0]


def test_the_lead_and_the_viewer_are_refused_the_page(demo_db):
    for username in ("tiimijuht", "vaatleja"):
        app = _open(username)
        assert "Sinu rollil pole" in all_text(app)
        assert not app.file_uploader and not app.download_button


def test_sessions_of_unknown_cases_are_listed_with_the_key_the_file_gave(demo_db):
    header = "Session key;Case key;Provider registry code;Session date;Minutes;Form;Cost (€)\n"
    with db.read_session() as session:
        code = session.exec(select(Provider.registry_code)).first()
    data = (header + f"X-1;NO-SUCH-CASE;{code};14.01.2025;60;video;70,00\n").encode()
    app = _open("koordinaator", "en")
    app.radio[0].set_value("sessions").run()
    app = _upload(app, "sessions.csv", data)
    problems = app.dataframe[0].value
    assert list(problems["column"]) == ["Case key"]
    assert problems["message"][0] == (
        "There is no case with the key “NO-SUCH-CASE”. Import the cases first."
    )
