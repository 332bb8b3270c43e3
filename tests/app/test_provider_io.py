"""The Providers page's import and export view: upload, preview, row-level problems in the
reader's language, confirm; the lead gets no controls; nothing is exported until clicked."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import func, select

from core import db
from core.models import AuditEntry, Provider
from tests.app.conftest import all_text, new_app, sign_in
from tests.app.test_pages import _empty_database_with_users

PAGE = "pages/1_Providers.py"
SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
BAD = (
    "\ufeffNimi;Registrikood;E-post;Maakonnad;Keeled;Teenuse vormid\r\n"
    "Hea OÜ;12345678;info@hea.example;Harju;eesti;video\r\n"
    '=HYPERLINK("http://x");1234;pole-aadress;Narnia;eesti;video\r\n'
).encode()


def _open(username: str, lang: str = "et"):
    app = sign_in(new_app(lang), username)
    app.query_params["view"] = "io"
    app.switch_page(PAGE).run()
    assert not app.exception, app.exception
    return app


def _providers() -> int:
    with db.read_session() as session:
        return session.exec(select(func.count()).select_from(Provider)).one()


def _upload(app, name: str, data: bytes):
    app.file_uploader[0].set_value((name, data, "text/csv")).run()
    assert not app.exception, app.exception
    return app


def test_coordinator_previews_and_imports_the_sample_providers(db_url):
    _empty_database_with_users(db_url)
    app = _open("koordinaator")
    assert [b.label for b in app.download_button][:2] == ["Mall (CSV)", "Mall (XLSX)"]
    _upload(app, "providers.csv", (SAMPLES / "providers.csv").read_bytes())
    assert "Ridu 3: lisatakse 3, muudetakse 0, muutmata 0." in all_text(app)
    assert not app.error
    assert _providers() == 0  # the preview writes nothing

    next(b for b in app.button if b.label == "Impordi (3 rida)").click().run()
    assert not app.exception, app.exception
    assert "Import on tehtud: lisatud 3, muudetud 0, muutmata 0." in [s.value for s in app.success]
    assert _providers() == 3


def test_a_bad_file_lists_each_row_problem_in_the_readers_language_and_saves_nothing(db_url):
    _empty_database_with_users(db_url)
    app = _upload(_open("koordinaator", "en"), "bad.csv", BAD)
    assert app.error and "Nothing was saved" in app.error[0].value
    problems = app.dataframe[0].value
    assert list(problems["row"]) == ["3", "3", "3", "3"]
    assert set(problems["column"]) == {"Name", "Registry code", "E-mail", "Counties"}
    assert any("like a formula" in message for message in problems["message"])
    assert any('Unknown value: "Narnia"' in message for message in problems["message"])
    assert not [b for b in app.button if b.label.startswith("Import (")]
    assert _providers() == 0


def test_the_lead_gets_no_import_or_export_controls(demo_db):
    app = _open("tiimijuht")
    assert not app.file_uploader and not app.download_button
    assert "Sinu rollil pole impordi ega ekspordi õigust." in all_text(app)


def test_exports_are_made_only_when_clicked(demo_db):
    app = _open("koordinaator")
    labels = [b.label for b in app.download_button]
    assert labels.count("Laadi alla CSV") == 2 and labels.count("Laadi alla XLSX") == 2
    with db.read_session() as session:
        assert not session.exec(select(AuditEntry).where(AuditEntry.action == "export")).all()
