"""Contracts, invoices and the report in a real browser, as the coordinator works: create a
contract, import an invoice that does not match, see the flag and its difference, correct
the invoice, approve it, then download the month's report and check its totals."""

from __future__ import annotations

import io
import json
import sqlite3
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.helpers import (
    expect,
    log_in,
    main_area,
    screenshot_full_page,
    wait_for_page,
    wait_until_settled,
)

pytestmark = pytest.mark.e2e

NUMBER = "E2E-2026/001"
INVOICE = "E2E-ARVE-1"


def _money(cents: int) -> str:
    """Estonian money as the app writes it: 1 234,50 €."""
    return f"{cents / 100:,.2f} €".replace(",", " ").replace(".", ",")


def _database(app_server) -> sqlite3.Connection:
    path = app_server.log_path.parent / "data" / "tttvt.sqlite3"
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def _last_month() -> tuple[date, date]:
    today = datetime.now(ZoneInfo("Europe/Tallinn")).date()
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def _busiest_provider(connection: sqlite3.Connection, start: date, end: date) -> tuple[int, str]:
    return connection.execute(
        "SELECT p.id, p.name FROM therapy_session s JOIN provider p ON p.id = s.provider_id "
        "WHERE s.session_date BETWEEN ? AND ? GROUP BY p.id, p.name "
        "ORDER BY count(*) DESC, p.id LIMIT 1",
        (start.isoformat(), end.isoformat()),
    ).fetchone()


def _type_date(field, value: date) -> None:
    field.locator("[role=spinbutton]").first.click()
    field.page.keyboard.type(value.strftime("%d%m%Y"))
    field.page.keyboard.press("Tab")


def _click(page, name: str) -> None:
    main_area(page).get_by_role("button", name=name, exact=True).click()
    wait_until_settled(page)


