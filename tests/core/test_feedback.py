"""Feedback: personal-data detection, entry, follow-up, proposals, analysis with
suppression, the viewer who never receives a text, and the survey import."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from core import db, pii
from core import feedback_charts as charts
from core import feedback_stats as fstats
from core.errors import PermissionDenied, ValidationFailed
from core.models import AuditEntry, Feedback, FeedbackTheme, Proposal, Provider, Specialist
from core.services import feedback, feedback_io, proposals
from core.tabular import TableRefused
from tests.conftest import FIXED_TODAY

TODAY = FIXED_TODAY

# --- personal data -----------------------------------------------------------------------

VALID_CODES = ["37605030299", "49403136526", "50001010006", "60102030007"]


@pytest.mark.parametrize("code", VALID_CODES)
def test_a_personal_code_with_a_valid_check_digit_is_found_and_redacted(code):
    assert pii.personal_code_valid(code)
    report = pii.scan(f"Minu isikukood on {code}.")
    assert [f.kind for f in report.findings] == [pii.Kind.PERSONAL_CODE]
    assert report.redacted == "Minu isikukood on [isikukood]."


def test_the_second_pass_weights_decide_when_the_first_remainder_is_ten():
    first_weights, second_weights = (1, 2, 3, 4, 5, 6, 7, 8, 9, 1), (3, 4, 5, 6, 7, 8, 9, 1, 2, 3)

    def remainder(prefix: str, weights: tuple[int, ...]) -> int:
        return sum(int(d) * w for d, w in zip(prefix, weights, strict=True)) % 11

    prefixes = (f"4940101{serial:03d}" for serial in range(1000))
    prefix = next(p for p in prefixes if remainder(p, first_weights) == 10)
    second = remainder(prefix, second_weights)
    expected = 0 if second == 10 else second
    assert pii.personal_code_valid(prefix + str(expected))
    assert not pii.personal_code_valid(prefix + str((expected + 1) % 10))


@pytest.mark.parametrize(
    "text",
    [
        "37605030290",  # wrong check digit
        "376050302991",  # twelve digits
        "97605030299",  # no such century digit
        "Arve summa 12345678901 senti",  # eleven digits with a wrong check digit
    ],
)
def test_eleven_digits_without_a_valid_check_digit_are_not_a_personal_code(text):
    assert not any(f.kind is pii.Kind.PERSONAL_CODE for f in pii.scan(text).findings)


@pytest.mark.parametrize("address", ["mari.tamm@example.ee", "Jüri_K+abi@post.eesti.ee", "a@b.co"])
def test_e_mail_addresses_are_found(address):
    report = pii.scan(f"Kirjuta mulle ({address}), palun.")
    assert [f.text for f in report.findings] == [address]
    assert report.redacted == "Kirjuta mulle ([e-post]), palun."


@pytest.mark.parametrize("text", ["kell 10@home", "e-post puudub", "@mari", "mari@", "a@b"])
def test_things_that_only_look_like_e_mail_are_not_found(text):
    assert not [f for f in pii.scan(text).findings if f.kind is pii.Kind.EMAIL]


@pytest.mark.parametrize(
    "phone",
    ["+372 5123 4567", "+3725123456", "00372 612 3456", "5123 4567", "512 3456", "6123456",
     "712 3456", "55512345"],
)  # fmt: skip
def test_estonian_phone_numbers_are_found(phone):
    report = pii.scan(f"Helista {phone} õhtul")
    assert [f.kind for f in report.findings] == [pii.Kind.PHONE], phone
    assert report.redacted == "Helista [telefon] õhtul"


@pytest.mark.parametrize(
    "text",
    [
        "Ootasin 14 päeva, 2025. aastal.",
        "Kohtumisi oli 10 ja hind 500 eurot.",
        "Kuupäev 12.05.2026",
        "Summa 7 500 000 eurot",
        "Kood 4123456",  # starts with 4: not an Estonian local number
        "Tel 512 34",
    ],
)
def test_numbers_that_are_not_phone_numbers_are_left_alone(text):
    assert pii.scan(text).clean, pii.scan(text).findings


def test_known_names_are_found_with_estonian_case_endings_but_not_inside_words():
    names = ["Mari Tamm", "Hingerahu OÜ"]
    report = pii.scan("Rääkisin Mari Tammega ja Hingerahu oli hea. Tammepuu on ilus.", names)
    assert [f.kind for f in report.findings] == [pii.Kind.NAME, pii.Kind.NAME]
    assert report.redacted == "Rääkisin [nimi] ja [nimi] oli hea. Tammepuu on ilus."
    assert pii.scan("Tamm kasvas aias ja Mari tuli koju.", names).clean


def test_one_text_with_every_kind_is_redacted_in_place():
    text = "Mari Tamm, 37605030299, mari@example.ee, +372 5123 4567."
    report = pii.scan(text, ["Mari Tamm"])
    assert report.redacted == "[nimi], [isikukood], [e-post], [telefon]."
    assert report.kinds() == [
        pii.Kind.PERSONAL_CODE,
        pii.Kind.EMAIL,
        pii.Kind.PHONE,
        pii.Kind.NAME,
    ]


def test_known_names_come_from_the_specialist_and_provider_lists(demo_db):
    with db.read_session() as session:
        names = pii.known_names(session)
        specialist = session.execute(select(Specialist.name)).scalars().first()
        provider = session.execute(select(Provider.contact_person)).scalars().first()
    assert specialist in names and provider in names


# --- entry -------------------------------------------------------------------------------


def _entry(**changes):
    data = {
        "source": "client",
        "received_on": TODAY,
        "channel": "survey",
        "language": "et",
        "satisfaction": 4,
        "recommend": 9,
        "text": "Abi oli hea.",
        "themes": [],
    }
    return {**data, **changes}


def _count(model) -> int:
    with db.read_session() as session:
        return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def test_client_feedback_with_an_e_mail_address_is_refused_and_nothing_is_saved(
    db_url, coordinator
):
    with pytest.raises(ValidationFailed) as refused, db.write_session() as session:
        feedback.create_feedback(
            session, coordinator, data=_entry(text="Kirjuta mari@example.ee"), today=TODAY
        )
    assert refused.value.problems[0][:2] == ("feedback.text", "invalid.feedback.personal_data")
    assert _count(Feedback) == 0


def test_the_redacted_text_is_saved_and_the_audit_log_has_no_text(db_url, coordinator):
    with db.read_session() as session:
        report = feedback.check_text(session, coordinator, text="Kirjuta mari@example.ee palun")
    assert report.redacted == "Kirjuta [e-post] palun"
    with db.write_session() as session:
        feedback_id = feedback.create_feedback(
            session, coordinator, data=_entry(text=report.redacted), today=TODAY
        )
    with db.read_session() as session:
        saved = session.get(Feedback, feedback_id)
        entry = session.execute(
            select(AuditEntry).where(AuditEntry.action == "feedback.create")
        ).scalar_one()
    assert saved is not None and saved.text == "Kirjuta [e-post] palun"
    assert "text" in entry.fields
    assert all("[e-post]" not in field and "Kirjuta" not in field for field in entry.fields)


def test_staff_feedback_may_keep_a_contact_address(db_url, coordinator):
    with db.write_session() as session:
        feedback.create_feedback(
            session,
            coordinator,
            data=_entry(source="staff", text="Küsi info@ska.ee kaudu"),
            today=TODAY,
        )
    assert _count(Feedback) == 1


def test_entry_refuses_future_dates_unknown_themes_and_an_event_channel_without_event(
    db_url, coordinator
):
    with pytest.raises(ValidationFailed) as refused, db.write_session() as session:
        feedback.create_feedback(
            session,
            coordinator,
            data=_entry(received_on=TODAY + timedelta(days=1), channel="event"),
            today=TODAY,
        )
    fields = [problem[0] for problem in refused.value.problems]
    assert fields == ["feedback.received_on", "feedback.event_id"]
    with pytest.raises(ValidationFailed), db.write_session() as session:
        feedback.create_feedback(
            session, coordinator, data=_entry(themes=["pole olemas"]), today=TODAY
        )
    assert _count(Feedback) == 0


@pytest.mark.parametrize("role", ["lead", "viewer", "admin"])
def test_only_the_coordinator_enters_feedback(db_url, request, role):
    actor = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied), db.write_session() as session:
        feedback.create_feedback(session, actor, data=_entry(), today=TODAY)
    assert _count(Feedback) == 0


# --- follow-up and proposals ---------------------------------------------------------------


def _saved(coordinator, **changes) -> int:
    with db.write_session() as session:
        return feedback.create_feedback(session, coordinator, data=_entry(**changes), today=TODAY)


def _version(model, record_id) -> int:
    with db.read_session() as session:
        return session.get(model, record_id).version


def test_follow_up_moves_forward_only_and_acting_needs_an_action(db_url, coordinator):
    feedback_id = _saved(coordinator, follow_up_needed=True, follow_up_due=TODAY)
    follow = {"follow_up_needed": True, "follow_up_due": TODAY, "follow_up_owner": "Kadri"}
    with pytest.raises(ValidationFailed) as refused, db.write_session() as session:
        feedback.update_follow_up(
            session,
            coordinator,
            feedback_id=feedback_id,
            data={"status": "acted_on", **follow},
            expected_version=_version(Feedback, feedback_id),
        )
    assert refused.value.problems[0][0] == "feedback.follow_up_action"
    with db.write_session() as session:
        feedback.update_follow_up(
            session,
            coordinator,
            feedback_id=feedback_id,
            data={"status": "acted_on", "follow_up_action": "Helistasin", **follow},
            expected_version=_version(Feedback, feedback_id),
        )
    with pytest.raises(ValidationFailed) as refused, db.write_session() as session:
        feedback.update_follow_up(
            session,
            coordinator,
            feedback_id=feedback_id,
            data={"status": "new", **follow},
            expected_version=_version(Feedback, feedback_id),
        )
    assert refused.value.problems[0][1] == "invalid.feedback.status_backwards"


def test_an_overdue_follow_up_appears_on_the_overview_until_acted_on(db_url, coordinator):
    from core.stats import overview

    feedback_id = _saved(
        coordinator, follow_up_needed=True, follow_up_due=TODAY - timedelta(days=3)
    )
    with db.read_session() as session:
        alerts = overview(session, coordinator, today=TODAY).alerts
    assert [(a.kind, a.record_id) for a in alerts if a.table == "feedback"] == [
        ("feedback_follow_up_overdue", feedback_id)
    ]
    with db.write_session() as session:
        feedback.update_follow_up(
            session,
            coordinator,
            feedback_id=feedback_id,
            data={"status": "acted_on", "follow_up_needed": True, "follow_up_action": "Tehtud"},
            expected_version=_version(Feedback, feedback_id),
        )
    with db.read_session() as session:
        alerts = overview(session, coordinator, today=TODAY).alerts
    assert not [a for a in alerts if a.table == "feedback"]


def test_feedback_starts_a_draft_proposal_that_the_lead_decides(db_url, coordinator, lead):
    feedback_id = _saved(coordinator)
    with db.write_session() as session:
        proposal_id = feedback.start_proposal(
            session,
            coordinator,
            feedback_id=feedback_id,
            title="Lühem ooteaeg",
            rationale="Kliendid ootavad kaua.",
            expected_version=_version(Feedback, feedback_id),
        )
    with db.read_session() as session:
        item = proposals.get_proposal(session, lead, proposal_id=proposal_id)
    assert (item.status, item.origin, item.feedback_ids) == ("draft", "feedback", (feedback_id,))
    # A draft is not decided on.
    with pytest.raises(ValidationFailed), db.write_session() as session:
        proposals.decide_proposal(
            session, lead, proposal_id=proposal_id, decision="accepted", decision_text="Jah",
            expected_version=item.version,
        )  # fmt: skip
    with db.write_session() as session:
        proposals.submit_proposal(
            session, coordinator, proposal_id=proposal_id, expected_version=item.version
        )
    # The coordinator may not decide.
    with pytest.raises(PermissionDenied), db.write_session() as session:
        proposals.decide_proposal(
            session, coordinator, proposal_id=proposal_id, decision="accepted",
            decision_text="Jah", expected_version=_version(Proposal, proposal_id),
        )  # fmt: skip
    with db.write_session() as session:
        proposals.decide_proposal(
            session, lead, proposal_id=proposal_id, decision="accepted",
            decision_text="Kiidan heaks.", expected_version=_version(Proposal, proposal_id),
        )  # fmt: skip
    with db.read_session() as session:
        decided = session.get(Proposal, proposal_id)
    assert decided is not None
    assert (decided.status, decided.decision_text) == ("accepted", "Kiidan heaks.")
    assert decided.decided_on is not None
    with db.write_session() as session:
        proposals.mark_done(
            session, coordinator, proposal_id=proposal_id, expected_version=decided.version
        )
    assert _version(Proposal, proposal_id) == decided.version + 1


@pytest.mark.parametrize(
    "service",
    [
        lambda s, a: proposals.create_proposal(s, a, data={"title": "Uus ettepanek"}),
        lambda s, a: proposals.submit_proposal(s, a, proposal_id=1, expected_version=1),
        lambda s, a: proposals.mark_done(s, a, proposal_id=1, expected_version=1),
        lambda s, a: proposals.update_proposal(
            s, a, proposal_id=1, data={"title": "Muudetud"}, expected_version=1
        ),
        lambda s, a: feedback.start_proposal(
            s, a, feedback_id=1, title="Ettepanek", expected_version=1
        ),
    ],
)
def test_the_lead_only_decides_and_cannot_draft_submit_or_finish(demo_db, lead, service):
    before = _count(Proposal)
    with pytest.raises(PermissionDenied), db.write_session() as session:
        service(session, lead)
    assert _count(Proposal) == before


def test_a_decision_needs_a_submitted_proposal_and_its_text(demo_db, lead):
    with db.read_session() as session:
        submitted = session.execute(
            select(Proposal).where(Proposal.status == "submitted")
        ).scalar_one()
    with pytest.raises(ValidationFailed) as refused, db.write_session() as session:
        proposals.decide_proposal(
            session, lead, proposal_id=submitted.id, decision="accepted", decision_text="",
            expected_version=submitted.version,
        )  # fmt: skip
    assert refused.value.problems[0][0] == "proposal.decision_text"
    with db.read_session() as session:
        assert session.get(Proposal, submitted.id).status == "submitted"


# --- themes ------------------------------------------------------------------------------


def test_the_coordinator_manages_the_theme_list(db_url, coordinator, lead):
    with db.write_session() as session:
        theme_id = feedback.create_theme(session, coordinator, name="  Ootamine  ")
    with pytest.raises(ValidationFailed), db.write_session() as session:
        feedback.create_theme(session, coordinator, name="ootamine")
    with pytest.raises(PermissionDenied), db.write_session() as session:
        feedback.create_theme(session, lead, name="Muu")
    with db.write_session() as session:
        feedback.set_theme_active(
            session, coordinator, theme_id=theme_id, active=False, expected_version=1
        )
    with db.read_session() as session:
        assert feedback.list_themes(session, lead) == []
        assert [t.name for t in feedback.list_themes(session, lead, active_only=False)] == [
            "Ootamine"
        ]
    assert _count(FeedbackTheme) == 1


# --- analysis ----------------------------------------------------------------------------


def test_nps_is_the_share_of_promoters_minus_the_share_of_detractors():
    assert fstats.nps(promoters=5, detractors=2, responses=10) == pytest.approx(30.0)
    assert fstats.nps(promoters=0, detractors=4, responses=4) == pytest.approx(-100.0)
    assert fstats.nps(promoters=3, detractors=3, responses=7) == pytest.approx(0.0)
    assert fstats.nps(0, 0, 0) is None


def _bulk(rows: list[dict]) -> None:
    with db.write_session() as session:
        for row in rows:
            session.add(Feedback(**row))


def _row(day: date, recommend: int, satisfaction: int, **extra) -> dict:
    return {
        "source": "client",
        "received_on": day,
        "channel": "survey",
        "recommend": recommend,
        "satisfaction": satisfaction,
        "text": "salajane tekst",
        "themes": ["ooteaeg"],
        **extra,
    }


def test_trend_computes_mean_and_nps_per_month_and_quarter(db_url, viewer):
    january, february = date(2026, 1, 15), date(2026, 2, 10)
    # January: 10, 9, 8, 6, 3 -> promoters 2, detractors 2 -> NPS 0
    _bulk([_row(january, r, s) for r, s in [(10, 5), (9, 5), (8, 4), (6, 3), (3, 1)]])
    # February: six 10s -> NPS 100
    _bulk([_row(february, 10, 5) for _ in range(6)])
    with db.read_session() as session:
        months = fstats.trend(session, viewer, grain="month")
        quarters = fstats.trend(session, viewer, grain="quarter")
    assert list(months["period"]) == [date(2026, 1, 1), date(2026, 2, 1)]
    assert list(months["responses"]) == [5, 6]
    assert months["nps"].tolist() == [0.0, 100.0]
    assert months["satisfaction"].tolist() == [3.6, 5.0]
    assert quarters["period"].tolist() == [date(2026, 1, 1)]
    # Q1: 11 answers, promoters 8, detractors 2 -> 54.5
    assert quarters["nps"].iloc[0] == pytest.approx(54.5)
    assert quarters["nps_n"].iloc[0] == 11


def test_a_period_below_k_shows_neither_mean_nor_nps(db_url, viewer):
    _bulk([_row(date(2026, 3, 2), 10, 5) for _ in range(3)])
    with db.read_session() as session:
        months = fstats.trend(session, viewer)
    row = months.iloc[0]
    assert row["responses_shown"] == "<5" and row["responses"] is None
    assert row["satisfaction"] is None and row["nps"] is None
    assert row["nps_n_shown"] == "<5"


def test_a_provider_is_shown_only_with_at_least_k_responses(demo_db, viewer):
    with db.read_session() as session:
        providers = session.execute(select(Provider.id, Provider.name).limit(4)).all()
    (big, big_name), (middle, _), (small, small_name), (tiny, tiny_name) = providers
    day = date(2020, 6, 1)  # before the demo data
    scope = fstats.Scope(start=day, end=day)
    _bulk([_row(day, 9, 4, provider_id=big) for _ in range(8)])
    _bulk([_row(day, 9, 4, provider_id=middle) for _ in range(6)])
    _bulk([_row(day, 2, 1, provider_id=small) for _ in range(2)])
    _bulk([_row(day, 10, 5, provider_id=tiny) for _ in range(1)])
    with db.read_session() as session:
        frame = fstats.breakdown(session, viewer, dimension="provider", scope=scope)
    assert set(frame["group"]) == {str(big), str(middle), fstats.OTHER_PROVIDERS}
    shown = frame.set_index("group")
    assert shown.loc[str(big), "name"] == big_name
    assert shown.loc[str(big), "responses"] == 8
    assert shown.loc[str(big), "nps"] == 100.0
    # The two small providers are pooled (3 responses): still below k, so hidden ...
    pooled = shown.loc[fstats.OTHER_PROVIDERS]
    assert pooled["providers"] == 2
    assert pooled["responses_shown"] == "<5" and pd.isna(pooled["nps"])
    # ... and the next smallest cell too, or the total would give the pooled one away.
    assert shown.loc[str(middle), "responses_shown"] == fstats.SECONDARY_MARK
    assert pd.isna(shown.loc[str(middle), "nps"])
    assert small_name not in frame.to_string() and tiny_name not in frame.to_string()


def test_one_hidden_cell_hides_the_next_smallest_so_the_total_cannot_reveal_it(db_url, viewer):
    day = date(2026, 5, 5)
    _bulk([_row(day, 9, 4, source="client") for _ in range(8)])
    _bulk([_row(day, 9, 4, source="partner") for _ in range(6)])
    _bulk([_row(day, 9, 4, source="staff") for _ in range(2)])
    with db.read_session() as session:
        frame = fstats.breakdown(session, viewer, dimension="source")
    shown = frame.set_index("group")["responses_shown"].to_dict()
    assert shown == {"client": "8", "partner": fstats.SECONDARY_MARK, "staff": "<5"}


def test_theme_frequency_counts_mentions_and_hides_small_counts(db_url, viewer):
    with db.write_session() as session:
        session.add(FeedbackTheme(name="ooteaeg"))
        session.add(FeedbackTheme(name="kättesaadavus"))
    day = date(2026, 4, 4)
    _bulk([_row(day, 9, 4, themes=["ooteaeg", "kättesaadavus"]) for _ in range(5)])
    _bulk([_row(day, 9, 4, themes=["kättesaadavus"]) for _ in range(2)])
    with db.read_session() as session:
        frame = fstats.theme_frequency(session, viewer)
        totals = fstats.theme_totals(session, viewer)
    counts = dict(zip(frame["theme"], frame["mentions_shown"], strict=True))
    assert counts == {"ooteaeg": "5", "kättesaadavus": "7"}
    assert totals["theme"].tolist() == ["kättesaadavus", "ooteaeg"]


def test_the_viewer_never_receives_a_text(demo_db, viewer, lead):
    scope = fstats.Scope()
    with pytest.raises(PermissionDenied), db.read_session() as session:
        fstats.theme_texts(session, viewer, theme="ooteaeg", scope=scope)
    with pytest.raises(PermissionDenied), db.read_session() as session:
        feedback.list_feedback(session, viewer)
    with pytest.raises(PermissionDenied), db.read_session() as session:
        feedback.get_feedback(session, viewer, feedback_id=1)
    with db.read_session() as session:
        texts = set(session.execute(select(Feedback.text)).scalars())
        frames = [
            fstats.trend(session, viewer),
            *(fstats.breakdown(session, viewer, dimension=d) for d in fstats.DIMENSIONS),
            fstats.theme_frequency(session, viewer),
        ]
        export = fstats.export_figures(session, viewer, fmt="csv", lang="et")
        lead_texts = fstats.theme_texts(session, lead, theme="ooteaeg")
    seen = "\n".join(frame.to_string() for frame in frames)
    decoded = export.decode("utf-8-sig")
    assert all(text not in seen and text not in decoded for text in texts if text)
    assert not lead_texts.empty and set(lead_texts["text"]) <= texts


def test_the_download_holds_aggregates_and_is_audited(demo_db, viewer):
    with db.write_session() as session:
        data = fstats.export_figures(session, viewer, fmt="xlsx", lang="et", grain="quarter")
    sheet = load_workbook(io.BytesIO(data)).active
    header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    assert header[:4] == ["Vaade", "Periood või rühm", "Teema", "Vastuseid"]
    assert sheet.max_row > 10
    with db.read_session() as session:
        entry = session.execute(
            select(AuditEntry).where(AuditEntry.action == "export")
        ).scalar_one()
    assert entry.actor == "vaatleja" and "kind=feedback_figures" in entry.fields


def test_charts_draw_only_shown_figures_with_their_responses_in_the_tooltip(db_url, viewer):
    _bulk([_row(date(2026, 1, 5), 9, 4) for _ in range(5)])
    _bulk([_row(date(2026, 2, 5), 9, 4) for _ in range(2)])
    with db.read_session() as session:
        frame = fstats.trend(session, viewer)
    frame["label"] = frame["period"].map(lambda d: fstats.period_label(d, "month", "et"))
    spec = charts.trend_chart(
        frame, measure="nps", titles={"period": "P", "value": "NPS", "responses": "n"}
    ).to_dict()
    values = next(iter(spec["datasets"].values()))
    assert [v["responses"] for v in values] == ["5"]
    assert "tooltip" in spec["layer"][0]["encoding"]


# --- import ------------------------------------------------------------------------------


def _csv(text: str) -> bytes:
    return text.encode("utf-8")


SURVEY = (
    "Ajatempel;Hinnang teenusele;Kui tõenäoliselt soovitaksite (0-10);Kommentaar;Muu\n"
    "24.10.2026 10:15;5;10;Väga hea, kirjutage mari@example.ee;x\n"
    "2026-10-25;4;8;Ootasin kaua;y\n"
)


def test_a_survey_export_is_mapped_previewed_redacted_and_saved_at_once(db_url, coordinator):
    headers = feedback_io.file_headers(_csv(SURVEY), "survey.csv")
    assert headers[0] == "Ajatempel"
    mapping = {
        "received_on": "Ajatempel",
        "satisfaction": "Hinnang teenusele",
        "recommend": "Kui tõenäoliselt soovitaksite (0-10)",
        "text": "Kommentaar",
    }
    with db.read_session() as session:
        preview = feedback_io.preview_import(
            session, coordinator, data=_csv(SURVEY), filename="s.csv", mapping=mapping,
            defaults={"source": "client", "channel": "survey"}, today=TODAY,
        )  # fmt: skip
    assert preview.ok and preview.redacted_rows == 1
    assert preview.frame["text"].tolist() == ["Väga hea, kirjutage [e-post]", "Ootasin kaua"]
    assert _count(Feedback) == 0
    with db.write_session() as session:
        created = feedback_io.run_import(
            session, coordinator, data=_csv(SURVEY), filename="s.csv", mapping=mapping,
            today=TODAY,
        )  # fmt: skip
    assert created == 2
    with db.read_session() as session:
        saved = session.execute(select(Feedback).order_by(Feedback.id)).scalars().all()
    assert [(f.received_on, f.satisfaction, f.recommend) for f in saved] == [
        (date(2026, 10, 24), 5, 10),
        (date(2026, 10, 25), 4, 8),
    ]
    assert "mari@example.ee" not in " ".join(f.text for f in saved)


def test_suggested_mapping_finds_estonian_and_english_headers():
    mapping = feedback_io.suggest_mapping(["Kuupäev", "Rahulolu", "NPS", "Comment", "Teemad"])
    assert mapping["received_on"] == "Kuupäev"
    assert mapping["satisfaction"] == "Rahulolu"
    assert mapping["recommend"] == "NPS"
    assert mapping["text"] == "Comment"
    assert mapping["themes"] == "Teemad"


def test_an_import_with_a_bad_row_saves_nothing_and_names_the_row(db_url, coordinator):
    bad = SURVEY + "32.10.2026;7;11;Vigane;z\n"
    mapping = {
        "received_on": "Ajatempel",
        "satisfaction": "Hinnang teenusele",
        "recommend": "Kui tõenäoliselt soovitaksite (0-10)",
        "text": "Kommentaar",
    }
    with pytest.raises(TableRefused) as refused, db.write_session() as session:
        feedback_io.run_import(
            session, coordinator, data=_csv(bad), filename="s.csv", mapping=mapping, today=TODAY
        )
    problems = {(p.row, p.column) for p in refused.value.items}
    assert problems == {(4, "received_on"), (4, "satisfaction"), (4, "recommend")}
    assert _count(Feedback) == 0


def test_an_xlsx_survey_export_is_read_too(db_url, coordinator):
    book = Workbook()
    sheet = book.active
    sheet.append(["Date", "Satisfaction", "Comment"])
    sheet.append([date(2026, 9, 1), 3, "Okay"])
    buffer = io.BytesIO()
    book.save(buffer)
    mapping = feedback_io.suggest_mapping(feedback_io.file_headers(buffer.getvalue(), "x.xlsx"))
    with db.write_session() as session:
        created = feedback_io.run_import(
            session, coordinator, data=buffer.getvalue(), filename="x.xlsx", mapping=mapping,
            today=TODAY,
        )  # fmt: skip
    assert created == 1


def test_the_import_needs_the_date_column_mapped_and_import_permission(db_url, coordinator, lead):
    with db.read_session() as session:
        preview = feedback_io.preview_import(
            session, coordinator, data=_csv(SURVEY), filename="s.csv", mapping={}, today=TODAY
        )
    assert [(p.column, p.key) for p in preview.problems] == [
        ("received_on", "feedback.import.map_required")
    ]
    with pytest.raises(PermissionDenied), db.write_session() as session:
        feedback_io.run_import(
            session, lead, data=_csv(SURVEY), filename="s.csv", mapping={"received_on": "x"}
        )


def test_feedback_can_be_added_to_an_existing_proposal(demo_db, coordinator, lead):
    feedback_id = _saved(coordinator)
    with db.read_session() as session:
        draft = session.execute(select(Proposal).where(Proposal.status == "draft")).scalar_one()
    with pytest.raises(PermissionDenied), db.write_session() as session:
        feedback.link_proposal(
            session, lead, feedback_id=feedback_id, proposal_id=draft.id,
            expected_version=_version(Feedback, feedback_id),
        )  # fmt: skip
    with db.write_session() as session:
        feedback.link_proposal(
            session, coordinator, feedback_id=feedback_id, proposal_id=draft.id,
            expected_version=_version(Feedback, feedback_id),
        )  # fmt: skip
    with db.read_session() as session:
        assert (
            feedback_id in proposals.get_proposal(session, lead, proposal_id=draft.id).feedback_ids
        )
