"""The Feedback and Development proposals pages through AppTest: entry with the offered
redaction, per-view permissions, the viewer who sees no text, the event link, and the
lead's decision."""

from __future__ import annotations

from sqlalchemy import select

from core import db
from core.models import Event, Feedback, Proposal
from tests.app.conftest import all_text, new_app, sign_in

FEEDBACK = "pages/3_Feedback.py"
PROPOSALS = "pages/11_Proposals.py"


def _open(username: str, page: str, lang: str = "et", **params: str):
    app = sign_in(new_app(lang), username)
    for name, value in params.items():
        app.query_params[name] = value
    app.switch_page(page).run()
    assert not app.exception, app.exception
    return app


def _by_key(widgets, key: str):
    return next(widget for widget in widgets if widget.key == key)


def test_client_feedback_with_an_e_mail_is_saved_only_redacted(demo_db):
    app = _open("koordinaator", FEEDBACK, view="entry")
    _by_key(app.text_area, "fb_text_0").input("Aitäh! Kirjuta mulle mari.tamm@example.ee")
    _by_key(app.button, "fb_save_0").click().run()
    assert not app.exception, app.exception
    text = all_text(app)
    assert "e-posti aadress" in text
    assert "Aitäh! Kirjuta mulle [e-post]" in text
    _by_key(app.button, "fb_accept").click().run()
    assert not app.exception, app.exception
    assert "on salvestatud" in all_text(app)
    with db.read_session() as session:
        newest = session.execute(select(Feedback).order_by(Feedback.id.desc())).scalars().first()
    assert newest is not None and newest.text == "Aitäh! Kirjuta mulle [e-post]"


def test_choosing_to_edit_the_text_saves_nothing(demo_db):
    with db.read_session() as session:
        before = len(session.execute(select(Feedback.id)).all())
    app = _open("koordinaator", FEEDBACK, view="entry")
    _by_key(app.text_area, "fb_text_0").input("Helistage 5123 4567")
    _by_key(app.button, "fb_save_0").click().run()
    _by_key(app.button, "fb_edit").click().run()
    assert not app.exception, app.exception
    assert not [b for b in app.button if b.key == "fb_accept"]
    with db.read_session() as session:
        assert len(session.execute(select(Feedback.id)).all()) == before


def test_the_viewer_sees_only_the_analysis_and_never_a_text(demo_db):
    with db.read_session() as session:
        texts = {t for t in session.execute(select(Feedback.text)).scalars() if t}
    for view in ("list", "entry", "analysis", "import"):
        app = _open("vaatleja", FEEDBACK, view=view)
        shown = all_text(app)
        assert "Rahulolu ja soovitamine (NPS) ajas" in shown
        assert not any(text in shown for text in texts)
        assert not app.text_area and not app.get("file_uploader")
        assert not [e for e in app.expander if "tekstid" in e.label]


def test_the_lead_reads_texts_behind_a_theme_but_cannot_enter(demo_db):
    app = _open("tiimijuht", FEEDBACK, view="entry")
    assert "Nimekiri ja järeltegevus" in all_text(app) or app.get("button_group")
    assert not [t for t in app.text_area if t.key and t.key.startswith("fb_text")]
    app = _open("tiimijuht", FEEDBACK, view="analysis")
    _by_key(app.selectbox, "fb_text_theme").select("ooteaeg").run()
    assert not app.exception, app.exception
    assert len(app.dataframe) >= 4


def test_feedback_from_a_held_event_is_prefilled(demo_db):
    with db.read_session() as session:
        event = session.execute(select(Event).order_by(Event.id)).scalars().first()
    assert event is not None
    app = _open("koordinaator", FEEDBACK, event=str(event.id))
    assert _by_key(app.selectbox, "fb_channel_0").value == "event"
    assert _by_key(app.selectbox, "fb_event_0").value == event.id
    assert event.title in all_text(app)


def test_the_list_opens_one_feedback_for_follow_up(demo_db):
    with db.read_session() as session:
        item = session.execute(select(Feedback).order_by(Feedback.id)).scalars().first()
    app = _open("koordinaator", FEEDBACK, view="list", feedback=str(item.id))
    assert f"Tagasiside #{item.id}" in [h.value for h in app.subheader]
    assert item.text in [t.value for t in app.text]


def test_the_lead_accepts_a_submitted_proposal_in_english(demo_db):
    with db.read_session() as session:
        submitted = session.execute(
            select(Proposal).where(Proposal.status == "submitted")
        ).scalar_one()
    app = _open("tiimijuht", PROPOSALS, lang="en", proposal=str(submitted.id))
    assert "Development proposals" in [t.value for t in app.title]
    app.text_area[0].input("Accepted at the team meeting.")
    next(b for b in app.button if b.label == "Save the decision").click().run()
    assert not app.exception, app.exception
    with db.read_session() as session:
        decided = session.get(Proposal, submitted.id)
    assert decided is not None and decided.status == "accepted"


def test_the_coordinator_cannot_decide_and_the_viewer_cannot_open_proposals(demo_db):
    with db.read_session() as session:
        submitted = session.execute(
            select(Proposal).where(Proposal.status == "submitted")
        ).scalar_one()
    app = _open("koordinaator", PROPOSALS, proposal=str(submitted.id))
    assert "Ettepanek ootab tiimijuhi otsust." in all_text(app)
    assert not [b for b in app.button if b.label == "Salvesta otsus"]
    app = _open("vaatleja", PROPOSALS)
    assert "Sinu rollil pole sellele lehele ligipääsu." in all_text(app)
    assert not app.dataframe


def test_the_coordinator_records_a_follow_up_and_the_themes_list(demo_db):
    with db.read_session() as session:
        item = (
            session.execute(select(Feedback).where(Feedback.status == "new").order_by(Feedback.id))
            .scalars()
            .first()
        )
    assert item is not None
    app = _open("koordinaator", FEEDBACK, view="list", feedback=str(item.id))
    [s for s in app.selectbox if s.label == "Olek"][-1].select(
        "reviewed"
    )  # the form, not the filter
    next(t for t in app.text_input if t.label == "Vastutaja").input("Kadri")
    next(b for b in app.button if b.label == "Salvesta").click().run()
    assert not app.exception, app.exception
    with db.read_session() as session:
        saved = session.get(Feedback, item.id)
    assert saved is not None
    assert (saved.status, saved.follow_up_owner) == ("reviewed", "Kadri")
    app = _open("koordinaator", FEEDBACK, view="themes")
    assert "ooteaeg" in [t.value for t in app.text]
