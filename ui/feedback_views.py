"""Drawing helpers of the Feedback page: entry with the personal-data check, the list
and follow-up, the analysis, the import and the theme list.

Each view has its own permission (VIEWS); the page offers only the views the reader may
open, and the services refuse the rest whatever the page does. The viewer opens only the
analysis, which holds suppressed aggregates and no text. User text is shown with
st.text, st.dataframe or widgets.plain, never as markdown or HTML.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pandas as pd
import streamlit as st

from core import db
from core import feedback_charts as charts
from core import feedback_stats as fstats
from core.dates import add_months
from core.errors import DomainError
from core.formatting import format_date, format_number
from core.models import FeedbackChannel, FeedbackSource, FeedbackStatus, Language
from core.permissions import Actor, Permission
from core.services import feedback, feedback_io, proposals
from core.tabular import MAX_BYTES, Format, Problem, TableRefused, mime_type
from ui import widgets
from ui.i18n import current_language, label, tr

VIEWS: dict[str, Permission] = {
    "entry": Permission.EDIT_RECORDS,
    "list": Permission.VIEW_FREE_TEXT,
    "analysis": Permission.VIEW_STATISTICS,
    "import": Permission.IMPORT_DATA,
    "themes": Permission.EDIT_RECORDS,
}
FORMATS: tuple[Format, ...] = ("csv", "xlsx")
_NONCE = "_fb_entry_nonce"
_PENDING = "_fb_pending"
_SAVED = "_fb_saved"
_IMPORT_NONCE = "_fb_import_nonce"
_IMPORT_DONE = "_fb_import_done"
_EVENT_FILLED = "_fb_event_filled"


def allowed_views(actor: Actor) -> list[str]:
    """The views this reader may open; also what the page offers (VIEW_RECORDS for records)."""
    views = []
    for view, permission in VIEWS.items():
        needs_records = view != "analysis"
        if actor.can(permission) and (not needs_records or actor.can(Permission.VIEW_RECORDS)):
            views.append(view)
    return views


def _optional(values: list[Any]) -> list[Any]:
    return [None, *values]


# --- entry -------------------------------------------------------------------------------


def entry_view(actor: Actor, *, event_param: str | None) -> None:
    lang = current_language()
    saved = st.session_state.pop(_SAVED, None)
    if saved:
        st.success(tr("feedback.entry.saved", id=saved))
        st.page_link(
            "pages/3_Feedback.py",
            label=tr("feedback.entry.open_saved"),
            icon=":material/arrow_forward:",
            query_params={"view": "list", "feedback": str(saved)},
        )
    nonce = st.session_state.setdefault(_NONCE, 0)

    def key(name: str) -> str:
        return f"fb_{name}_{nonce}"

    with db.read_session() as session:
        providers = feedback.provider_choices(session, actor)
        events = feedback.event_choices(session, actor)
        themes = [theme.name for theme in feedback.list_themes(session, actor)]

    event_id = int(event_param) if event_param and event_param.isdigit() else None
    if event_id is not None and st.session_state.get(_EVENT_FILLED) != (event_id, nonce):
        st.session_state[key("channel")] = FeedbackChannel.EVENT.value
        if event_id in events:
            st.session_state[key("event")] = event_id
        st.session_state[_EVENT_FILLED] = (event_id, nonce)
    if event_id is not None and event_id in events:
        title, held_on = events[event_id]
        st.info(tr("feedback.entry.from_event", title=title, date=format_date(held_on, lang)))

    st.caption(tr("feedback.entry.help"))
    top = st.columns(4)
    source = top[0].selectbox(
        tr("field.feedback.source"),
        [s.value for s in FeedbackSource],
        format_func=lambda v: label(v, "FeedbackSource"),
        key=key("source"),
    )
    received_on = top[1].date_input(
        tr("field.feedback.received_on"),
        value=widgets.today(),
        max_value=widgets.today(),
        format="DD.MM.YYYY",
        key=key("received_on"),
    )
    channel = top[2].selectbox(
        tr("field.feedback.channel"),
        [c.value for c in FeedbackChannel],
        format_func=lambda v: label(v, "FeedbackChannel"),
        key=key("channel"),
    )
    language = top[3].selectbox(
        tr("field.language"),
        [x.value for x in Language],
        format_func=lambda v: label(v, "Language"),
        key=key("language"),
    )
    middle = st.columns(4)
    provider_id = middle[0].selectbox(
        tr("field.feedback.provider_id"),
        _optional(list(providers)),
        format_func=lambda v: providers[v] if v is not None else tr("feedback.none"),
        key=key("provider"),
    )
    chosen_event = None
    if channel == FeedbackChannel.EVENT.value:
        chosen_event = middle[1].selectbox(
            tr("field.feedback.event_id"),
            _optional(list(events)),
            format_func=lambda v: (
                f"{events[v][0]} · {format_date(events[v][1], lang)}"
                if v is not None
                else tr("feedback.none")
            ),
            key=key("event"),
        )
    satisfaction = middle[2].selectbox(
        tr("field.feedback.satisfaction"),
        _optional([1, 2, 3, 4, 5]),
        format_func=lambda v: str(v) if v is not None else tr("feedback.not_answered"),
        key=key("satisfaction"),
    )
    recommend = middle[3].selectbox(
        tr("field.feedback.recommend"),
        _optional(list(range(11))),
        format_func=lambda v: str(v) if v is not None else tr("feedback.not_answered"),
        key=key("recommend"),
    )
    text = st.text_area(
        tr("field.feedback.text"),
        key=key("text"),
        max_chars=8000,
        help=tr("feedback.entry.text_help"),
    )
    chosen_themes = st.multiselect(tr("field.feedback.themes"), themes, key=key("themes"))
    bottom = st.columns([1, 1, 2])
    follow_up = bottom[0].checkbox(tr("field.feedback.follow_up_needed"), key=key("follow_up"))
    due = None
    if follow_up:
        due = bottom[1].date_input(
            tr("field.feedback.follow_up_due"),
            value=widgets.today() + timedelta(days=14),
            format="DD.MM.YYYY",
            key=key("due"),
        )
    data = {
        "source": source,
        "received_on": received_on,
        "channel": channel,
        "provider_id": provider_id,
        "event_id": chosen_event,
        "language": language,
        "satisfaction": satisfaction,
        "recommend": recommend,
        "text": text,
        "themes": chosen_themes,
        "follow_up_needed": follow_up,
        "follow_up_due": due,
    }
    pending = st.session_state.get(_PENDING)
    if pending is not None and pending.get("text") != text:
        st.session_state.pop(_PENDING, None)  # the text was edited since the check
        pending = None
    if pending is None:
        if st.button(tr("feedback.entry.save"), type="primary", key=key("save")):
            _check_and_save(actor, data)
        return
    _redaction_offer(actor, data, pending)


def _finish_entry(saved_id: int) -> None:
    st.session_state.pop(_PENDING, None)
    st.session_state[_SAVED] = saved_id
    st.session_state[_NONCE] = st.session_state.get(_NONCE, 0) + 1
    st.rerun()


def _check_and_save(actor: Actor, data: dict[str, Any]) -> None:
    try:
        with db.read_session() as session:
            report = feedback.check_text(session, actor, text=data["text"])
    except DomainError as error:
        widgets.show_error(error)
        return
    if report.clean:
        saved = widgets.write(actor, feedback.create_feedback, "", data=data)
        if saved:
            _finish_entry(int(saved))
        return
    st.session_state[_PENDING] = {
        "text": data["text"],
        "redacted": report.redacted,
        "kinds": [kind.value for kind in report.kinds()],
    }
    st.rerun()


def _redaction_offer(actor: Actor, data: dict[str, Any], pending: dict[str, Any]) -> None:
    kinds = ", ".join(tr(f"feedback.pii.{kind}") for kind in pending["kinds"])
    st.warning(tr("feedback.entry.pii_found", kinds=kinds), icon=":material/shield:")
    st.caption(tr("feedback.entry.redacted_version"))
    st.text(pending["redacted"])
    columns = st.columns(3)
    if columns[0].button(tr("feedback.entry.accept_redaction"), type="primary", key="fb_accept"):
        saved = widgets.write(
            actor, feedback.create_feedback, "", data={**data, "text": pending["redacted"]}
        )
        if saved:
            _finish_entry(int(saved))
    if columns[1].button(tr("feedback.entry.edit_text"), key="fb_edit"):
        st.session_state.pop(_PENDING, None)
        st.rerun()
    if data["source"] != FeedbackSource.CLIENT.value and columns[2].button(
        tr("feedback.entry.keep_text"), key="fb_keep"
    ):
        saved = widgets.write(actor, feedback.create_feedback, "", data=data)
        if saved:
            _finish_entry(int(saved))
    if data["source"] == FeedbackSource.CLIENT.value:
        st.caption(tr("feedback.entry.client_anonymous"))


# --- list and follow-up --------------------------------------------------------------------


def list_view(actor: Actor, params: Any) -> None:
    lang = current_language()
    with db.read_session() as session:
        themes = [theme.name for theme in feedback.list_themes(session, actor, active_only=False)]
    columns = st.columns([2, 2, 2, 1, 1])
    status = columns[0].selectbox(
        tr("field.status"),
        _optional([s.value for s in FeedbackStatus]),
        format_func=lambda v: label(v, "FeedbackStatus") if v else tr("any"),
        key="fb_filter_status",
    )
    source = columns[1].selectbox(
        tr("field.feedback.source"),
        _optional([s.value for s in FeedbackSource]),
        format_func=lambda v: label(v, "FeedbackSource") if v else tr("any"),
        key="fb_filter_source",
    )
    theme = columns[2].selectbox(
        tr("field.feedback.themes"),
        _optional(themes),
        format_func=lambda v: v if v else tr("any"),
        key="fb_filter_theme",
    )
    follow_up_only = columns[3].checkbox(tr("feedback.list.follow_up_only"), key="fb_filter_fu")
    overdue_only = columns[4].checkbox(tr("feedback.list.overdue_only"), key="fb_filter_overdue")
    filters = feedback.FeedbackFilter(
        status=status,
        source=source,
        theme=theme,
        follow_up_only=follow_up_only,
        overdue_only=overdue_only,
    )
    with db.read_session() as session:
        table = feedback.list_feedback(session, actor, filters=filters, today=widgets.today())
    st.caption(tr("feedback.list.count", shown=len(table), limit=feedback.LIST_LIMIT))
    shown = table.copy()
    if not shown.empty:
        shown["received_on"] = shown["received_on"].map(lambda d: format_date(d, lang))
        shown["follow_up_due"] = shown["follow_up_due"].map(
            lambda d: format_date(d, lang) if d else ""
        )
        shown["source"] = shown["source"].map(lambda v: label(v, "FeedbackSource"))
        shown["channel"] = shown["channel"].map(lambda v: label(v, "FeedbackChannel"))
        shown["status"] = shown["status"].map(lambda v: label(v, "FeedbackStatus"))
    st.session_state["_fb_table_ids"] = [int(i) for i in table["id"]]

    def pick() -> None:
        state = st.session_state.get("fb_table")
        rows = state.selection.rows if state is not None else []
        ids = st.session_state.get("_fb_table_ids", [])
        if rows and rows[0] < len(ids):
            params["feedback"] = str(ids[rows[0]])

    st.dataframe(
        shown.drop(columns=["version"]),
        hide_index=True,
        width="stretch",
        on_select=pick,
        selection_mode="single-row",
        key="fb_table",
        column_config={
            "id": st.column_config.NumberColumn("#", format="%d"),
            "received_on": tr("field.feedback.received_on"),
            "source": tr("field.feedback.source"),
            "channel": tr("field.feedback.channel"),
            "provider_name": tr("field.feedback.provider_id"),
            "satisfaction": tr("field.feedback.satisfaction"),
            "recommend": tr("field.feedback.recommend"),
            "themes": tr("field.feedback.themes"),
            "text": st.column_config.TextColumn(tr("field.feedback.text"), width="large"),
            "status": tr("field.status"),
            "follow_up_due": tr("field.feedback.follow_up_due"),
            "follow_up_owner": tr("field.feedback.follow_up_owner"),
            "proposal_id": st.column_config.NumberColumn(tr("feedback.proposal"), format="%d"),
        },
    )
    if params.get("feedback", "").isdigit():
        st.divider()
        feedback_detail(actor, int(params["feedback"]))


def feedback_detail(actor: Actor, feedback_id: int) -> None:
    lang = current_language()
    try:
        with db.read_session() as session:
            item = feedback.get_feedback(session, actor, feedback_id=feedback_id)
            themes = [theme.name for theme in feedback.list_themes(session, actor)]
    except DomainError as error:
        widgets.show_error(error)
        return
    st.subheader(tr("feedback.detail.title", id=item.id))
    facts = [
        f"{tr('field.feedback.received_on')}: {format_date(item.received_on, lang)}",
        f"{tr('field.feedback.source')}: {label(item.source, 'FeedbackSource')}",
        f"{tr('field.feedback.channel')}: {label(item.channel, 'FeedbackChannel')}",
        f"{tr('field.language')}: {label(item.language, 'Language')}",
        f"{tr('field.feedback.satisfaction')}: {item.satisfaction if item.satisfaction else '–'}",
        f"{tr('field.feedback.recommend')}: "
        + (str(item.recommend) if item.recommend is not None else "–"),
    ]
    if item.provider_name:
        facts.append(f"{tr('field.feedback.provider_id')}: {item.provider_name}")
    st.caption(widgets.plain(" · ".join(facts)))
    st.text(item.text or tr("feedback.detail.no_text"))
    may_edit = actor.can(Permission.EDIT_RECORDS)
    statuses = [s.value for s in FeedbackStatus]
    with st.form(f"fb_follow_up_{item.id}_{item.version}"):
        st.markdown(f"**{tr('feedback.detail.follow_up')}**")
        columns = st.columns(3)
        status = columns[0].selectbox(
            tr("field.status"),
            statuses[statuses.index(item.status) :],
            format_func=lambda v: label(v, "FeedbackStatus"),
            disabled=not may_edit,
        )
        owner = columns[1].text_input(
            tr("field.feedback.follow_up_owner"), value=item.follow_up_owner, disabled=not may_edit
        )
        due = columns[2].date_input(
            tr("field.feedback.follow_up_due"),
            value=item.follow_up_due,
            format="DD.MM.YYYY",
            disabled=not may_edit,
        )
        needed = st.checkbox(
            tr("field.feedback.follow_up_needed"),
            value=item.follow_up_needed,
            disabled=not may_edit,
        )
        action = st.text_area(
            tr("field.feedback.follow_up_action"),
            value=item.follow_up_action,
            disabled=not may_edit,
        )
        chosen = st.multiselect(
            tr("field.feedback.themes"),
            sorted(set(themes) | set(item.themes)),
            default=list(item.themes),
            disabled=not may_edit,
        )
        submitted = st.form_submit_button(tr("save"), type="primary", disabled=not may_edit)
    if submitted and may_edit:
        done = widgets.write(
            actor,
            feedback.update_follow_up,
            "feedback.detail.saved",
            feedback_id=item.id,
            data={
                "status": status,
                "follow_up_needed": needed,
                "follow_up_action": action,
                "follow_up_owner": owner,
                "follow_up_due": due,
                "themes": chosen,
            },
            expected_version=item.version,
        )
        if done:
            st.rerun()
    _proposal_part(actor, item)


def _proposal_part(actor: Actor, item: feedback.FeedbackRead) -> None:
    st.markdown(f"**{tr('feedback.detail.proposal')}**")
    if item.proposal_id is not None:
        st.page_link(
            "pages/11_Proposals.py",
            label=tr("feedback.detail.open_proposal", id=item.proposal_id),
            icon=":material/lightbulb:",
            query_params={"proposal": str(item.proposal_id)},
        )
        return
    if not actor.can(Permission.EDIT_RECORDS):
        st.caption(tr("feedback.detail.no_proposal"))
        return
    with st.form(f"fb_proposal_{item.id}"):
        title = st.text_input(tr("field.proposal.title"), max_chars=200)
        rationale = st.text_area(
            tr("field.proposal.rationale"), help=tr("feedback.detail.rationale_help")
        )
        effect = st.text_area(tr("field.proposal.expected_effect"))
        create = st.form_submit_button(tr("feedback.detail.start_proposal"))
    if create:
        created = widgets.write(
            actor,
            feedback.start_proposal,
            "feedback.detail.proposal_created",
            feedback_id=item.id,
            title=title,
            rationale=rationale,
            expected_effect=effect,
            expected_version=item.version,
        )
        if created:
            st.rerun()
    _link_existing(actor, item)


def _link_existing(actor: Actor, item: feedback.FeedbackRead) -> None:
    """Or add this feedback to a proposal that is not decided yet."""
    with db.read_session() as session:
        table = proposals.list_proposals(session, actor)
    open_ones = table[table["status"].isin(["draft", "submitted"])]
    if open_ones.empty:
        return
    choices = {
        int(row["id"]): f"#{row['id']} {row['title']} ({label(row['status'], 'ProposalStatus')})"
        for _, row in open_ones.iterrows()
    }
    columns = st.columns([3, 1], vertical_alignment="bottom")
    chosen = columns[0].selectbox(
        tr("feedback.detail.link_existing"),
        list(choices),
        format_func=choices.__getitem__,
        key=f"fb_link_{item.id}",
    )
    if columns[1].button(
        tr("feedback.detail.link"), key=f"fb_link_button_{item.id}"
    ) and widgets.write(
        actor,
        feedback.link_proposal,
        "feedback.detail.linked",
        feedback_id=item.id,
        proposal_id=chosen,
        expected_version=item.version,
    ):
        st.rerun()


# --- analysis ----------------------------------------------------------------------------


def _scope_controls(actor: Actor) -> tuple[str, fstats.Scope]:
    today = widgets.today()
    columns = st.columns([1, 1, 1, 1, 1])
    grain = (
        columns[0].segmented_control(
            tr("feedback.stats.grain"),
            list(fstats.GRAINS),
            format_func=lambda g: tr(f"feedback.stats.grain.{g}"),
            default="month",
            key="fb_grain",
        )
        or "month"
    )
    start = columns[1].date_input(
        tr("feedback.stats.start"),
        value=add_months(today.replace(day=1), -23),
        format="DD.MM.YYYY",
        key="fb_start",
    )
    end = columns[2].date_input(
        tr("feedback.stats.end"), value=today, format="DD.MM.YYYY", key="fb_end"
    )
    source = columns[3].selectbox(
        tr("field.feedback.source"),
        _optional([s.value for s in FeedbackSource]),
        format_func=lambda v: label(v, "FeedbackSource") if v else tr("any"),
        key="fb_stats_source",
    )
    channel = columns[4].selectbox(
        tr("field.feedback.channel"),
        _optional([c.value for c in FeedbackChannel]),
        format_func=lambda v: label(v, "FeedbackChannel") if v else tr("any"),
        key="fb_stats_channel",
    )
    return grain, fstats.Scope(start=start, end=end, source=source, channel=channel)


def _number_or_dash(value: Any, decimals: int) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    return format_number(float(value), current_language(), decimals=decimals)


def _figure_table(frame: pd.DataFrame, first: str, first_title: str) -> None:
    shown = pd.DataFrame(
        {
            first_title: frame[first],
            tr("feedback.stats.responses"): frame["responses_shown"],
            tr("field.feedback.satisfaction"): frame["satisfaction"].map(
                lambda v: _number_or_dash(v, 2)
            ),
            tr("feedback.stats.satisfaction_n"): frame["satisfaction_n_shown"],
            "NPS": frame["nps"].map(lambda v: _number_or_dash(v, 0)),
            tr("feedback.stats.nps_n"): frame["nps_n_shown"],
        }
    )
    st.dataframe(shown, hide_index=True, width="stretch")


def analysis_view(actor: Actor) -> None:
    lang = current_language()
    grain, scope = _scope_controls(actor)
    with db.read_session() as session:
        k = fstats.suppression_k(session)
        trend = fstats.trend(session, actor, grain=grain, scope=scope)
    st.caption(tr("feedback.stats.help", k=k))

    st.subheader(tr("feedback.stats.trend"))
    if trend.empty:
        st.info(tr("feedback.stats.no_data"))
    else:
        trend["label"] = trend["period"].map(lambda d: fstats.period_label(d, grain, lang))
        latest = trend.iloc[-1]
        metrics = st.columns(3)
        metrics[0].metric(
            tr("feedback.stats.latest_responses", period=latest["label"]),
            latest["responses_shown"],
            border=True,
        )
        metrics[1].metric(
            tr("feedback.stats.latest_satisfaction"),
            _number_or_dash(latest["satisfaction"], 2),
            help=tr("feedback.stats.n_help", n=latest["satisfaction_n_shown"]),
            border=True,
        )
        metrics[2].metric(
            tr("feedback.stats.latest_nps"),
            _number_or_dash(latest["nps"], 0),
            help=tr("feedback.stats.n_help", n=latest["nps_n_shown"]),
            border=True,
        )
        titles = {"period": tr("feedback.stats.period"), "responses": tr("feedback.stats.n")}
        charts_row = st.columns(2)
        charts_row[0].altair_chart(
            charts.trend_chart(
                trend,
                measure="satisfaction",
                titles={**titles, "value": tr("feedback.stats.satisfaction_mean")},
            ),
            width="stretch",
        )
        charts_row[1].altair_chart(
            charts.trend_chart(trend, measure="nps", titles={**titles, "value": "NPS"}),
            width="stretch",
        )
        with st.expander(tr("feedback.stats.trend_table")):
            _figure_table(trend, "label", tr("feedback.stats.period"))

    st.subheader(tr("feedback.stats.breakdown"))
    dimension = (
        st.segmented_control(
            tr("feedback.stats.by"),
            list(fstats.DIMENSIONS),
            format_func=lambda d: tr(f"feedback.stats.by.{d}"),
            default="source",
            key="fb_dimension",
        )
        or "source"
    )
    with db.read_session() as session:
        groups = fstats.breakdown(session, actor, dimension=dimension, scope=scope)
    if groups.empty:
        st.info(tr("feedback.stats.no_data"))
    else:
        groups["label"] = [_group_label(dimension, row, k) for _, row in groups.iterrows()]
        if dimension == "provider":
            st.caption(tr("feedback.stats.provider_help", k=k))
        columns = st.columns([3, 2])
        with columns[0]:
            _figure_table(groups, "label", tr(f"feedback.stats.by.{dimension}"))
        columns[1].altair_chart(
            charts.breakdown_chart(
                groups,
                measure="satisfaction",
                titles={
                    "group": tr(f"feedback.stats.by.{dimension}"),
                    "value": tr("feedback.stats.satisfaction_mean"),
                    "responses": tr("feedback.stats.n"),
                },
            ),
            width="stretch",
        )

    _themes_part(actor, grain, scope)
    _download_part(actor, grain, scope)


def _group_label(dimension: str, row: Any, k: int) -> str:
    key = str(row["group"])
    if dimension == "provider":
        if key == fstats.NO_PROVIDER:
            return tr("feedback.stats.no_provider")
        if key == fstats.OTHER_PROVIDERS:
            return tr("feedback.stats.other_providers", count=row["providers"], k=k)
        return str(row["name"])
    enum_name = {"source": "FeedbackSource", "channel": "FeedbackChannel", "language": "Language"}
    return label(key, enum_name[dimension])


def _themes_part(actor: Actor, grain: str, scope: fstats.Scope) -> None:
    lang = current_language()
    st.subheader(tr("feedback.stats.themes"))
    with db.read_session() as session:
        frequency = fstats.theme_frequency(session, actor, grain=grain, scope=scope)
        totals = fstats.theme_totals(session, actor, scope=scope)
    if frequency.empty:
        st.info(tr("feedback.stats.no_data"))
        return
    frequency["label"] = frequency["period"].map(lambda d: fstats.period_label(d, grain, lang))
    columns = st.columns([3, 1])
    columns[0].altair_chart(
        charts.theme_chart(
            frequency,
            titles={
                "period": tr("feedback.stats.period"),
                "mentions": tr("feedback.stats.mentions"),
                "theme": tr("feedback.stats.theme"),
            },
        ),
        width="stretch",
    )
    columns[1].dataframe(
        pd.DataFrame(
            {
                tr("feedback.stats.theme"): totals["theme"],
                tr("feedback.stats.mentions"): totals["mentions_shown"],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    if not actor.can(Permission.VIEW_FREE_TEXT):
        return
    with st.expander(tr("feedback.stats.texts"), icon=":material/lock:"):
        st.caption(tr("feedback.stats.texts_help"))
        theme = st.selectbox(
            tr("feedback.stats.theme"),
            _optional(list(totals["theme"])),
            format_func=lambda v: v if v else "–",
            key="fb_text_theme",
        )
        if theme:
            with db.read_session() as session:
                texts = fstats.theme_texts(session, actor, theme=theme, scope=scope)
            texts["received_on"] = texts["received_on"].map(lambda d: format_date(d, lang))
            texts["source"] = texts["source"].map(lambda v: label(v, "FeedbackSource"))
            st.dataframe(
                texts,
                hide_index=True,
                width="stretch",
                column_config={
                    "id": st.column_config.NumberColumn("#", format="%d"),
                    "received_on": tr("field.feedback.received_on"),
                    "source": tr("field.feedback.source"),
                    "satisfaction": tr("field.feedback.satisfaction"),
                    "recommend": tr("field.feedback.recommend"),
                    "text": st.column_config.TextColumn(tr("field.feedback.text"), width="large"),
                },
            )


def _export(
    actor: Actor, fmt: Format, lang: str, grain: str, scope: fstats.Scope
) -> Callable[[], bytes]:
    """Made only on click, so the export and its audit entry happen only when wanted."""

    def build() -> bytes:
        with db.write_session() as session:
            return fstats.export_figures(
                session, actor, fmt=fmt, lang=lang, grain=grain, scope=scope
            )

    return build


def _download_part(actor: Actor, grain: str, scope: fstats.Scope) -> None:
    if not actor.can(Permission.EXPORT_STATISTICS):
        return
    lang = current_language()
    st.subheader(tr("feedback.stats.download"))
    st.caption(tr("feedback.stats.download_help"))
    columns = st.columns(4)
    for column, fmt in zip(columns, FORMATS, strict=False):
        column.download_button(
            tr(f"io.export.{fmt}"),
            data=_export(actor, fmt, lang, grain, scope),
            file_name=f"{tr('feedback.export.file')}.{fmt}",
            mime=mime_type(fmt),
            key=f"fb_export_{fmt}",
            on_click="ignore",
        )


# --- import ------------------------------------------------------------------------------


def import_view(actor: Actor) -> None:
    lang = current_language()
    st.caption(tr("feedback.import.help"))
    done = st.session_state.pop(_IMPORT_DONE, None)
    if done is not None:
        st.success(tr("feedback.import.done", rows=done))
    nonce = st.session_state.setdefault(_IMPORT_NONCE, 0)
    uploaded = st.file_uploader(
        tr("io.upload"),
        type=["csv", "xlsx", "txt", "tsv"],
        key=f"fb_upload_{nonce}",
        max_upload_size=MAX_BYTES // 2**20,
    )
    if uploaded is None:
        return
    data, filename = uploaded.getvalue(), uploaded.name
    try:
        headers = feedback_io.file_headers(data, filename)
    except TableRefused as refused:
        _show_problems(refused.items)
        return
    suggested = feedback_io.suggest_mapping(headers)
    st.markdown(f"**{tr('feedback.import.mapping')}**")
    st.caption(tr("feedback.import.mapping_help"))
    mapping: dict[str, str | None] = {}
    columns = st.columns(3)
    for number, name in enumerate(feedback_io.FIELDS):
        default = suggested.get(name)
        options = _optional(headers)
        mapping[name] = columns[number % 3].selectbox(
            tr(f"field.feedback.{name}") + (" *" if name in feedback_io.REQUIRED else ""),
            options,
            index=options.index(default) if default in options else 0,
            format_func=lambda v: v if v else tr("feedback.import.not_mapped"),
            key=f"fb_map_{name}_{nonce}",
        )
    st.markdown(f"**{tr('feedback.import.defaults')}**")
    columns = st.columns(3)
    defaults = {
        "source": columns[0].selectbox(
            tr("field.feedback.source"),
            [s.value for s in FeedbackSource],
            format_func=lambda v: label(v, "FeedbackSource"),
            key=f"fb_default_source_{nonce}",
        ),
        "channel": columns[1].selectbox(
            tr("field.feedback.channel"),
            [c.value for c in FeedbackChannel],
            format_func=lambda v: label(v, "FeedbackChannel"),
            key=f"fb_default_channel_{nonce}",
        ),
        "language": columns[2].selectbox(
            tr("field.language"),
            [x.value for x in Language],
            format_func=lambda v: label(v, "Language"),
            key=f"fb_default_language_{nonce}",
        ),
    }
    try:
        with db.read_session() as session:
            preview = feedback_io.preview_import(
                session, actor, data=data, filename=filename, mapping=mapping, defaults=defaults
            )
    except TableRefused as refused:
        _show_problems(refused.items)
        return
    except DomainError as error:
        widgets.show_error(error)
        return
    if preview.problems:
        _show_problems(preview.problems)
    if not preview.frame.empty:
        st.markdown(f"**{tr('io.preview.title')}**")
        st.caption(
            tr("feedback.import.summary", rows=len(preview.frame), redacted=preview.redacted_rows)
        )
        frame = preview.frame.copy()
        frame["received_on"] = frame["received_on"].map(
            lambda d: format_date(d, lang) if isinstance(d, date) else ""
        )
        frame["source"] = frame["source"].map(lambda v: label(v, "FeedbackSource"))
        frame["channel"] = frame["channel"].map(lambda v: label(v, "FeedbackChannel"))
        frame["language"] = frame["language"].map(lambda v: label(v, "Language"))
        st.dataframe(
            frame,
            hide_index=True,
            width="stretch",
            column_config={
                "row": tr("io.problems.row"),
                "received_on": tr("field.feedback.received_on"),
                "source": tr("field.feedback.source"),
                "channel": tr("field.feedback.channel"),
                "provider_id": tr("field.feedback.provider_id"),
                "language": tr("field.language"),
                "satisfaction": tr("field.feedback.satisfaction"),
                "recommend": tr("field.feedback.recommend"),
                "themes": tr("field.feedback.themes"),
                "text": tr("field.feedback.text"),
                "redacted": tr("feedback.import.redacted"),
            },
        )
    if preview.problems or preview.frame.empty:
        return
    if st.button(
        tr("io.import.confirm", rows=len(preview.frame)), type="primary", key="fb_import_confirm"
    ):
        _run_import(actor, data, filename, mapping, defaults)


def _show_problems(problems: list[Problem]) -> None:
    st.error(tr("io.problems.title", count=len(problems)))
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "row": str(p.row) if p.row is not None else tr("io.problems.whole_file"),
                    "column": tr(f"field.feedback.{p.column}")
                    if p.column in feedback_io.FIELDS
                    else "",
                    "message": tr(p.key, **p.params),
                }
                for p in problems
            ],
            columns=["row", "column", "message"],
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "row": tr("io.problems.row"),
            "column": tr("io.problems.column"),
            "message": tr("io.problems.message"),
        },
    )


def _run_import(
    actor: Actor,
    data: bytes,
    filename: str,
    mapping: dict[str, str | None],
    defaults: dict[str, str],
) -> None:
    with st.status(tr("io.import.running"), expanded=True) as status:
        bar = st.progress(0.0)

        def progress(fraction: float, _step: str) -> None:
            bar.progress(min(max(fraction, 0.0), 1.0))

        try:
            with db.write_session() as session:
                created = feedback_io.run_import(
                    session,
                    actor,
                    data=data,
                    filename=filename,
                    mapping=mapping,
                    defaults=defaults,
                    progress=progress,
                )
        except TableRefused as refused:
            status.update(label=tr("io.import.failed"), state="error")
            _show_problems(refused.items)
            return
        except DomainError as error:
            status.update(label=tr("io.import.failed"), state="error")
            widgets.show_error(error)
            return
        status.update(label=tr("io.import.finished"), state="complete")
    st.session_state[_IMPORT_DONE] = created
    st.session_state[_IMPORT_NONCE] = st.session_state.get(_IMPORT_NONCE, 0) + 1
    st.rerun()


# --- themes ------------------------------------------------------------------------------


def themes_view(actor: Actor) -> None:
    st.caption(tr("feedback.themes.help"))
    with db.read_session() as session:
        themes = feedback.list_themes(session, actor, active_only=False)
    for theme in themes:
        columns = st.columns([4, 1])
        columns[0].text(
            theme.name + ("" if theme.active else f" ({tr('feedback.themes.retired')})")
        )
        button = "feedback.themes.retire" if theme.active else "feedback.themes.restore"
        if columns[1].button(tr(button), key=f"fb_theme_{theme.id}") and widgets.write(
            actor,
            feedback.set_theme_active,
            "feedback.themes.saved",
            theme_id=theme.id,
            active=not theme.active,
            expected_version=theme.version,
        ):
            st.rerun()
    with st.form("fb_new_theme", clear_on_submit=True):
        name = st.text_input(tr("feedback.themes.new"), max_chars=80)
        add = st.form_submit_button(tr("feedback.themes.add"))
    if add and widgets.write(actor, feedback.create_theme, "feedback.themes.saved", name=name):
        st.rerun()
