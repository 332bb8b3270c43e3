"""The Providers page as the coordinator uses it: add a provider, record onboarding steps,
try to activate, see what is missing; the lead reads without edit controls."""

from __future__ import annotations

from sqlmodel import select

from core import db
from core.dates import local_today
from core.models import Provider, Role
from core.services import providers
from tests.app.conftest import all_text, new_app, sign_in
from tests.app.test_pages import _empty_database_with_users
from tests.conftest import actor_with

PAGE = "pages/1_Providers.py"


def _open(username: str, **query: str):
    app = sign_in(new_app(), username)
    for key, value in query.items():
        app.query_params[key] = value
    app.switch_page(PAGE).run()
    assert not app.exception, app.exception
    return app


def _button(app, label: str):
    return next(b for b in app.button if b.label == label)


def _box(app, label: str):
    return next(box for box in app.text_input if box.label == label)


def test_coordinator_adds_a_provider_and_walks_the_onboarding(db_url):
    _empty_database_with_users(db_url)
    app = _open("koordinaator", view="detail", provider="new")
    _box(app, "Nimi").input("<img src=x onerror=alert(1)>")
    _box(app, "Registrikood").input("1234567")  # seven digits: refused
    _box(app, "E-post").input("info@hingerahu.example")
    app.multiselect[0].set_value(["0079"])
    _button(app, "Salvesta").click().run()
    assert not app.exception
    assert any("Registrikood" in e.value for e in app.error)
    with db.read_session() as session:
        assert session.exec(select(Provider)).first() is None

    _box(app, "Registrikood").input("12345678")
    _button(app, "Salvesta").click().run()
    assert not app.exception
    with db.read_session() as session:
        saved = session.exec(select(Provider)).one()
    assert saved.name == "<img src=x onerror=alert(1)>"
    assert app.query_params["provider"] in (str(saved.id), [str(saved.id)])
    # The name is shown inert: escaped for markdown, never as an element.
    assert any("\\<img src=x onerror=alert\\(1\\)\\>" in h.value for h in app.subheader)

    _button(app, "Märgi tehtuks").click().run()  # the first step: the application
    assert not app.exception
    assert "✓ **1. Taotlus (lisa 1)**" in all_text(app)

    _button(app, "Aktiveeri").click().run()
    assert not app.exception
    refusal = "\n".join(e.value for e in app.error).replace("\\", "")
    assert "Pole ühtegi aktiivset nõuetele vastavat spetsialisti" in refusal
    assert "Liitumise samm tegemata: Leping allkirjastatud" in refusal
    with db.read_session() as session:
        assert session.exec(select(Provider)).one().onboarding_status == "applied"


def test_the_list_filters_and_counts_on_demo_data(demo_db):
    app = _open("koordinaator")
    assert "Leitud 40" in all_text(app)
    app.selectbox[0].set_value("0079").run()
    assert not app.exception
    assert "Leitud 40" not in all_text(app)


def test_a_specialist_link_from_the_overview_opens_their_provider(demo_db):
    with db.read_session() as session:
        everyone = providers.all_details(session, actor_with(Role.LEAD), on=local_today())
    detail = next(d for d in everyone if d.specialists)
    person = detail.specialists[0]
    app = _open("tiimijuht", specialist=str(person.id))
    assert not app.exception
    assert any(person.name in e.label for e in app.expander)
    # The lead reads: no save buttons, no status actions.
    labels = {b.label for b in app.button}
    assert "Aktiveeri" not in labels and "Salvesta spetsialistid" not in labels


def test_coverage_view_renders_with_suppressed_counts(demo_db):
    app = _open("koordinaator", view="coverage")
    assert not app.exception
    assert "Maakonniti" in all_text(app)
    assert len(app.dataframe) == 2
