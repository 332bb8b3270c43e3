"""The Contracts and Reports pages as the coordinator, the lead and the viewer use them."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from core import db
from core.models import Contract, Invoice, Provider
from tests.app.conftest import all_text, new_app, sign_in
from tests.app.test_pages import _empty_database_with_users
from tests.core.contract_world import case, contract, invoice, therapy
from tests.core.contract_world import provider as add_provider
from ui.widgets import today

PAGE = "pages/12_Contracts.py"
REPORTS = "pages/13_Reports.py"


def _open(username: str, page: str = PAGE, lang: str = "et", **query: str):
    app = sign_in(new_app(lang), username)
    for key, value in query.items():
        app.query_params[key] = value
    app.switch_page(page).run()
    assert not app.exception, app.exception
    return app


def _button(app, label: str):
    return next(b for b in app.button if b.label == label)


def _small_world(db_url: str) -> dict[str, int]:
    _empty_database_with_users(db_url)
    now = today()
    with db.write_session() as session:
        p = add_provider(session, "Hingerahu OÜ", "10000001")
        draft = contract(
            session,
            p,
            status="draft",
            number="TTTVT-2026/001",
            start_date=now - timedelta(days=30),
            end_date=now + timedelta(days=700),
        )
        active = contract(
            session,
            p,
            number="TTTVT-2025/002",
            start_date=now - timedelta(days=300),
            end_date=now + timedelta(days=20),
            ceiling_cents=10000,
        )
        first_day = (now.replace(day=1) - timedelta(days=1)).replace(day=1)
        client = case(session, p, decided=first_day, key="K-APP-0001")
        therapy(session, client, p, first_day + timedelta(days=2))
        therapy(session, client, p, first_day + timedelta(days=9))
        bad = invoice(
            session,
            active,
            number="ARVE-1",
            period_start=first_day,
            period_end=first_day + timedelta(days=27),
            sessions_claimed=3,
            amount_cents=21000,
            received_on=now,
        )
    return {"provider": p, "draft": draft, "active": active, "invoice": bad}


def test_the_list_shows_the_ending_alert_and_opens_a_contract(db_url):
    ids = _small_world(db_url)
    app = _open("koordinaator")
    text = all_text(app)
    assert "Lõppevad lepingud" in text and "TTTVT-2025/002" in text
    assert "lõppemas" in app.dataframe[0].value.to_string()
    app = _open("koordinaator", view="detail", contract=str(ids["active"]))
    text = all_text(app)
    assert "Maksimaalsest summast" in text or "Maksimaalne summa on ületatud" in text


def test_coordinator_walks_the_lifecycle_and_a_refusal_says_why(db_url):
    ids = _small_world(db_url)
    app = _open("koordinaator", view="detail", contract=str(ids["draft"]))
    _button(app, "Muuda olekuks: kooskõlastamisel").click().run()
    assert not app.exception
    _button(app, "Muuda olekuks: allkirjastatud").click().run()
    assert not app.exception
    with db.read_session() as session:
        assert session.get(Contract, ids["draft"]).status == "signed"
    _button(app, "Muuda olekuks: ennetähtaegselt lõpetatud").click().run()
    assert any("kirjuta põhjus" in e.value for e in app.error)
    with db.read_session() as session:
        assert session.get(Contract, ids["draft"]).status == "signed"


def test_an_invoice_that_does_not_match_shows_its_difference_and_cannot_be_approved(db_url):
    ids = _small_world(db_url)
    app = _open("koordinaator", view="invoice", invoice=str(ids["invoice"]))
    text = all_text(app)
    assert "Arve ei vasta registreeritud seanssidele" in text
    assert "70,00 €" in text and "K-APP-0001" in text
    _button(app, "Märgi kontrollituks").click().run()
    assert not app.exception
    _button(app, "Kinnita").click().run()
    assert any("Arvet ei saa kinnitada" in e.value for e in app.error)
    with db.read_session() as session:
        assert session.get(Invoice, ids["invoice"]).status == "checked"


def test_the_budget_and_cap_views_render(db_url):
    _small_world(db_url)
    app = _open("koordinaator", view="budget")
    assert "Kõik kehtivad lepingud kokku" in all_text(app)
    app = _open("koordinaator", view="caps")
    assert "Üle piirmäära" in all_text(app)


def test_lead_reads_without_edit_controls(db_url):
    ids = _small_world(db_url)
    app = _open("tiimijuht")
    assert "Lisa leping" not in [b.label for b in app.button]
    app = _open("tiimijuht", view="detail", contract=str(ids["draft"]))
    assert not [b for b in app.button if b.label.startswith("Muuda olekuks")]
    app = _open("tiimijuht", view="invoice", invoice=str(ids["invoice"]))
    assert "Kinnita" not in [b.label for b in app.button]
    assert "Märgi kontrollituks" not in [b.label for b in app.button]


def test_the_pages_work_on_the_demo_data_in_english(demo_db):
    with db.read_session() as session:
        invoice_id = session.exec(select(Invoice.id)).first()
        contract_id = session.exec(select(Contract.id)).first()
    for view, extra in (
        ("list", {}),
        ("detail", {"contract": str(contract_id)}),
        ("budget", {}),
        ("invoices", {}),
        ("invoice", {"invoice": str(invoice_id)}),
        ("caps", {}),
    ):
        app = _open("koordinaator", lang="en", view=view, **extra)
        assert "Contracts and invoices" in [t.value for t in app.title]


def test_the_report_is_generated_and_offered_for_download(demo_db):
    app = _open("koordinaator", page=REPORTS)
    _button(app, "Koosta aruanne").click().run()
    assert not app.exception
    labels = {m.label for m in app.metric}
    assert {"Seansse", "Kliente (kordumatuid)", "Uusi kliente", "Kulu"} <= labels
    assert "Teenuseosutajate kaupa" in all_text(app)
    assert len(app.get("download_button")) == 2


def test_the_viewer_gets_the_report_without_provider_names(demo_db):
    app = _open("vaatleja", page=REPORTS)
    _button(app, "Koosta aruanne").click().run()
    assert not app.exception
    text = all_text(app)
    assert "Maakondade kaupa" in text and "Teenuseosutajate kaupa" not in text
    with db.read_session() as session:
        names = [p.name for p in session.exec(select(Provider)).all()]
    assert not any(name in text for name in names)