def test_contract_invoice_reconciliation_approval_and_report(page, app_server):
    start, end = _last_month()
    with _database(app_server) as connection:
        provider_id, provider_name = _busiest_provider(connection, start, end)
    log_in(page, "koordinaator")
    main = main_area(page)

    # 1. A new contract for the provider, with the prices of its latest contract.
    page.goto("/Contracts?view=detail&contract=new")
    wait_for_page(page, main.get_by_label("Teenuseosutaja", exact=True))
    main.get_by_label("Teenuseosutaja", exact=True).click()
    page.keyboard.type(provider_name)
    page.keyboard.press("Enter")
    wait_until_settled(page)
    expect(
        main.get_by_text("Ühikuhinnad on võetud teenuseosutaja viimasest lepingust")
    ).to_be_visible()
    main.get_by_label("Lepingu nr").fill(NUMBER)
    main.get_by_label("Maksimaalne summa (€)").fill("50000")
    _type_date(main.get_by_label("Algus", exact=True), date(start.year, 1, 1))
    _type_date(main.get_by_label("Lõpp", exact=True), date(start.year + 1, 12, 31))
    main.get_by_label("Dokumendi number").fill("7.2-3/2026/999")
    _click(page, "Salvesta")
    expect(main.get_by_role("heading", name=f"{NUMBER} · {provider_name}")).to_be_visible()

    # ... walked through its lifecycle to active.
    main.get_by_role("tab", name="Olek ja lisalepingud").click()
    for status in ("kooskõlastamisel", "allkirjastatud", "kehtiv"):
        _click(page, f"Muuda olekuks: {status}")
    expect(main.get_by_text("Praegune olek:")).to_contain_text("kehtiv")

    with _database(app_server) as connection:
        (prices,) = connection.execute(
            "SELECT unit_prices FROM contract WHERE number = ?", (NUMBER,)
        ).fetchone()
        groups = connection.execute(
            "SELECT form, minutes, count(*) FROM therapy_session WHERE provider_id = ? "
            "AND session_date BETWEEN ? AND ? GROUP BY form, minutes",
            (provider_id, start.isoformat(), end.isoformat()),
        ).fetchall()
    price = {(p["form"], p["minutes"]): p["price_cents"] for p in json.loads(prices)}
    recorded = sum(n for _f, _m, n in groups)
    expected = sum(price[(f, m)] * n for f, m, n in groups)
    assert recorded > 0

    # 2. An invoice claiming one session too many, imported from a file.
    page.goto("/Contracts?view=invoices")
    wait_for_page(page, main.get_by_text("Impordi arved failist"))
    main.get_by_text("Impordi arved failist").click()
    claimed, amount = recorded + 1, expected + 7000
    csv = (
        "Lepingu number;Arve number;Perioodi algus;Perioodi lõpp;Seansside arv;Summa (€)\n"
        f"{NUMBER};{INVOICE};{start:%d.%m.%Y};{end:%d.%m.%Y};{claimed};"
        f"{amount // 100},{amount % 100:02d}\n"
    ).encode()
    main.locator("input[type=file]").set_input_files(
        {"name": "arved.csv", "mimeType": "text/csv", "buffer": csv}
    )
    wait_until_settled(page)
    _click(page, "Impordi (1 rida)")
    expect(main.get_by_text("Imporditud 1 arvet; neist 1 ei vasta")).to_be_visible()

    # 3. The flag and its difference.
    with _database(app_server) as connection:
        (invoice_id,) = connection.execute(
            "SELECT id FROM invoice WHERE number = ?", (INVOICE,)
        ).fetchone()
    page.goto(f"/Contracts?view=invoice&invoice={invoice_id}")
    flag = main.get_by_text("Arve ei vasta registreeritud seanssidele")
    wait_for_page(page, flag)
    expect(flag).to_contain_text(f"summa vahe {_money(7000)}")
    expect(flag).to_contain_text("seansside vahe +1")
    screenshot_full_page(page, "contracts-invoice.png")

    # 4. Corrected to what was recorded; then checked and approved.
    main.get_by_label("Arvel seansse").fill(str(recorded))
    main.get_by_label("Arve summa (€)").fill(f"{expected / 100:.2f}")
    _click(page, "Salvesta parandus")
    expect(
        main.get_by_text("Arve vastab registreeritud seanssidele ja lepingu ühikuhindadele.")
    ).to_be_visible()
    _click(page, "Märgi kontrollituks")
    _click(page, "Kinnita")
    expect(main.get_by_text("Arve vastab registreeritud")).to_be_visible()
    with _database(app_server) as connection:
        status, decided = connection.execute(
            "SELECT status, decided_at FROM invoice WHERE id = ?", (invoice_id,)
        ).fetchone()
    assert status == "approved" and decided

    # The contracts page, for the documentation.
    page.goto("/Contracts")
    wait_for_page(page, main.get_by_text("Lõppevad lepingud"))
    screenshot_full_page(page, "contracts.png")

    # 5. The report of that month: its totals are the sessions in the database.
    page.goto("/Reports")
    wait_for_page(page, main.get_by_role("button", name="Koosta aruanne"))
    _click(page, "Koosta aruanne")
    expect(main.get_by_text("Aruanne on valmis.")).to_be_visible()
    with page.expect_download() as download_info:
        main.get_by_role("button", name="XLSX").click()
    content = open(download_info.value.path(), "rb").read()  # noqa: SIM115
    from openpyxl import load_workbook

    summary = {
        row[0].value: row[1].value
        for row in load_workbook(io.BytesIO(content))["Kokkuvõte"].iter_rows(min_row=2)
    }
    with _database(app_server) as connection:
        sessions, cost = connection.execute(
            "SELECT count(*), sum(cost_cents) FROM therapy_session "
            "WHERE session_date BETWEEN ? AND ?",
            (start.isoformat(), end.isoformat()),
        ).fetchone()
    assert summary["Seansse"] == sessions
    assert summary["Kulu"] == pytest.approx(cost / 100)
    expect(main.get_by_test_id("stMetric").filter(has_text="Seansse")).to_contain_text(
        str(sessions)
    )
    with page.expect_download() as pdf_info:
        main.get_by_role("button", name="PDF").click()
    assert open(pdf_info.value.path(), "rb").read(4) == b"%PDF"  # noqa: SIM115
