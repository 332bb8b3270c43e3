"""Every page renders for every role that may see it, in both languages, on an empty
database and on demo data; pages a role may not see are refused and show no data."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core import db
from core.config import DEMO_PASSWORD
from core.models import AuditEntry, Role
from core.services import users
from tests.app.conftest import all_text, new_app, sign_in
from tests.conftest import actor_with

PAGES = {
    "overview": "app.py",
    "providers": "pages/1_Providers.py",
    "calendar": "pages/2_Calendar.py",
    "due": "pages/4_Due.py",
    "materials": "pages/5_Materials.py",
    "partners": "pages/6_Partners.py",
    "tasks": "pages/7_Tasks.py",
    "account": "pages/8_Account.py",
    "admin": "pages/9_Admin.py",
    "contracts": "pages/12_Contracts.py",
    "reports": "pages/13_Reports.py",
    "feedback": "pages/3_Feedback.py",
    "proposals": "pages/11_Proposals.py",
    "statistics": "pages/10_Statistics.py",
    "meeting": "pages/14_Meeting.py",
    "import": "pages/15_Import.py",
}
VISIBLE = {
    "koordinaator": {
        "overview",
        "providers",
        "calendar",
        "account",
        *("due", "materials", "partners", "tasks"),
        *("contracts", "reports"),
        *("feedback", "proposals"),
        *("statistics", "meeting"),
        "import",
    },
    "tiimijuht": {
        "overview",
        "providers",
        "calendar",
        "account",
        *("due", "materials", "partners", "tasks"),
        *("contracts", "reports"),
        *("feedback", "proposals"),
        *("statistics", "meeting"),
    },
    "vaatleja": {"overview", "account", "reports", "feedback", "statistics", "meeting"},
    "admin": {"overview", "account", "admin"},  # admin's home lists their pages
}
TITLES = {
    ("feedback", "et"): "Tagasiside",
    ("feedback", "en"): "Feedback",
    ("proposals", "et"): "Arendusettepanekud",
    ("proposals", "en"): "Development proposals",
    ("overview", "et"): "Ülevaade",
    ("overview", "en"): "Overview",
    ("providers", "et"): "Teenuseosutajad",
    ("providers", "en"): "Providers",
    ("contracts", "et"): "Lepingud ja arved",
    ("contracts", "en"): "Contracts and invoices",
    ("reports", "et"): "Tegevus- ja kuluaruanne",
    ("reports", "en"): "Activity and cost report",
    ("calendar", "et"): "Koolituskalender",
    ("calendar", "en"): "Training calendar",
    ("due", "et"): "Tähtajad",
    ("due", "en"): "What is due",
    ("materials", "et"): "Materjalid",
    ("materials", "en"): "Materials",
    ("partners", "et"): "Partnerid",
    ("partners", "en"): "Partners",
    ("tasks", "et"): "Ülesanded",
    ("tasks", "en"): "Tasks",
    ("account", "et"): "Minu konto",
    ("account", "en"): "My account",
    ("admin", "et"): "Haldus",
    ("admin", "en"): "Administration",
    ("import", "et"): "Andmete import",
    ("import", "en"): "Data import",
    ("statistics", "et"): "Statistika ja mõju",
    ("statistics", "en"): "Statistics and impact",
    ("meeting", "et"): "Koosoleku vaade",
    ("meeting", "en"): "Meeting view",
}
USERS = {"koordinaator": "coordinator", "tiimijuht": "lead", "vaatleja": "viewer", "admin": "admin"}


def _empty_database_with_users(db_url: str) -> None:
    system = actor_with(Role.ADMIN, username="cli")
    with db.write_session() as session:
        for username, role in USERS.items():
            users.create_user(
                session,
                system,
                username=username,
                name=username.title(),
                password=DEMO_PASSWORD,
                roles=[role],
            )


def _visit(username: str, page: str, lang: str):
    app = sign_in(new_app(lang), username)
    assert not app.exception, app.exception
    if page != "overview":
        app.switch_page(PAGES[page]).run()
    return app


CASES = [(u, p, lang) for u in USERS for p in PAGES for lang in ("et", "en")]


@pytest.mark.parametrize(("username", "page", "lang"), CASES)
def test_every_page_renders_on_demo_data(demo_db, username, page, lang):
    app = _visit(username, page, lang)
    assert not app.exception, app.exception
    text = all_text(app)
    if page in VISIBLE[username]:
        assert TITLES[(page, lang)] in [t.value for t in app.title]
    else:
        assert ("Sinu rollil pole" if lang == "et" else "Your role has no access") in text
        assert not app.dataframe


@pytest.mark.parametrize(("username", "page", "lang"), CASES)
def test_every_page_renders_on_an_empty_database(db_url, username, page, lang):
    _empty_database_with_users(db_url)
    app = _visit(username, page, lang)
    assert not app.exception, app.exception


def test_a_refused_page_is_audited(demo_db):
    _visit("vaatleja", "admin", "et")
    with db.read_session() as session:
        entry = session.execute(
            select(AuditEntry).where(
                AuditEntry.action == "page_refused", AuditEntry.actor == "vaatleja"
            )
        ).scalar_one()
    assert entry.outcome == "refused"


def test_logged_out_visitors_see_the_login_form_and_no_data(demo_db):
    for path in PAGES.values():
        app = new_app()
        if path != "app.py":
            app.switch_page(path)
        app.run()
        assert not app.exception
        labels = {box.label for box in app.text_input}
        assert {"Kasutajanimi", "Parool"} <= labels
        assert not app.metric and not app.dataframe
        assert "DEMO" in all_text(app)


def test_a_wrong_password_gives_one_message_without_hints(demo_db):
    app = sign_in(new_app(), "koordinaator", password="vale-parool")
    assert [e.value for e in app.error] == [
        "Sisselogimine ebaõnnestus. Kontrolli kasutajanime ja parooli. Pärast mitut "
        "järjestikust ebaõnnestunud katset on sisselogimine 15 minutiks peatatud."
    ]
    assert not app.metric
    unknown = sign_in(new_app(), "keegi", password="vale-parool")
    assert [e.value for e in unknown.error] == [e.value for e in app.error]


def test_viewer_sees_aggregate_tiles_and_no_alert_list(demo_db):
    app = _visit("vaatleja", "overview", "et")
    labels = {metric.label for metric in app.metric}
    assert "Seansid sel kuul" in labels
    assert "Aegunud kvalifikatsioonid" not in labels
    assert "Tähelepanu vajab" not in all_text(app)
    assert not app.dataframe


def test_coordinator_sees_alerts_with_names(demo_db):
    app = _visit("koordinaator", "overview", "et")
    assert "Tähelepanu vajab" in all_text(app)
    assert app.dataframe


def test_logout_ends_the_session_on_the_server(demo_db):
    app = _visit("koordinaator", "overview", "et")
    logout = next(b for b in app.button if b.label == "Logi välja")
    logout.click().run()
    assert not app.exception
    assert "Oled välja logitud." in all_text(app)
    with db.read_session() as session:
        user = users.find_by_username(session, "koordinaator")
        assert user.sessions_valid_after is not None
    app.run()
    assert {"Kasutajanimi", "Parool"} <= {box.label for box in app.text_input}
    assert not app.metric


def test_password_change_signs_the_user_out_everywhere(demo_db):
    app = _visit("koordinaator", "account", "et")
    boxes = {box.label: box for box in app.text_input}
    boxes["Praegune parool"].input("tttvt-demo")
    boxes["Uus parool"].input("uus-pikk-parool")
    boxes["Uus parool uuesti"].input("uus-pikk-parool")
    next(b for b in app.button if b.label == "Salvesta uus parool").click().run()
    assert not app.exception
    assert {"Kasutajanimi", "Parool"} <= {box.label for box in app.text_input}
    again = sign_in(new_app(), "koordinaator", password="uus-pikk-parool")
    assert "Ülevaade" in [t.value for t in again.title]


def test_admin_creates_a_user_and_a_bad_one_is_refused_by_field(demo_db):
    app = _visit("admin", "admin", "et")
    boxes = {box.label: box for box in app.text_input}
    boxes["Kasutajanimi"].input("Vale Nimi")
    boxes["Nimi"].input("Mari Maasikas")
    boxes["Parool"].input("piisavalt-pikk")
    next(b for b in app.button if b.label == "Loo kasutaja").click().run()
    assert not app.exception
    assert any("Kasutajanimi" in e.value for e in app.error)
    with db.read_session() as session:
        assert users.find_by_username(session, "mari") is None

    boxes = {box.label: box for box in app.text_input}
    boxes["Kasutajanimi"].input("mari")
    app.multiselect[0].set_value(["viewer"])
    next(b for b in app.button if b.label == "Loo kasutaja").click().run()
    assert not app.exception
    assert any(s.value == "Kasutaja on loodud." for s in app.success)
    with db.read_session() as session:
        assert users.find_by_username(session, "mari").roles == ["viewer"]


def test_user_text_is_shown_as_text(demo_db):
    system = actor_with(Role.ADMIN, username="cli")
    with db.write_session() as session:
        users.create_user(
            session,
            system,
            username="xss",
            name="<img src=x onerror=alert(1)>",
            password="piisavalt-pikk",
            roles=["viewer"],
        )
    app = _visit("admin", "admin", "et")
    assert "<img src=x onerror=alert(1)>" in app.dataframe[0].value.to_string()
    assert all("<img" not in m.value for m in app.markdown)
