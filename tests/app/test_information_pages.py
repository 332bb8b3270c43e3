"""The Materials, Partners, Tasks and Due pages as the coordinator and the lead use them."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from core import db, due
from core.models import ContactLog, Material, MaterialReview, Role, Task
from core.services.info_common import tallinn_today
from tests.app.conftest import all_text, new_app, sign_in
from tests.app.test_pages import _empty_database_with_users
from tests.conftest import actor_with

COORDINATOR = actor_with(Role.COORDINATOR, username="koordinaator")


def _open(username: str, page: str, lang: str = "et", **query: str):
    app = sign_in(new_app(lang), username)
    for key, value in query.items():
        app.query_params[key] = value
    app.switch_page(page).run()
    assert not app.exception, app.exception
    return app


def _button(app, label: str):
    return next(b for b in app.button if b.label == label)


def _box(app, label: str):
    return next(box for box in app.text_input if box.label == label)


def test_coordinator_adds_a_material_and_marks_it_reviewed(db_url):
    _empty_database_with_users(db_url)
    app = _open("koordinaator", "pages/5_Materials.py", view="detail", material="new")
    _box(app, "Pealkiri").input("<b>Infoleht</b> kliendile")
    app.date_input[0].set_value(tallinn_today() - timedelta(days=400))
    _button(app, "Salvesta").click().run()
    assert not app.exception, app.exception
    with db.read_session() as session:
        saved = session.exec(select(Material)).one()
    assert saved.next_review_on < tallinn_today()
    assert any("Ülevaatuse tähtaeg" in e.value for e in app.error)
    # The title is shown inert.
    assert any("\\<b\\>Infoleht\\</b\\>" in h.value for h in app.subheader)

    _box(app, "Märkus").input("Telefoninumber uuendatud")
    _button(app, "Märgi ülevaadatuks").click().run()
    assert not app.exception, app.exception
    with db.read_session() as session:
        saved = session.exec(select(Material)).one()
        review = session.exec(select(MaterialReview)).one()
    assert saved.last_reviewed == tallinn_today() and saved.next_review_on > tallinn_today()
    assert review.note == "Telefoninumber uuendatud"
    assert "Järgmine ülevaatus" in all_text(app)


def test_material_views_on_demo_data_and_the_lead_reads_only(demo_db):
    app = _open("koordinaator", "pages/5_Materials.py", view="gaps")
    assert "inglise" in app.dataframe[0].value.to_string()
    lead = _open("tiimijuht", "pages/5_Materials.py", view="review")
    assert lead.dataframe and "Lisa materjal" not in [b.label for b in lead.button]
    with db.read_session() as session:
        first = session.exec(select(Material)).first()
    lead = _open("tiimijuht", "pages/5_Materials.py", material=str(first.id))
    assert "Märgi ülevaadatuks" not in [b.label for b in lead.button]
    assert all(b.disabled for b in lead.button if b.label == "Salvesta")


def test_the_lead_assigns_and_the_coordinator_closes_with_a_note(db_url):
    _empty_database_with_users(db_url)
    lead = _open("tiimijuht", "pages/7_Tasks.py")
    _box(lead, "Pealkiri").input("Vastata ministeeriumi päringule")
    _button(lead, "Anna ülesanne").click().run()
    assert not lead.exception, lead.exception
    with db.read_session() as session:
        task = session.exec(select(Task)).one()
    assert lead.query_params["task"] in (str(task.id), [str(task.id)])
    assert "Muuda olekut" not in all_text(lead)
    lead.text_area[0].input("Palun nädala lõpuks")
    _button(lead, "Lisa kommentaar").click().run()
    assert "Palun nädala lõpuks" in all_text(lead)

    app = _open("koordinaator", "pages/7_Tasks.py", task=str(task.id))
    app.selectbox[0].set_value("done")
    _button(app, "Salvesta").click().run()
    assert any("Lõpetamise märkus" in e.value for e in app.error)
    _box(app, "Lõpetamise märkus").input("Vastus saadetud")
    _button(app, "Salvesta").click().run()
    assert not app.exception, app.exception
    with db.read_session() as session:
        task = session.exec(select(Task)).one()
    assert (task.status, task.closing_note) == ("done", "Vastus saadetud")


def test_coordinator_logs_a_contact_with_a_next_step(demo_db):
    app = _open("koordinaator", "pages/6_Partners.py")
    assert app.dataframe[0].value.shape[0] == 30
    with db.read_session() as session:
        before = len(session.exec(select(ContactLog)).all())
    app.query_params["partner"] = "1"
    app.run()
    assert not app.exception, app.exception
    _box(app, "Teema").input("Koostöökohtumine")
    _box(app, "Järgmine samm").input("Saata infomaterjalid")
    app.date_input[1].set_value(tallinn_today() + timedelta(days=3))
    _button(app, "Salvesta kontakt").click().run()
    assert not app.exception, app.exception
    with db.read_session() as session:
        assert len(session.exec(select(ContactLog)).all()) == before + 1
    overview = sign_in(new_app(), "koordinaator")
    assert "Saata infomaterjalid" in all_text(overview)


def test_partner_network_charts_draw(demo_db):
    app = _open("tiimijuht", "pages/6_Partners.py", lang="en", view="network")
    assert "Network by county and type" in all_text(app)
    assert app.get("arrow_vega_lite_chart") or app.get("vega_lite_chart")


def test_the_due_list_shows_every_area_and_hides_an_item_marked_done(demo_db):
    app = _open("koordinaator", "pages/4_Due.py")
    table = app.dataframe[0].value
    assert {"Materjal", "Partner", "Ülesanne", "Kvalifikatsioon"} <= set(table["source"])
    assert any(d.label == "Laadi alla kalendrifail (.ics)" for d in app.get("download_button"))
    links = [link for link in table["link"] if link]
    assert any(link.startswith("/Materials?material=") for link in links)
    assert any(link.startswith("/Providers?specialist=") for link in links)

    # AppTest cannot click a dataframe row; the row's button calls this same service.
    with db.read_session() as session:
        item = due.gather(session, COORDINATOR, today=tallinn_today())[0]
    with db.write_session() as session:
        due.set_item_state(session, COORDINATOR, key=item.key, action="done", today=tallinn_today())
    app.run()
    assert len(app.dataframe[0].value) == len(table) - 1
    app.checkbox[0].check().run()  # show done
    assert "✓ tehtud" in app.dataframe[0].value["state"].tolist()

    lead = _open("tiimijuht", "pages/4_Due.py", lang="en")
    assert lead.dataframe[0].value.shape[0] == len(table) - 1
    assert not lead.get("download_button")


def test_unknown_records_and_forbidden_forms_show_a_message(db_url):
    _empty_database_with_users(db_url)
    for page, query in (
        ("pages/5_Materials.py", {"material": "999"}),
        ("pages/6_Partners.py", {"partner": "999"}),
        ("pages/7_Tasks.py", {"task": "999"}),
    ):
        app = _open("tiimijuht", page, **query)
        assert any("Kirjet ei leitud" in e.value for e in app.error), page
    app = _open("tiimijuht", "pages/5_Materials.py", material="new")
    assert any("Sul pole selleks õigust" in e.value for e in app.error)
    assert not app.text_input or all(box.label != "Pealkiri" for box in app.text_input)
